"""liveview.db: the background cleanup of stale connections never leaves an unretrieved error."""
import asyncio
import gc
import logging

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
