from django.urls import include, path

from .views import CounterTableView, TableRowView

urlpatterns = [
    path("counter-table/", CounterTableView.as_view(), name="counter-table"),
    path("table-row/", TableRowView.as_view(), name="table-row"),
    path("", include("demo_project.urls")),  # /counter/, and the links of the layout
]
