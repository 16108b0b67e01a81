"""The five robustness scenarios. Each is one *round*: an async function that attacks a
server on `ctx.port` and returns what it counted; it raises AssertionError when the server
misbehaves in a way the client sees (a request without a reply, a slow client not dropped, a
join that never gets its reply). `runner.py` runs rounds while the watchdog clicks, and checks
the server's log, liveness and RSS.

`scale` (1 in the short mode) multiplies the work of one round.
"""
from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable

from tests.integration.liveclient import LiveClient

from . import recording
from .harness import RawSocket
from .mutate import mutate

REPLY_TIMEOUT = 10.0


@dataclass
class Context:
    port: int
    rng: random.Random
    scale: int = 1
    upload_dir: Path | None = None
    redis_url: str | None = None
    redis_prefix: str | None = None
    counts: Counter = field(default_factory=Counter)


# 1. Mutated frames ---------------------------------------------------------------------------

_SESSIONS = recording.load()


async def _replay(ctx: Context, session: recording.Session, rng: random.Random,
                  p_mutate: float) -> None:
    sock = await RawSocket.open(ctx.port, session.path)
    join: str | bytes | None = None
    try:
        for frame in session.frames:
            raw = recording.frame_bytes_or_text(frame, sock.values)
            if join is None and isinstance(raw, str) and '"phx_join"' in raw and "lv:" in raw:
                join = raw
            mutated = rng.random() < p_mutate
            if mutated:
                name, out = mutate(raw, rng, join)
                ctx.counts[f"mutation {name}"] += 1
            else:
                out = [raw]
            for item in out:
                if not await sock.send(item):
                    ctx.counts["closed by the server"] += 1
                    return
            if mutated or sock.close_code is not None:
                await asyncio.sleep(0.01)
                continue
            # An intact request must be answered (error replies count), as the client expects.
            ref = _ref_of(raw)
            if ref is None:
                continue
            future = asyncio.get_running_loop().create_future()
            sock._waiting[ref] = future
            try:
                await asyncio.wait_for(future, REPLY_TIMEOUT)
                ctx.counts["intact requests answered"] += 1
            except ConnectionError:
                ctx.counts["closed by the server"] += 1
                return
            except asyncio.TimeoutError:
                if sock.close_code is None:
                    raise AssertionError(
                        f"{session.path}: no reply within {REPLY_TIMEOUT:.0f} s to an intact "
                        f"frame {_short(raw)}; last frames received: {sock.last_frames[-5:]}"
                    ) from None
    finally:
        await sock.close()


def _ref_of(raw: str | bytes) -> str | None:
    if isinstance(raw, bytes):
        lengths = raw[1:5]
        start = 5 + lengths[0]
        return raw[start:start + lengths[1]].decode() or None
    ref = json.loads(raw)[1]
    return str(ref) if ref is not None else None


def _short(raw: str | bytes) -> str:
    return repr(raw[:200]) + ("..." if len(raw) > 200 else "")


async def mutated_frames(ctx: Context) -> None:
    """Replay every recorded session, 4 at a time, a third of the frames mutated.

    Each session has its own generator, seeded from `ctx.rng` before any runs, so the
    mutations do not depend on how the sessions interleave."""
    sessions = [s for _ in range(ctx.scale) for s in _SESSIONS]
    ctx.rng.shuffle(sessions)
    queue = [(s, random.Random(ctx.rng.getrandbits(64))) for s in sessions]

    async def worker() -> None:
        while queue:
            session, rng = queue.pop()
            await _replay(ctx, session, rng, p_mutate=0.35)
            ctx.counts["sessions"] += 1

    await asyncio.gather(*(worker() for _ in range(4)))


# 2. Broadcast floods to slow clients -----------------------------------------------------------

