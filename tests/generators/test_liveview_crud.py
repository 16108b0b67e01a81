"""`manage.py liveview_crud APP.Model` on a model of a scratch app: the generated view,
template and tests, which then pass under Django's test runner (in a subprocess, with the
scratch project's own settings and database)."""
from __future__ import annotations

from .scratch import Scratch

MODEL = '''from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=40, unique=True)
    price = models.DecimalField(max_digits=6, decimal_places=2)
    released = models.DateField()
    in_stock = models.BooleanField(default=True)
    notes = models.TextField(blank=True)

    def __str__(self):
        return self.name
'''


def test_generated_crud_and_its_tests_pass(tmp_path):
    scratch = Scratch(tmp_path)
    (tmp_path / "shop" / "models.py").write_text(MODEL)
    out = scratch.django("liveview_crud", "shop.Product").stdout
    assert "from shop.live.product_crud import ProductCrudLiveView" in out
    assert 'path("products/", ProductCrudLiveView.as_view(), name="product-crud"),' in out
    view = (tmp_path / "shop" / "live" / "product_crud.py").read_text()
    assert "fields = ['name', 'price', 'released', 'in_stock', 'notes']" in view
    template = (tmp_path / "shop" / "templates" / "shop" / "product_crud.html").read_text()
    assert 'data-confirm="Delete {{ obj }}?"' in template and 'phx-update="stream"' in template
    test = (tmp_path / "shop" / "test_product_crud_live.py").read_text()
    assert "'price': Decimal('0.01')" in test and "'released': '2024-01-02'" in test
    scratch.django("makemigrations", "shop", "-v", "0")
    result = scratch.run("-m", "django", "test", "shop", "-v", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("test_create_validates_live_then_saves", "test_edit",
                 "test_delete_asks_for_confirmation"):
        assert f"{name} " in result.stderr, result.stderr


def test_unknown_model_is_refused(tmp_path):
    scratch = Scratch(tmp_path)
    result = scratch.run("-m", "django", "liveview_crud", "shop.Nope")
    assert result.returncode != 0 and "app 'shop' has no model 'Nope'" in result.stderr
