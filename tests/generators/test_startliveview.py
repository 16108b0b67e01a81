"""`manage.py startliveview` in a scratch project: the files, the printed URL pattern, and
the generated test passing under Django's test runner (in a subprocess)."""
from __future__ import annotations

import pytest
from django.core.management.base import CommandError

from liveview.management.scaffold import Names, write_files

from .scratch import Scratch


@pytest.fixture
def scratch(tmp_path):
    return Scratch(tmp_path)


def test_generated_view_and_test_pass(scratch):
    out = scratch.django("startliveview", "shop", "ShoppingCart").stdout
    app = scratch.root / "shop"
    assert (app / "live" / "__init__.py").exists()
    view = (app / "live" / "shopping_cart.py").read_text()
    assert "class ShoppingCartLiveView(LiveView[ShoppingCartContext]):" in view
    assert 'template_name = "shop/shopping_cart.html"' in view
    assert (app / "templates" / "shop" / "shopping_cart.html").exists()
    assert "from shop.live.shopping_cart import ShoppingCartLiveView" in out
    assert 'path("shopping-cart/", ShoppingCartLiveView.as_view(), name="shopping_cart"),' in out
    result = scratch.run("-m", "django", "test", "shop", "-v", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "test_renders_and_counts_clicks" in result.stderr and "OK" in result.stderr


    again = scratch.run("-m", "django", "startliveview", "shop", "shopping_cart")
    assert again.returncode != 0 and "pass --force" in again.stderr


@pytest.mark.parametrize("raw, camel, snake", [("counter", "Counter", "counter"),
                                               ("ShoppingCart", "ShoppingCart", "shopping_cart"),
                                               ("shopping-cart", "ShoppingCart", "shopping_cart"),
                                               ("HTTPStatus2", "HTTPStatus2", "http_status2")])
def test_names(raw, camel, snake):
    assert Names.parse(raw) == Names(camel, snake)


@pytest.mark.parametrize("bad", ["9lives", "class", "!!", ""])
def test_bad_names_are_refused(bad):
    with pytest.raises(CommandError, match="not a usable name"):
        Names.parse(bad)


def test_write_files_writes_all_or_nothing(tmp_path):
    (tmp_path / "b.py").write_text("mine")
    files = {tmp_path / "a.py": "new", tmp_path / "b.py": "new"}
    with pytest.raises(CommandError, match="b.py; pass --force"):
        write_files(files, force=False)
    assert not (tmp_path / "a.py").exists() and (tmp_path / "b.py").read_text() == "mine"
    write_files(files, force=True)
    assert (tmp_path / "b.py").read_text() == "new"
