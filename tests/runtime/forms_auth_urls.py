from django.urls import include, path

from liveview import login_required, permission_required

from . import forms_auth_views as v

urlpatterns = [
    path("f/signup/", v.LiveSignupView.as_view()),
    path("f/fields/", v.FieldsView.as_view()),
    path("f/user/", v.UserFormView.as_view()),
    path("f/sync-user/", v.SyncUserFormView.as_view()),
    path("d/lazy/", v.LazyQuerysetView.as_view()),
    path("a/public/", v.PublicView.as_view()),
    path("a/members/", v.MembersOnlyView.as_view()),
    path("a/reverse/", v.ReverseOrderView.as_view()),
    path("a/perm/", v.PermissionView.as_view()),
    path("a/raising/", v.RaisingView.as_view()),
    path("a/custom-login/", v.CustomLoginView.as_view()),
    path("a/test-func/", v.TestFuncView.as_view()),
    path("a/async-test-func/", v.AsyncTestFuncView.as_view()),
    path("a/has-access/", v.HasAccessView.as_view()),
    path("a/decorated/", login_required(v.PublicView.as_view())),
    path("a/decorated-perm/", permission_required("auth.add_user")(v.PublicView.as_view())),
    path("", include("tests.runtime.urls")),
]
