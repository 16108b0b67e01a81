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


class GatedSend:
    """An ASGI `send` that writes at once, except while `gate` is closed: then it waits, as
    uvicorn's does while the client is not reading."""

    def __init__(self):
        import asyncio

        self.gate = asyncio.Event()
        self.gate.set()
        self.sent: list[str] = []
        self.waited = 0

    async def __call__(self, message):
        if not self.gate.is_set():
            self.waited += 1
            await self.gate.wait()
        if message["type"] == "websocket.send":
            self.sent.append(message["text"])


async def test_frames_keep_their_order_when_the_server_send_waits():
    """Frames go out in order whether `send` returns at once or waits (the client is slow);
    the view sending them never waits."""
    import asyncio

    send = GatedSend()
    consumer = LiveViewConsumer({"type": "websocket"}, None, send)
    consumer._open = True
    expected = []
    for i in range(60):
        if i % 20 == 5:
            send.gate.clear()  # the client stops reading ...
        if i % 20 == 15:
            send.gate.set()  # ... and reads again: this frame must still wait its turn
        expected.append(f"frame {i}")
        consumer.send_text(f"frame {i}")  # a plain call: it never waits for the client
        await asyncio.sleep(0)  # the writer and finishing tasks run between frames
    send.gate.set()
    for _ in range(50):
        await asyncio.sleep(0)
    assert send.sent == expected
    assert send.waited >= 3  # the writer did wait for the client
    consumer._stop_writing()
