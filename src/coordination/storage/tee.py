"""Feed one stream of chunks to several consumers at once (an upload to the store and to the antivirus).

Why: storing a document and then reading it back to scan it costs a second full pass over the bytes; fed
side by side, the upload takes as long as the slower of the two and the object is never read back.

How, with memory bounded whatever the document's size: each consumer reads its own bounded queue
(``buffer`` chunks); the source is read only when every queue has room, so the slower consumer sets the
pace (back-pressure) and the faster one waits for it. Chunks are shared, never copied (``bytes`` are
immutable).

- A consumer may stop reading before the end (a scanner that needs no bytes, or one that gives up): it is
  dropped and the others go on. ``Branch.read_all`` tells the caller whether it saw every chunk.
- The first error — the source's or a consumer's — cancels everything else and is raised as is (never
  wrapped in an ``ExceptionGroup``), so the caller handles ``TooLarge``, ``ScannerError``… as usual.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from contextlib import ExitStack
from typing import Any

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

#: Chunks queued per consumer (a request body arrives in chunks of 64–256 KiB).
BUFFER_CHUNKS = 4


class Branch(AsyncIterator[bytes]):
    """One consumer's view of the source: its chunks in order, then the end."""

    def __init__(self, queue: MemoryObjectReceiveStream[bytes]) -> None:
        self._queue = queue
        self.read_all = False

    def __aiter__(self) -> Branch:
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self._queue.receive()
        except anyio.EndOfStream:
            self.read_all = True
            raise StopAsyncIteration from None


async def _deliver(chunk: bytes, live: list[MemoryObjectSendStream[bytes]]) -> None:
    """Send ``chunk`` to every consumer still reading; one that closed its queue (done early) is dropped."""
    for send in list(live):
        try:
            await send.send(chunk)
        except anyio.BrokenResourceError:
            live.remove(send)


async def _feed(
    source: AsyncIterable[bytes],
    sends: list[MemoryObjectSendStream[bytes]],
    fail: Callable[[Exception], None],
) -> None:
    """Read the source only while some consumer still reads; a source error goes to ``fail``."""
    live = list(sends)
    try:
        async for chunk in source:
            await _deliver(chunk, live)
            if not live:
                break
    except Exception as exc:
        fail(exc)
    finally:
        for send in live:
            send.close()  # end of stream for the consumers still reading


async def tee(
    source: AsyncIterable[bytes],
    *consumers: Callable[[Branch], Awaitable[Any]],
    buffer: int = BUFFER_CHUNKS,
) -> list[tuple[Any, bool]]:
    """Run every consumer on its own copy of ``source``; returns ``(result, read_all)`` per consumer."""
    results: list[Any] = [None] * len(consumers)
    errors: list[Exception] = []
    queues = [anyio.create_memory_object_stream[bytes](buffer) for _ in consumers]
    branches = [Branch(receive) for _, receive in queues]

    with ExitStack() as streams:
        for send, receive in queues:
            streams.enter_context(send)
            streams.enter_context(receive)
        async with anyio.create_task_group() as tg:

            def fail(exc: Exception) -> None:
                errors.append(exc)
                tg.cancel_scope.cancel()

            async def consume(index: int) -> None:
                try:
                    results[index] = await consumers[index](branches[index])
                except Exception as exc:
                    fail(exc)
                finally:
                    queues[index][1].close()  # a consumer done early is dropped by ``feed``

            for index in range(len(consumers)):
                tg.start_soon(consume, index)
            tg.start_soon(_feed, source, [send for send, _ in queues], fail)
    if errors:
        raise errors[0]
    return [(result, branch.read_all) for result, branch in zip(results, branches, strict=True)]
