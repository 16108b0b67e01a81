"""liveview.runtime.consumer: the websocket endpoint checks and decodes frames, then routes."""
import json

import pytest
from channels.testing import WebsocketCommunicator

from liveview.runtime.consumer import LiveViewConsumer


@pytest.fixture
async def socket():
    communicator = WebsocketCommunicator(LiveViewConsumer.as_asgi(), "/live/websocket",
                                         subprotocols=["phoenix"])
    connected, subprotocol = await communicator.connect()
    assert connected and subprotocol == "phoenix"
    yield communicator
    await communicator.disconnect()


async def heartbeat(socket, ref="hb"):
    await socket.send_to(text_data=json.dumps([None, ref, "phoenix", "heartbeat", {}]))
    assert json.loads(await socket.receive_from()) == [
        None, ref, "phoenix", "phx_reply", {"status": "ok", "response": {}}]


async def test_malformed_frames_are_dropped_and_the_socket_lives_on(socket, caplog):
    for text in ("not json", "[1,2]", '["1","2","lv:x","event",[]]', "[" * 100_000):
        await socket.send_to(text_data=text)
    await socket.send_to(bytes_data=b"\x01garbage")
    await heartbeat(socket)
    assert caplog.text.count("dropped") == 5
    assert "Traceback" not in caplog.text


async def test_the_frame_limit_counts_bytes_not_characters(socket, settings, caplog):
    settings.LIVEVIEW = {**settings.LIVEVIEW, "MAX_FRAME_BYTES": 1000}
    # 300 characters of 4 bytes each: under the limit in characters, over it in bytes.
    frame = json.dumps(["1", "2", "lv:x", "event", {"value": "\U0001F600" * 300}],
                       ensure_ascii=False)
    assert len(frame) < 1000 < len(frame.encode())
    await socket.send_to(text_data=frame)
    assert json.loads(await socket.receive_from()) == [
        "1", "2", "lv:x", "phx_reply", {"status": "error",
                                        "response": {"reason": "frame too large"}}]
    assert "refused (over MAX_FRAME_BYTES=1000 bytes)" in caplog.text
    await heartbeat(socket)
