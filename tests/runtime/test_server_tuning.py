"""liveview.runtime.server_tuning: daphne's stack stops building unused debug-log arguments."""
import importlib

import txaio

from liveview.runtime import server_tuning


def test_autobahn_log_arguments_are_built_only_when_txaio_logs_debug(monkeypatch):
    protocol = importlib.import_module("autobahn.websocket.protocol")
    twisted_websocket = importlib.import_module("autobahn.twisted.websocket")
    original = protocol.hltype
    monkeypatch.setattr(server_tuning, "_done", False)
    for module in (protocol, twisted_websocket):
        for name in ("hltype", "hlval"):
            monkeypatch.setattr(module, name, getattr(module, name))  # undone after the test

    assert server_tuning.quiet_autobahn_log_arguments()
    assert not server_tuning.quiet_autobahn_log_arguments()  # once per process
    level = txaio.get_global_log_level()
    try:
        txaio.set_global_log_level("info")  # daphne's: debug calls are dropped
        assert protocol.hltype(len) == ""
        assert twisted_websocket.hlval(12) == ""
        txaio.set_global_log_level("debug")  # someone wants them: the full text again
        assert protocol.hltype(len) == original(len) != ""
        assert twisted_websocket.hlval(12) != ""
    finally:
        txaio.set_global_log_level(level)


def test_nothing_changes_without_autobahn(monkeypatch):
    monkeypatch.setattr(server_tuning, "_done", False)
    monkeypatch.setattr(server_tuning, "_PER_FRAME_MODULES", ("no.such.module",))
    assert not server_tuning.quiet_autobahn_log_arguments()
