"""Upload and download of a generated 200 MB document: our S3 DocumentStore vs the bare minio client.

Both talk to the same S3-protocol server (moto's server mode, started here in its own process on loopback,
so it shares neither our GIL nor our memory). One run each, printed as a ratio:

- throughput of ``S3Store.put`` / ``S3Store.open`` (async, metered: SHA-256 + size + limit, via the pipe
  into minio's thread) against ``Minio.put_object`` / ``get_object`` called directly in a thread;
- peak memory growth of our path, twice: RSS high-water mark (``VmHWM``, reset before the run) and the
  Python heap peak under ``tracemalloc`` (a separate, untimed pass: tracing slows allocation).

Run: ``PYTHONPATH=. .venv/bin/python bench/storage/bench_s3_stream.py [size_mb] [concurrency]``
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import anyio.to_thread
from tests.fixtures.s3 import S3Server, start_moto_server, stop_process

from coordination.storage.s3 import S3Store

MiB = 1024 * 1024
CHUNK = 256 * 1024
_BLOCK = hashlib.sha256(b"bench").digest() * (CHUNK // 32)


def _piece(index: int, size: int) -> bytes:
    return index.to_bytes(8, "big") + _BLOCK[8:size]


async def generated(total: int) -> AsyncIterator[bytes]:
    """The request body as a server would receive it: chunks produced on the fly."""
    sent = index = 0
    while sent < total:
        piece = _piece(index, min(CHUNK, total - sent))
        index += 1
        sent += len(piece)
        yield piece


class GeneratedReader:
    """The same bytes as a blocking file-like object, for the bare minio client."""

    def __init__(self, total: int) -> None:
        self.total, self.sent, self.index, self.rest = total, 0, 0, b""

    def read(self, size: int = -1) -> bytes:
        out = [self.rest]
        have = len(self.rest)
        while have < size and self.sent < self.total:
            piece = _piece(self.index, min(CHUNK, self.total - self.sent))
            self.index += 1
            self.sent += len(piece)
            out.append(piece)
            have += len(piece)
        data = b"".join(out)
        self.rest = data[size:]
        return data[:size]


def rss_hwm_reset() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS (Linux)


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


async def ours(
    server: S3Server, bucket: str, total: int, key: str, *, verify: bool = False, concurrency: int = 2
) -> tuple[float, float, str]:
    """Upload then download through S3Store. The download is only counted (like the bare client's);
    ``verify`` also hashes it to check the SHA-256 computed during the upload (untimed pass)."""
    store = S3Store(server.client(), bucket, endpoint=server.endpoint, concurrency=concurrency)
    t0 = time.perf_counter()
    stored = await store.put(key, generated(total), max_size=total)
    t1 = time.perf_counter()
    digest = hashlib.sha256()
    size = 0
    async with await store.open(key) as stream:
        async for chunk in stream:
            size += len(chunk)
            if verify:
                digest.update(chunk)
    t2 = time.perf_counter()
    assert stored.size == size == total
    assert not verify or stored.sha256 == digest.hexdigest()
    await store.delete(key)
    return t1 - t0, t2 - t1, stored.sha256


async def raw(server: S3Server, bucket: str, total: int, key: str) -> tuple[float, float]:
    client = server.client()
    t0 = time.perf_counter()
    await anyio.to_thread.run_sync(
        lambda: client.put_object(bucket, key, GeneratedReader(total), length=total)
    )
    t1 = time.perf_counter()

    def download() -> int:
        response = client.get_object(bucket, key)
        size = 0
        try:
            for chunk in response.stream(1024 * 1024):
                size += len(chunk)
        finally:
            response.close()
            response.release_conn()
        return size

    assert await anyio.to_thread.run_sync(download) == total
    t2 = time.perf_counter()
    client.remove_object(bucket, key)
    return t1 - t0, t2 - t1


async def main(size_mb: int, concurrency: int) -> None:
    total = size_mb * MiB
    proc, server = start_moto_server()
    try:
        bucket = server.new_bucket(versioning=False)
        await ours(server, bucket, 8 * MiB, "warm-up")  # connections, thread pool, imports

        rss_hwm_reset()
        rss_before = rss_kib("VmRSS")
        up, down, _ = await ours(server, bucket, total, "ours", concurrency=concurrency)
        rss_growth = (rss_kib("VmHWM") - rss_before) / 1024

        raw_up, raw_down = await raw(server, bucket, total, "raw")

        tracemalloc.start()
        await ours(server, bucket, total, "traced", verify=True, concurrency=concurrency)
        _, heap_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        stop_process(proc)

    def rate(seconds: float) -> float:
        return size_mb / seconds

    print(f"document: {size_mb} MiB generated on the fly, S3 server: moto (separate process) on loopback")
    print(f"S3Store: 5 MiB parts, {concurrency} in flight; minio put_object: 3 parallel parts (its default)")
    print(f"upload   ours {rate(up):7.1f} MiB/s   minio {rate(raw_up):7.1f} MiB/s   ratio {raw_up / up:.2f}")
    print(
        f"download ours {rate(down):7.1f} MiB/s   minio {rate(raw_down):7.1f} MiB/s   ratio {raw_down / down:.2f}"
    )
    print(f"peak memory growth of our path: RSS {rss_growth:.1f} MiB, Python heap {heap_peak / MiB:.1f} MiB")


if __name__ == "__main__":
    asyncio.run(
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 2)
    )