async def broadcast_flood(ctx: Context) -> None:
    """Two subscribers that read and three that stop reading while a publisher floods
    `robust:flood` with 20 KB messages: the slow ones are dropped (OUTBOUND_BUFFER_LIMIT), the
    others get every message."""
    messages, size = 600 * ctx.scale, 20_000
    fast = [await LiveClient.open(ctx.port, "/robust/subscribe/") for _ in range(2)]
    slow = []
    for _ in range(3):
        sock = await RawSocket.open(ctx.port, "/robust/subscribe/", slow=True)
        reply = await sock.request(sock.join_frame("1"))
        assert reply[4]["status"] == "ok", reply
        sock.stop_reading()
        slow.append(sock)
    publisher = await RawSocket.open(ctx.port, "/robust/publish/")
    try:
        assert (await publisher.request(publisher.join_frame("1")))[4]["status"] == "ok"
        done = f"id='n'>{messages}<"
        readers = [asyncio.create_task(c.wait_for(lambda html: done in html, 120))
                   for c in fast]
        sent = 0
        ref = 1
        while sent < messages:
            ref += 1
            count = min(100, messages - sent)
            reply = await publisher.request(
                ["1", str(ref), f"lv:{publisher.values.view_id}", "event",
                 {"type": "click", "event": "flood",
                  "value": {"count": str(count), "size": str(size)}}], REPLY_TIMEOUT * 3)
            assert reply[4]["status"] == "ok", reply
            sent += count
        ctx.counts["broadcasts"] += sent
        await asyncio.gather(*readers)  # the readers got everything
        ctx.counts["fast subscribers served"] += len(fast)
        for sock in slow:
            code = await sock.drain_until_closed(60)
            assert code is not None, "a subscriber that stopped reading was never dropped"
            ctx.counts[f"slow subscribers dropped (close {code})"] += 1
    finally:
        for client in fast:
            await client.close()
        for sock in (*slow, publisher):
            await sock.close()


# 3. Crash storms ---------------------------------------------------------------------------------

async def _crash_worker(ctx: Context, rounds: int) -> RawSocket:
    sock = await RawSocket.open(ctx.port, "/robust/crash/")
    topic = f"lv:{sock.values.view_id}"
    join_ref = 1
    reply = await sock.request(sock.join_frame(str(join_ref)))
    assert reply[4]["status"] == "ok", reply
    ref = 1000
    for i in range(rounds):
        ref += 1
        kind = ctx.rng.choice(["event", "event", "params", "replace"])
        if kind == "event":
            errors = sock.expect_push(topic, "phx_error")
            await sock.send(json.dumps([str(join_ref), str(ref), topic, "event",
                                        {"type": "click", "event": "crash", "value": {}}]))
            await asyncio.wait_for(errors, REPLY_TIMEOUT)
            ctx.counts["handler crashes"] += 1
        elif kind == "params":
            join_ref += 1
            reply = await sock.request(sock.join_frame(str(join_ref), i, "?crash=params"))
            assert reply[4] == {"status": "error", "response": {"reason": "join crashed"}}, reply
            ctx.counts["join crashes"] += 1
        else:
            ctx.counts["replaced joins"] += 1
        await asyncio.sleep(0.06)  # MAX_JOINS_PER_SECOND: a client backs off too
        join_ref += 1
        reply = await sock.request(sock.join_frame(str(join_ref), i + 1))
        assert reply[4]["status"] == "ok", f"rejoin {i}: {reply}"
        ctx.counts["rejoins"] += 1
    return sock


async def crash_storm(ctx: Context) -> None:
    """Six sockets crash their views (handle_event, handle_params at join) and rejoin, or
    join again over a live view, 15 times each; then one broadcast crashes every view in
    handle_info and each rejoins."""
    socks = await asyncio.gather(*(_crash_worker(ctx, 15 * ctx.scale) for _ in range(6)))
    try:
        errors = [s.expect_push(f"lv:{s.values.view_id}", "phx_error") for s in socks]
        first = socks[0]
        await first.send(json.dumps([first.join_ref, "9999", f"lv:{first.values.view_id}",
                                     "event", {"type": "click", "event": "crash_all",
                                               "value": {}}]))
        await asyncio.wait_for(asyncio.gather(*errors), REPLY_TIMEOUT)
        ctx.counts["handle_info crashes"] += len(socks)
        for sock in socks:
            reply = await sock.request(sock.join_frame("99999", 99))
            assert reply[4]["status"] == "ok", reply
    finally:
        await asyncio.gather(*(s.close() for s in socks))


# 4. Upload floods --------------------------------------------------------------------------------

def _entries(n: int, size: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"name": f"f{i}.txt", "relative_path": "", "size": size, "type": "text/plain",
             "last_modified": 1, "ref": str(i)} for i in range(start, start + n)]


async def _preflight(sock: RawSocket, ref: int, entries: list[dict[str, Any]]) -> list[Any]:
    return await sock.request(["1", str(ref), f"lv:{sock.values.view_id}", "allow_upload",
                               {"ref": sock.values.upload_refs[0], "entries": entries}])


