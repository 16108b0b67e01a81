"""Fixtures for the core tests: the corpus templates through Django's own backend."""
from __future__ import annotations

from typing import Iterator

import pytest
from django.http import HttpRequest
from django.test import RequestFactory, override_settings

from tests.core.corpus import TEMPLATES_SETTING


@pytest.fixture
def corpus_backend() -> Iterator[None]:
    """Django's template backend reading tests/core/templates (demo settings untouched)."""
    with override_settings(TEMPLATES=TEMPLATES_SETTING):
        yield


@pytest.fixture
def request_obj() -> HttpRequest:
    """A GET request with a query string, so request-dependent output shows up."""
    return RequestFactory().get("/orders/?q=<shoes>&page=2")
