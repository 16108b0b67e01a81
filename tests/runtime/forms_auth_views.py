"""LiveViews for the forms and auth tests (routed by tests/runtime/forms_auth_urls.py)."""
from __future__ import annotations

from django import forms
from django.contrib.auth.models import User

from liveview import (
    LoginRequiredMixin,
    PermissionRequiredMixin,
    UserPassesTestMixin,
    abind_form,
    bind_form,
)

from .views import StringTemplateView


class SignupForm(forms.Form):
    name = forms.CharField(max_length=5)
    email = forms.EmailField()
    when = forms.SplitDateTimeField(required=False)
    agree = forms.BooleanField()
    password1 = forms.CharField(required=False)
    password2 = forms.CharField(required=False)

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            raise forms.ValidationError("The passwords differ.")
        return data


class UserForm(forms.Form):
    """Validation that queries the database (like a ModelForm's unique check)."""

    username = forms.CharField()

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError("taken")
        return username


class LiveSignupView(StringTemplateView):
    """The pattern the docs show: abind_form on every form event, save on submit."""

    source = ("<form id='f' phx-change='validate' phx-submit='save'>{{ form }}</form>"
              "<p id='valid'>{{ valid }}</p><p id='saved'>{{ saved }}</p>")

    async def mount(self, socket, session):
        socket.context = {"form": bind_form(SignupForm), "valid": None, "saved": ""}

    async def handle_event(self, event, payload, socket):
        form = await abind_form(SignupForm, payload)
        socket.context["form"] = form
        socket.context["valid"] = form.is_valid()
        if event == "save" and form.is_valid():
            socket.context["saved"] = form.cleaned_data["name"]
            socket.context["form"] = bind_form(SignupForm)


class FieldsView(StringTemplateView):
    """Fields rendered one by one, plus the error summary and non-field errors."""

    source = ("<div id='name-errors'>{{ form.name.errors }}</div>"
              "<div id='email-errors'>{{ form.email.errors }}</div>"
              "<div id='top'>{{ form.non_field_errors }}</div>"
              "<div id='email-input'>{{ form.email }}</div>")

    async def mount(self, socket, session):
        socket.context = {"form": bind_form(SignupForm)}

    async def handle_event(self, event, payload, socket):
        socket.context["form"] = bind_form(SignupForm, payload)


class UserFormView(StringTemplateView):
    """An async handler whose form validation queries the database."""

    source = "<p id='errors'>{{ form.username.errors }}</p><p id='valid'>{{ valid }}</p>"

    async def mount(self, socket, session):
        socket.context = {"form": bind_form(UserForm), "valid": None}

    async def handle_event(self, event, payload, socket):
        form = await abind_form(UserForm, payload)
        socket.context.update(form=form, valid=form.is_valid())


class SyncUserFormView(UserFormView):
    """The same with a sync handler: it runs in the ORM's thread, plain bind_form works."""

    def handle_event(self, event, payload, socket):
        form = bind_form(UserForm, payload)
        socket.context.update(form=form, valid=form.is_valid())


class WhoView(StringTemplateView):
    source = "<p id='who'>{{ who }}|{{ greeting }}</p>"

    async def mount(self, socket, session):
        socket.context = {"who": socket.user.get_username() or "anonymous",
                          "greeting": session.get("greeting", "")}


class MembersOnlyView(LoginRequiredMixin, WhoView):
    pass


class ReverseOrderView(WhoView, LoginRequiredMixin):
    """The mixin after the view in the bases: still enforced."""


class PermissionView(PermissionRequiredMixin, WhoView):
    permission_required = "auth.view_user"


class RaisingView(LoginRequiredMixin, WhoView):
    raise_exception = True


class CustomLoginView(LoginRequiredMixin, WhoView):
    login_url = "/elsewhere/login/"
    redirect_field_name = "back"


class TestFuncView(UserPassesTestMixin, WhoView):
    def test_func(self, user):
        # Sync: runs in the ORM's thread, so it may query.
        return User.objects.filter(pk=user.pk, first_name="Ada").exists()


class AsyncTestFuncView(UserPassesTestMixin, WhoView):
    async def test_func(self, user):
        return user.get_username().startswith("a")


class HasAccessView(WhoView):
    """Overrides has_access directly, without any mixin."""

    async def has_access(self, user):
        return user.is_staff


class PublicView(WhoView):
    pass


class LazyQuerysetView(StringTemplateView):
    """A context holding a lazy queryset: the render evaluates it (in the ORM's thread)."""

    source = "<ul>{% for u in users %}<li>{{ u.username }}</li>{% endfor %}</ul><p>{{ n }}</p>"

    async def mount(self, socket, session):
        socket.context = {"users": User.objects.order_by("username"), "n": 0}

    async def handle_event(self, event, payload, socket):
        # Async ORM in an async handler; a fresh queryset, as a rendered one caches its rows.
        await User.objects.acreate(username=payload["name"])
        socket.context.update(users=User.objects.order_by("username"),
                              n=await User.objects.acount())
