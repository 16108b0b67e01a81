"""A queue with one reader: a view's mailbox, a socket's outbound buffer.

asyncio.Queue serves any number of readers and writers, bounded or not, with `join()`
bookkeeping: per item it runs about ten Python-level calls and keeps three deques and an
Event per queue. Each of these queues has exactly one reader (the view's task, the socket's
writer task), so an item costs an append and, when the reader waits, one future.
"""
from __future__ import annotations

import asyncio
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Mailbox(Generic[T]):
    """Unbounded FIFO read by one task at a time (the caller bounds it, see MAILBOX_LIMIT).

    A list, not a deque: it holds a few items at most but exists once or twice per view, and
    an empty deque takes 600 bytes where an empty list takes 56; `pop(0)` moves at most
    MAILBOX_LIMIT pointers.
    """

    __slots__ = ("items", "waiter")

    def __init__(self) -> None:
        #: Oldest first; read-only outside (a caller on the hot path tests it without a call).
        self.items: list[T] = []
        #: The reader's future while it is parked in `get`/`wait` (the mailbox is then empty).
        self.waiter: asyncio.Future[Any] | None = None

    def put(self, item: T) -> None:
        """Append `item`; wakes the reader if it waits."""
        self.items.append(item)
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)

    async def get(self) -> T:
        """The oldest item, waiting for one if there is none."""
        if not self.items:
            await self.wait()
        return self.items.pop(0)

    async def wait(self) -> None:
        """Until there is at least one item (the items stay)."""
        while not self.items:
            waiter = asyncio.get_running_loop().create_future()
            self.waiter = waiter
            try:
                await waiter
            finally:
                if self.waiter is waiter:  # cancelled while waiting
                    self.waiter = None

    def popleft(self) -> T:
        """The oldest item (IndexError when empty)."""
        return self.items.pop(0)

    def take_all(self) -> list[T]:
        """Every item, oldest first; the mailbox is then empty."""
        items, self.items = self.items, []
        return items

    def clear(self) -> None:
        self.items.clear()

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)
