"""liveview.db: the background cleanup of stale connections never leaves an unretrieved error."""
import asyncio
import gc
import logging
import math
import time

import pytest

from liveview import db


@pytest.mark.django_db(transaction=True)  # the cleanup itself may use the database
async def test_a_failing_cleanup_is_logged_not_left_in_its_task(monkeypatch, caplog):
    def broken():
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(db, "_noop", broken)
    monkeypatch.setattr(db, "_last", 0.0)
    monkeypatch.setattr(db, "_running", None)  # another test's cleanup may still be running
    with caplog.at_level(logging.WARNING):
        db.schedule_connection_cleanup()
        for _ in range(50):
            await asyncio.sleep(0.01)
            if db._running is None:
                break
        gc.collect()
        await asyncio.sleep(0)
    assert "closing stale database connections failed (RuntimeError: database unreachable)" \
        in caplog.text
    assert "never retrieved" not in caplog.text


@pytest.mark.django_db(transaction=True)
async def test_cleanup_due_is_when_the_next_cleanup_may_start(monkeypatch):
    # The view channel skips `schedule_connection_cleanup` before `cleanup_due`: it must be
    # never while a cleanup runs, and a second after the last one started once it is done.
    monkeypatch.setattr(db, "_last", 0.0)
    monkeypatch.setattr(db, "_running", None)
    monkeypatch.setattr(db, "cleanup_due", 0.0)
    db.schedule_connection_cleanup()
    assert db._running is not None and db.cleanup_due == math.inf
    for _ in range(100):
        await asyncio.sleep(0.01)
        if db._running is None:
            break
    assert db._running is None
    assert db.cleanup_due == db._last + db._INTERVAL
    assert time.monotonic() < db.cleanup_due  # (not due for the rest of the second)


@pytest.mark.django_db(transaction=True)
async def test_a_click_asks_for_a_cleanup_only_when_one_is_due(client, monkeypatch):
    asked = []
    monkeypatch.setattr(db, "schedule_connection_cleanup", lambda: asked.append(1))
    await client.open("/counter/")
    monkeypatch.setattr(db, "cleanup_due", math.inf)
    await client.click("increment")  # (the join's own ask, from the view's task, is done)
    asked.clear()
    monkeypatch.setattr(db, "cleanup_due", 0.0)  # due
    await client.click("increment")
    assert asked == [1]
    monkeypatch.setattr(db, "cleanup_due", math.inf)  # a cleanup runs
    await client.click("increment")
    assert asked == [1]
