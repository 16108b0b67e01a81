"""The first render over HTTP: layout, container, tokens, params."""
import re

import pytest
from django.test import AsyncClient

from liveview import ConnectedOnlyError

pytestmark = pytest.mark.django_db(transaction=True)


async def test_counter_page_has_container_csrf_title_and_script(urls):
    response = await AsyncClient().get("/counter/?c=5")
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<div id="phx-[A-Za-z0-9_-]{16}" data-phx-main data-phx-session="[^"]+" '
                     r'data-phx-static="[^"]+">', html)
    assert re.search(r'<meta name="csrf-token" content="[A-Za-z0-9]{64}">', html)
    assert ('<script defer src="/static/liveview/liveview.js" '
            'data-longpoll-fallback-ms="2500"></script>') in html
    assert 'data-suffix=" · liveview demos">Counter · liveview demos</title>' in html
    assert '<span id="count">5</span>' in html
    assert "csrftoken" in response.cookies


async def test_each_render_gets_its_own_view_id(urls):
    ids = set()
    for _ in range(3):
        html = (await AsyncClient().get("/counter/")).content.decode()
        ids.add(re.search(r'id="(phx-[^"]+)" data-phx-main', html).group(1))
    assert len(ids) == 3


async def test_url_kwargs_and_query_reach_handle_params_as_lists(urls):
    html = (await AsyncClient().get("/t/other/42/?x=1")).content.decode()
    assert "<p>other 42</p>" in html


async def test_post_is_not_allowed(urls):
    response = await AsyncClient().post("/counter/")
    assert response.status_code == 405


async def test_connected_only_method_during_http_render_names_is_connected(urls):
    with pytest.raises(ConnectedOnlyError, match=r"is_connected\(socket\)"):
        await AsyncClient().get("/t/misuse/")


async def test_is_connected_is_false_on_http_render(urls):
    html = (await AsyncClient().get("/t/guarded/")).content.decode()
    assert "<p>False</p>" in html


async def test_dataclass_context_renders_fields_and_properties(urls):
    html = (await AsyncClient().get("/t/cart/")).content.decode()
    assert "<p>1 items apple</p>" in html


async def test_sync_mount_may_use_the_orm(urls):
    html = (await AsyncClient().get("/t/sync/")).content.decode()
    assert "<p>0 users, 0 clicks</p>" in html


async def test_layout_is_overridable_by_setting(urls, settings, tmp_path):
    (tmp_path / "mylayout.html").write_text(
        "{% load liveview %}<html><head>{% liveview_head %}</head>"
        "<body class='mine'>{{ liveview_content }}</body></html>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0],
                           "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    settings.LIVEVIEW = {"LAYOUT": "mylayout.html", "TITLE_SUFFIX": " · Site"}
    html = (await AsyncClient().get("/counter/")).content.decode()
    assert "<body class='mine'><div id=\"phx-" in html
    assert '<title data-prefix="" data-suffix=" · Site">Counter · Site</title>' in html
