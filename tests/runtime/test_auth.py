"""Access to LiveViews: the HTTP render redirects or refuses like Django's mixins, and every
join (first, rejoin, live redirect) checks again with the session and user read afresh."""
import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Permission, User
from django.test import AsyncClient

from liveview import LiveView, login_required
from liveview.testing import LiveViewTestClient

from .forms_auth_views import PublicView

pytestmark = pytest.mark.django_db(transaction=True)

UNAUTHORIZED = {"status": "error", "response": {"reason": "unauthorized"}}


@pytest.fixture
def urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.forms_auth_urls"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


async def make_user(username="ada", *, perms=(), **fields):
    user = await sync_to_async(User.objects.create_user)(username, password="pw", **fields)
    for codename in perms:
        perm = await Permission.objects.aget(codename=codename)
        await user.user_permissions.aadd(perm)
    return user


async def logged_in(client, username="ada", **kwargs):
    await make_user(username, **kwargs)
    assert await client.http.alogin(username=username, password="pw")
    return client


async def status_and_location(client, path):
    response = await client.http.get(path)
    return response.status_code, response.headers.get("Location")


# HTTP render -----------------------------------------------------------------------------------
async def test_anonymous_is_redirected_to_login_with_next(client):
    assert await status_and_location(client, "/a/members/?x=1") == (
        302, "/accounts/login/?next=/a/members/%3Fx%3D1")


async def test_logged_in_user_sees_the_page_and_joins(client):
    await logged_in(client)
    await client.get("/a/members/")
    assert (await client.join())["status"] == "ok"
    assert "<p id='who'>ada|</p>" == client.html


async def test_mixin_listed_after_the_view_is_enforced_too(client):
    assert (await status_and_location(client, "/a/reverse/"))[0] == 302


async def test_missing_permission_is_403_and_having_it_passes(client):
    await logged_in(client)
    assert (await status_and_location(client, "/a/perm/"))[0] == 403
    other = LiveViewTestClient(client.application)
    await logged_in(other, "bob", perms=["view_user"])
    await other.get("/a/perm/")
    assert (await other.join())["status"] == "ok"
    await other.close()


async def test_anonymous_on_a_permission_view_goes_to_login(client):
    assert (await status_and_location(client, "/a/perm/"))[0] == 302


async def test_raise_exception_gives_anonymous_users_403(client):
    assert (await status_and_location(client, "/a/raising/"))[0] == 403


async def test_login_url_and_redirect_field_name_are_honoured(client):
    assert await status_and_location(client, "/a/custom-login/") == (
        302, "/elsewhere/login/?back=/a/custom-login/")


async def test_sync_test_func_may_query_the_database(client):
    await logged_in(client, "bob", first_name="Bob")
    assert (await status_and_location(client, "/a/test-func/"))[0] == 403
    other = LiveViewTestClient(client.application)
    await logged_in(other, "ada", first_name="Ada")
    await other.get("/a/test-func/")
    assert (await other.join())["status"] == "ok"
    await other.close()


async def test_async_test_func(client):
    await logged_in(client, "bob")
    assert (await status_and_location(client, "/a/async-test-func/"))[0] == 403


async def test_has_access_override_without_mixin(client):
    assert await status_and_location(client, "/a/has-access/") == (
        302, "/accounts/login/?next=/a/has-access/")
    await logged_in(client, "bob")
    assert (await status_and_location(client, "/a/has-access/"))[0] == 403
    staff = LiveViewTestClient(client.application)
    await logged_in(staff, "ada", is_staff=True)
    await staff.get("/a/has-access/")
    assert (await staff.join())["status"] == "ok"
    await staff.close()


async def test_decorated_as_view_guards_http(client):
    assert await status_and_location(client, "/a/decorated/") == (
        302, "/accounts/login/?next=/a/decorated/")
    await logged_in(client)
    assert (await status_and_location(client, "/a/decorated/"))[0] == 200
    assert (await status_and_location(client, "/a/decorated-perm/"))[0] == 403


def test_decorators_accept_view_classes_and_refuse_other_views():
    protected = login_required(PublicView)
    assert issubclass(protected, PublicView) and protected.__qualname__ == "PublicView"
    assert login_required(login_url="/x/")(PublicView).login_url == "/x/"
    with pytest.raises(TypeError, match="protects a LiveView class.*got <function"):
        login_required(lambda request: None)


