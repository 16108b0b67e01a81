"""Every example of docs/testing.md runs, as written there."""
from __future__ import annotations

import inspect
import unittest

import pytest

from liveview.testing import LiveViewTestCase

from .docs_examples import example_namespace

pytest_plugins = ["liveview.pytest_plugin"]

NAMESPACE = example_namespace()
TESTS = sorted(name for name, value in NAMESPACE.items()
               if name.startswith("test_") and inspect.iscoroutinefunction(value))
CASES = sorted(name for name, value in NAMESPACE.items() if isinstance(value, type)
               and issubclass(value, LiveViewTestCase) and value is not LiveViewTestCase)


@pytest.fixture(autouse=True)
def urls(settings):
    settings.ROOT_URLCONF = "tests.testclient.docs_examples"


def test_the_doc_has_examples():
    assert len(TESTS) >= 10 and CASES == ["CounterTests"]


@pytest.mark.parametrize("name", TESTS)
async def test_doc_example(name, live_client, settings, tmp_path):
    # Fixtures resolved here, not with request.getfixturevalue: async fixtures and the
    # database need setting up outside the running test's event loop.
    fixtures = {"live_client": live_client, "settings": settings, "tmp_path": tmp_path}
    test = NAMESPACE[name]
    await test(**{arg: fixtures[arg] for arg in inspect.signature(test).parameters})


@pytest.mark.parametrize("name", CASES)
def test_doc_test_case_runs_under_djangos_runner(name, transactional_db):
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(NAMESPACE[name])
    result = unittest.TextTestRunner(verbosity=0).run(suite)
    assert result.wasSuccessful() and result.testsRun >= 1, result.failures + result.errors