async def upload_flood(ctx: Context) -> None:
    """On the documents demo (max 2 files of 2 MB): preflights and changes declaring thousands
    of entries, a chunk far over the declared size, a frame over MAX_FRAME_BYTES, uploads
    abandoned half-way by a dropped connection. Afterwards no temp file is left."""
    for _ in range(ctx.scale):
        sock = await RawSocket.open(ctx.port, "/uploads/documents/")
        try:
            assert (await sock.request(sock.join_frame("1")))[4]["status"] == "ok"
            n = ctx.rng.choice([500, 2_000, 5_000])
            reply = await _preflight(sock, 2, _entries(n, 100))
            assert reply[4]["status"] in ("ok", "error"), reply
            ctx.counts["flood preflights"] += 1
            reply = await sock.request(
                ["1", "3", f"lv:{sock.values.view_id}", "event",
                 {"type": "form", "event": "validate", "value": "", "meta": {},
                  "uploads": {sock.values.upload_refs[0]: _entries(n, 100)}}])
            ctx.counts["flood changes"] += 1
            # One entry of 1,000 bytes, then a chunk of 100,000.
            reply = await _preflight(sock, 4, _entries(1, 1_000, 10))
            token = reply[4]["response"]["entries"]["10"]
            assert (await sock.request(["20", "20", "lvu:10", "phx_join", {"token": token}])
                    )[4]["status"] == "ok"
            reply = await sock.request_binary("20", "21", "lvu:10", b"x" * 100_000)
            assert reply[4]["status"] == "error", reply
            ctx.counts["oversized chunks refused"] += 1
            await sock.send(b"\x00" + bytes([2, 2, 6, 5]) + b"2021lvu:11chunk" + b"y" * 1_100_000)
        finally:
            await sock.close()
        # Abandoned: half of a 200 KB file, then the connection drops.
        sock = await RawSocket.open(ctx.port, "/uploads/documents/")
        assert (await sock.request(sock.join_frame("1")))[4]["status"] == "ok"
        reply = await _preflight(sock, 2, _entries(2, 200_000, 30))
        for ref in ("30", "31"):
            token = reply[4]["response"]["entries"][ref]
            assert (await sock.request([f"4{ref}", f"4{ref}", f"lvu:{ref}", "phx_join",
                                        {"token": token}]))[4]["status"] == "ok"
            await sock.request_binary(f"4{ref}", f"5{ref}", f"lvu:{ref}", b"z" * 64_000)
        sock.abort()
        ctx.counts["uploads abandoned"] += 2
    if ctx.upload_dir is not None:
        await _no_temp_files(ctx.upload_dir)


async def _no_temp_files(directory: Path, wait: float = 10.0) -> None:
    deadline = time.monotonic() + wait
    while True:
        left = [p.name for p in directory.iterdir()]
        if not left:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"upload temp files left behind in {directory}: {left}")
        await asyncio.sleep(0.2)


# 5. The Redis close race -----------------------------------------------------------------------

async def redis_close_race(ctx: Context) -> None:
    """The process's only chat subscriber joins, sees a message, and leaves while messages
    keep arriving from Redis; 30 times. Every join must get its reply."""
    from channels_redis.core import RedisChannelLayer

    from liveview import pubsub

    assert ctx.redis_url and ctx.redis_prefix, "the Redis scenario needs a Redis server"
    layer = RedisChannelLayer(hosts=[ctx.redis_url], prefix=ctx.redis_prefix)
    topic = "chat:lobby"
    group = pubsub.group_name(topic)
    stop = asyncio.Event()

    async def publish() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            await layer.group_send(group, {"type": pubsub.MESSAGE_TYPE, "topic": topic,
                                           "packed": pubsub.pack(topic, {
                                               "name": "race", "text": f"m{n}", "at": "00"})})
            ctx.counts["broadcasts"] += 1
            await asyncio.sleep(0.003)

    publisher = asyncio.create_task(publish())
    try:
        for i in range(30 * ctx.scale):
            sock = await RawSocket.open(ctx.port, "/chat/", keep_pushes=True)
            topic_lv = f"lv:{sock.values.view_id}"
            diff = sock.expect_push(topic_lv, "diff")
            try:
                reply = await sock.request(sock.join_frame("1"), REPLY_TIMEOUT)
            except asyncio.TimeoutError:
                raise AssertionError(f"iteration {i}: the join got no reply within "
                                     f"{REPLY_TIMEOUT:.0f} s (pub/sub hub stuck)") from None
            assert reply[4]["status"] == "ok", reply
            await asyncio.wait_for(diff, REPLY_TIMEOUT)
            ctx.counts["joins answered"] += 1
            if i % 2:
                sock.abort()
            else:
                await sock.close()
            ctx.counts["last subscriber left"] += 1
    finally:
        stop.set()
        await publisher
        await layer.flush()
        await layer.close_pools()


SCENARIOS: dict[str, Callable[[Context], Awaitable[None]]] = {
    "mutated_frames": mutated_frames,
    "broadcast_flood": broadcast_flood,
    "crash_storm": crash_storm,
    "upload_flood": upload_flood,
    "redis_close_race": redis_close_race,
}
