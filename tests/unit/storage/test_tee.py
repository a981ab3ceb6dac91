"""``tee``: every consumer sees every chunk in order, memory stays bounded by the slowest, a consumer may
stop early, and the first error cancels the rest and is raised as is."""

from __future__ import annotations

import anyio
import pytest

from coordination.storage.tee import tee

CHUNKS = [bytes([n]) * 1000 for n in range(50)]


class Source:
    """The chunks, counting how many were read."""

    def __init__(self, chunks=CHUNKS, fail_at: int | None = None) -> None:
        self.chunks, self.fail_at, self.read = chunks, fail_at, 0

    async def __aiter__(self):
        for index, chunk in enumerate(self.chunks):
            if index == self.fail_at:
                raise ValueError("source broke")
            self.read += 1
            yield chunk


async def collect(branch) -> bytes:
    return b"".join([chunk async for chunk in branch])


async def test_every_consumer_gets_every_chunk_in_order() -> None:
    [(a, a_all), (b, b_all)] = await tee(Source(), collect, collect)
    assert a == b == b"".join(CHUNKS) and a_all and b_all


async def test_the_slowest_consumer_sets_the_pace() -> None:
    source, slow_read = Source(), 0
    ahead = []

    async def slow(branch) -> None:
        nonlocal slow_read
        async for _ in branch:
            slow_read += 1
            ahead.append(source.read - slow_read)
            await anyio.sleep(0.001)

    await tee(source, collect, slow, buffer=2)
    assert slow_read == len(CHUNKS)
    assert max(ahead) <= 2 + 1  # its queue, plus the chunk the feeder holds while it waits for room


async def test_a_consumer_that_stops_early_is_dropped_and_the_others_go_on() -> None:
    async def first_only(branch) -> bytes:
        async for chunk in branch:
            return chunk
        return b""

    async def nothing(branch) -> str:
        return "done"

    [(whole, whole_all), (first, first_all), (none, none_all)] = await tee(
        Source(), collect, first_only, nothing, buffer=1
    )
    assert whole == b"".join(CHUNKS) and whole_all
    assert first == CHUNKS[0] and not first_all
    assert none == "done" and not none_all


async def test_a_consumer_error_cancels_the_rest_and_is_raised_as_is() -> None:
    source, cancelled = Source(), []

    async def broken(branch) -> None:
        async for _ in branch:
            raise KeyError("scanner down")

    async def patient(branch) -> None:
        try:
            async for _ in branch:
                await anyio.sleep(0.01)
        except anyio.get_cancelled_exc_class():
            cancelled.append(True)
            raise

    with pytest.raises(KeyError, match="scanner down"):
        await tee(source, patient, broken, buffer=2)
    assert cancelled == [True]
    assert source.read < len(CHUNKS)  # the rest of the body is not read


async def test_a_source_error_is_raised_as_is() -> None:
    with pytest.raises(ValueError, match="source broke"):
        await tee(Source(fail_at=10), collect, collect)
