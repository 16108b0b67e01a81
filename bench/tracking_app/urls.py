from django.urls import include, path

from .views import (
    CounterByHandView,
    CounterTableComponentView,
    CounterTableView,
    TableRowView,
)

urlpatterns = [
    path("counter-table/", CounterTableView.as_view(), name="counter-table"),
    path("table-row/", TableRowView.as_view(), name="table-row"),
    path("counter-by-hand/", CounterByHandView.as_view(), name="counter-by-hand"),
    path("counter-table-component/", CounterTableComponentView.as_view(),
         name="counter-table-component"),
    path("", include("demo_project.urls")),  # /counter/, and the links of the layout
]
