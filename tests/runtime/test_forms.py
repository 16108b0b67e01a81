"""Django forms in LiveViews: binding form events, errors on touched fields only while typing,
all errors on submit, validation that queries the database, and the registration demo."""
from urllib.parse import urlencode

import pytest
from asgiref.sync import sync_to_async
from django import forms

from liveview import LiveFormMixin, bind_form
from liveview.core.payloads import FormPayload
from liveview.forms import live_form_class

from .forms_auth_views import SignupForm

pytestmark = pytest.mark.django_db(transaction=True)

REQUIRED = "This field is required."
TOO_LONG = "Ensure this value has at most 5 characters"
BAD_EMAIL = "Enter a valid email address."


@pytest.fixture
def urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.forms_auth_urls"


async def joined(client, path):
    await client.open(path)
    return client


def change(**fields):
    """Form data as the client sends it on phx-change; `None` marks a field untouched."""
    pairs = []
    for name, value in fields.items():
        if value is None:
            pairs += [(f"_unused_{name}", ""), (name, "")]
        else:
            pairs.append((name, value))
    return urlencode(pairs)


# Over the protocol -----------------------------------------------------------------------------
async def test_change_shows_errors_of_touched_fields_only(client):
    await joined(client, "/f/signup/")
    await client.submit("validate", change(name="toolong", email=None, password1=None,
                                           password2=None), target="name", change=True)
    assert TOO_LONG in client.html
    assert REQUIRED not in client.html  # email is empty and agree unchecked, but untouched
    assert 'aria-invalid="true"' in client.html  # only on name
    assert client.html.count('aria-invalid="true"') == 1
    # Hidden is only the display: the form is still invalid.
    assert "<p id='valid'>False</p>" in client.html


async def test_touching_a_field_reveals_its_error(client):
    await joined(client, "/f/signup/")
    await client.submit("validate", change(name="ada", email=None), target="name", change=True)
    assert BAD_EMAIL not in client.html and REQUIRED not in client.html
    await client.submit("validate", change(name="ada", email="nope"), target="email",
                        change=True)
    assert BAD_EMAIL in client.html
    assert REQUIRED not in client.html  # agree: not in the data, so untouched


async def test_the_field_that_fired_shows_its_error_even_when_absent(client):
    """An unchecked checkbox is absent from the data; when it fired the change, it counts."""
    await joined(client, "/f/signup/")
    await client.submit("validate", change(name="ada", email="a@b.c"), target="agree",
                        change=True)
    assert client.html.count(REQUIRED) == 1 and 'id="id_agree_error"' in client.html


async def test_submit_shows_every_error(client):
    await joined(client, "/f/signup/")
    await client.submit("validate", change(name=None, email=None, password1="x"),
                        target="password1", change=True)
    assert REQUIRED not in client.html
    await client.submit("save", "name=&email=&password1=&password2=")
    for field in ("name", "email", "agree"):
        assert f'id="id_{field}_error"' in client.html
    assert "<p id='saved'></p>" in client.html


async def test_valid_submit_saves_and_resets_the_form(client):
    await joined(client, "/f/signup/")
    await client.submit("save", "name=Ada&email=ada%40example.com&agree=on&password1=x"
                                "&password2=x")
    assert "<p id='saved'>Ada</p>" in client.html
    assert 'value="Ada"' not in client.html  # a fresh, unbound form
    assert "errorlist" not in client.html


async def test_non_field_errors_wait_until_every_field_is_touched(client):
    await joined(client, "/f/fields/")
    await client.submit("validate", change(name="ada", email="a@b.c", when_0=None,
                                           when_1=None, password1="x", password2="y"),
                        target="password2", change=True)
    assert "The passwords differ." not in client.html  # `when` and `agree` untouched
    await client.submit("validate", change(name="ada", email="a@b.c", when_0="", when_1="",
                                           agree="on", password1="x", password2="y"),
                        target="password2", change=True)
    assert '<ul class="errorlist nonfield"><li>The passwords differ.</li></ul>' in client.html


async def test_field_by_field_rendering_follows_the_same_rule(client):
    await joined(client, "/f/fields/")
    await client.submit("validate", change(name="toolong", email=None), target="name",
                        change=True)
    assert TOO_LONG in client.html
    assert "<div id='email-errors'></div>" in client.html
    assert "aria-invalid" not in client.html.split("<div id='email-input'>")[1]
    await client.submit("save", "name=toolong&email=")
    assert REQUIRED in client.html.split("<div id='email-errors'>")[1]


async def test_validation_querying_the_database_from_an_async_handler(client):
    from django.contrib.auth.models import User

    await sync_to_async(User.objects.create_user)("taken", password="pw")
    await joined(client, "/f/user/")
    await client.submit("validate", "username=taken", target="username", change=True)
    assert "<p id='errors'><ul class=\"errorlist\"" in client.html and "taken</li>" in client.html
    assert "<p id='valid'>False</p>" in client.html
    await client.submit("validate", "username=free", target="username", change=True)
    assert "<p id='valid'>True</p>" in client.html and "errorlist" not in client.html


async def test_validation_querying_the_database_from_a_sync_handler(client):
    from django.contrib.auth.models import User

    await sync_to_async(User.objects.create_user)("taken", password="pw")
    await joined(client, "/f/sync-user/")
    await client.submit("validate", "username=taken", target="username", change=True)
    assert "taken</li>" in client.html and "<p id='valid'>False</p>" in client.html