# Joins -----------------------------------------------------------------------------------------
async def test_live_redirect_join_into_a_protected_view_is_unauthorized(client):
    await client.get("/a/public/")
    for path in ("/a/members/", "/a/decorated/"):
        assert await client.join(url=None, redirect=f"http://testserver{path}") == UNAUTHORIZED


async def test_live_redirect_join_when_logged_in_is_allowed(client):
    await logged_in(client)
    await client.get("/a/public/")
    reply = await client.join(url=None, redirect="http://testserver/a/members/")
    assert reply["status"] == "ok" and client.html == "<p id='who'>ada|</p>"


async def test_logout_in_another_tab_refuses_the_next_join(client):
    await logged_in(client)
    await client.get("/a/members/")
    assert (await client.join())["status"] == "ok"

    other_tab = AsyncClient()  # the same browser: same cookies
    other_tab.cookies = client.http.cookies
    response = await other_tab.post("/accounts/logout/")
    assert response.status_code == 302

    # Same websocket (its scope still holds the session it opened with): rejoin is refused.
    assert await client.join() == UNAUTHORIZED
    # Joins of public views on that socket now see an anonymous user.
    reply = await client.join(url=None, redirect="http://testserver/a/public/")
    assert reply["status"] == "ok" and client.html == "<p id='who'>anonymous|</p>"


async def test_losing_a_permission_refuses_the_next_join(client):
    user = await make_user("ada", perms=["view_user"])
    assert await client.http.alogin(username="ada", password="pw")
    await client.get("/a/perm/")
    assert (await client.join())["status"] == "ok"
    await user.user_permissions.aclear()
    assert await client.join() == UNAUTHORIZED


async def test_password_change_elsewhere_logs_the_socket_out(client):
    user = await logged_in(client)
    user = await User.objects.aget(username="ada")
    await client.get("/a/members/")
    assert (await client.join())["status"] == "ok"
    user.set_password("new")
    await user.asave()  # the session's auth hash no longer matches
    assert await client.join() == UNAUTHORIZED


async def test_session_changes_from_other_requests_reach_the_next_mount(client):
    await logged_in(client)
    await client.get("/a/members/")
    assert (await client.join())["status"] == "ok"
    session = await client.http.asession()
    await session.aset("greeting", "hi")
    await session.asave()
    assert (await client.join())["status"] == "ok"
    assert client.html == "<p id='who'>ada|hi</p>"


async def test_socket_user_is_the_request_user_over_http_and_the_scope_user_live(client):
    """mount(socket, session): socket.user and session are the Django ones on both sockets."""
    await logged_in(client)
    session = await client.http.asession()
    await session.aset("greeting", "hello")
    await session.asave()
    page = await client.get("/a/public/")
    assert "<p id='who'>ada|hello</p>" in page
    assert (await client.join())["status"] == "ok"
    assert client.html == "<p id='who'>ada|hello</p>"


async def test_demo_members_page_needs_login(client):
    # The demo user comes from a data migration, which transactional tests flush away.
    if not await User.objects.filter(username="demo").aexists():
        await sync_to_async(User.objects.create_user)("demo", password="demo")
    assert await status_and_location(client, "/members/") == (
        302, "/accounts/login/?next=/members/")
    response = await client.http.post("/accounts/login/",
                                      {"username": "demo", "password": "demo",
                                       "next": "/members/"})
    assert (response.status_code, response.headers["Location"]) == (302, "/members/")
    await client.get("/members/")
    assert (await client.join())["status"] == "ok"
    assert '<strong id="signed-in-as">demo</strong>' in client.html


def test_liveview_base_allows_everyone():
    import asyncio

    assert asyncio.run(LiveView().has_access(None)) is True


def test_system_check_warns_about_decorators_that_skip_the_joins(settings):
    from liveview.checks import check_decorated_liveviews

    settings.ROOT_URLCONF = "tests.runtime.decorated_urls"
    problems = check_decorated_liveviews()
    assert [p.id for p in problems] == ["liveview.W003"]
    assert "'nested/django/' wraps PublicView.as_view() in a decorator" in problems[0].msg
    assert "user_passes_test" in problems[0].msg  # Django's login_required is built on it
    settings.ROOT_URLCONF = "tests.runtime.forms_auth_urls"
    assert check_decorated_liveviews() == []