async def test_form_recovery_after_a_rejoin_restores_values_and_errors(client):
    """On rejoin the server mounts afresh; the client then replays the form as a change event
    (docs/internals.md, "Joining"), whose `_target` is the form's first input."""
    await joined(client, "/f/signup/")
    typed = change(name="Ada", email="nope", password1=None, password2=None)
    await client.submit("validate", typed, target="email", change=True)
    assert BAD_EMAIL in client.html
    reply = await client.join()  # the rejoin: same topic, new join_ref, fresh mount
    assert reply["status"] == "ok" and 'value="Ada"' not in client.html
    await client.submit("validate", typed, target="name", change=True)  # the replay
    assert 'value="Ada"' in client.html and 'value="nope"' in client.html
    assert BAD_EMAIL in client.html and REQUIRED not in client.html


async def test_target_with_an_unused_marker_stays_untouched(client):
    """Form recovery names the form's first input as `_target`, touched or not."""
    await joined(client, "/f/signup/")
    await client.submit("validate", change(name=None, email="nope"), target="name", change=True)
    assert BAD_EMAIL in client.html and REQUIRED not in client.html


# The registration demo ------------------------------------------------------------------------
async def test_registration_demo_checks_the_database_and_welcomes(client):
    from demo_project.demos.models import Member

    await joined(client, "/register/")
    assert "0 members so far" in client.html
    await client.submit("validate", change(username="Admin", email=None, full_name=None),
                        target="username", change=True)
    assert "This username is reserved." in client.html
    await client.submit("save", "username=Ada_L&email=ada%40example.com&full_name=Ada"
                                "&accept_terms=on")
    assert 'class="flash flash-info"' in client.html and "Welcome, Ada!" in client.html
    assert "1 member so far" in client.html
    assert await Member.objects.filter(username="ada_l").aexists()

    await client.submit("validate", change(username="ADA_L", email="ada@example.com",
                                           full_name=None), target="email", change=True)
    assert "This username is taken." in client.html
    assert "Member with this Email already exists." in client.html


async def test_registration_demo_submit_shows_all_errors(client):
    await joined(client, "/register/")
    await client.submit("save", "username=&email=&full_name=")
    assert client.html.count(REQUIRED) == 4  # username, email, full name, terms


# Without a server -----------------------------------------------------------------------------
def test_bind_form_without_payload_is_unbound():
    form = bind_form(SignupForm, initial={"name": "x"})
    assert not form.is_bound and isinstance(form, SignupForm) and isinstance(form, LiveFormMixin)
    assert 'value="x"' in str(form["name"])


def test_submitted_forces_every_error_and_false_hides():
    payload = FormPayload(change(name=None, email=None), {"_target": "name"})
    assert "errorlist" not in str(bind_form(SignupForm, payload)["email"].errors)
    assert REQUIRED in str(bind_form(SignupForm, payload, submitted=True)["email"].errors)
    submit = FormPayload("name=&email=", {})
    assert REQUIRED in str(bind_form(SignupForm, submit)["email"].errors)
    # False applies the touched rule even to a submit: email is absent, so untouched.
    assert not bind_form(SignupForm, FormPayload("name=", {}), submitted=False)["email"].errors


def test_touched_adds_input_names():
    payload = FormPayload(change(name="ada", email=None), {"_target": "name"})
    form = bind_form(SignupForm, payload, touched={"email"})
    assert form.is_used("email") and not form.is_used("agree")


def test_prefix_and_multiwidget_input_names():
    payload = FormPayload(change(**{"s-name": None, "s-when_0": "2024-01-01", "s-when_1": None}),
                          {"_target": "s-when_0"})
    form = bind_form(SignupForm, payload, prefix="s")
    assert form.input_names("when") == ["s-when", "s-when_0", "s-when_1"]
    assert form.is_used("when") and not form.is_used("name")


def test_visible_errors_is_the_shown_subset():
    payload = FormPayload(change(name="toolong", email=None), {"_target": "name"})
    form = bind_form(SignupForm, payload)
    assert set(form.visible_errors) == {"name"}
    assert {"name", "email", "agree"} <= set(form.errors)


def test_a_form_declared_with_the_mixin_binds_directly():
    class Declared(LiveFormMixin, forms.Form):
        name = forms.CharField()
        email = forms.EmailField()

    form = Declared(FormPayload(change(name="", email=None), {"_target": "name"}))
    assert form["name"].errors and not form["email"].errors
    assert live_form_class(Declared) is Declared


def test_live_form_class_is_cached_and_refuses_non_forms():
    assert live_form_class(SignupForm) is live_form_class(SignupForm)
    with pytest.raises(TypeError, match="expected a Django form class.*got <class 'dict'>"):
        live_form_class(dict)


def test_plain_dict_data_shows_every_error():
    form = bind_form(SignupForm, {"name": ""})
    assert form["email"].errors and form["name"].errors


def test_reset_form_gives_new_input_ids_and_keeps_names():
    from liveview import reset_form

    first, second = reset_form(SignupForm), reset_form(SignupForm, prefix="p")
    html = str(first["name"])
    assert 'name="name"' in html and 'id="id_name"' not in html
    assert first["name"].id_for_label != second["name"].id_for_label
    assert 'name="p-name"' in str(second["name"])
    assert not first.is_bound and isinstance(first, LiveFormMixin)
    with pytest.raises(ValueError, match="the form's inputs need ids"):
        reset_form(SignupForm, auto_id=False)
