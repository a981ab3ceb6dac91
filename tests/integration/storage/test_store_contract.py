"""One contract, two implementations: every test runs on the filesystem store and on the S3 store
(a real S3-protocol server on loopback, see tests/fixtures/s3.py)."""

from __future__ import annotations

import errno
import hashlib
import os
import tracemalloc
import urllib.request
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import anyio
import anyio.to_thread
import pytest

from coordination.settings import Settings
from coordination.storage import (
    AlreadyExists,
    DocumentStore,
    InvalidKey,
    NotFoundInStore,
    StoreFull,
    StoreUnavailable,
    TooLarge,
)
from coordination.storage.base import READ_CHUNK_SIZE
from coordination.storage.factory import build_store
from coordination.storage.filesystem import FilesystemStore
from coordination.storage.s3 import S3Store
from tests.fixtures.s3 import free_port

MiB = 1024 * 1024


@pytest.fixture(params=["filesystem", pytest.param("s3", marks=pytest.mark.s3)])
def store(request, tmp_path) -> DocumentStore:
    if request.param == "filesystem":
        return FilesystemStore(tmp_path / "documents")
    return request.getfixturevalue("s3_store")


async def chunked(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def generated(total: int, chunk: int = 256 * 1024) -> AsyncIterator[bytes]:
    """Deterministic pseudo-random bytes produced on the fly: the payload never exists whole."""
    block = hashlib.sha256(b"seed").digest() * (chunk // 32)
    sent = 0
    counter = 0
    while sent < total:
        piece = counter.to_bytes(8, "big") + block[8 : min(chunk, total - sent)]
        counter += 1
        sent += len(piece)
        yield piece


async def keys(store: DocumentStore, prefix: str = "") -> list[str]:
    return sorted([key async for key in store.list_keys(prefix)])


async def assert_nothing_left(store: DocumentStore) -> None:
    assert await keys(store) == []
    if isinstance(store, FilesystemStore) and store.root.exists():
        leftovers = [p for p in store.root.rglob("*") if p.is_file()]
        assert leftovers == [], f"temporary files left behind: {leftovers}"
    if isinstance(store, S3Store):
        uploads = store.client._list_multipart_uploads(store.bucket)
        assert list(uploads.uploads) == [], "an aborted multipart upload is still open"
        versions = list(store.client.list_objects(store.bucket, include_version=True, recursive=True))
        assert versions == []


async def test_roundtrip_reports_size_and_sha256(store: DocumentStore) -> None:
    data = os.urandom(300_000)
    stored = await store.put("docs/a/1", chunked(data), content_type="application/pdf", max_size=MiB)
    assert stored.key == "docs/a/1"
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    stream = await store.open("docs/a/1")
    assert stream.size == len(data)
    assert await stream.read_all() == data
    assert await store.exists("docs/a/1")


async def test_empty_document(store: DocumentStore) -> None:
    stored = await store.put("empty", chunked(b""), max_size=10)
    assert (stored.size, stored.sha256) == (0, hashlib.sha256(b"").hexdigest())
    assert await (await store.open("empty")).read_all() == b""


async def test_exactly_max_size_is_accepted(store: DocumentStore) -> None:
    stored = await store.put("exact", chunked(b"x" * 1000, 7), max_size=1000)
    assert stored.size == 1000


@pytest.mark.parametrize("total", [5000, 12 * MiB], ids=["small", "multipart"])
async def test_over_max_size_leaves_nothing(store: DocumentStore, total: int) -> None:
    limit = 1000 if total < MiB else 7 * MiB  # the second one fails after a first 5 MiB part was sent
    with pytest.raises(TooLarge) as info:
        await store.put("big", generated(total), max_size=limit)
    assert "taille maximale" in str(info.value)
    assert not await store.exists("big")
    await assert_nothing_left(store)


async def test_failing_source_leaves_nothing(store: DocumentStore) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"a" * (6 * MiB)
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await store.put("broken", broken(), max_size=20 * MiB)
    await assert_nothing_left(store)


async def test_cancelled_upload_leaves_nothing(store: DocumentStore) -> None:
    async def slow() -> AsyncIterator[bytes]:
        yield b"a" * MiB
        await anyio.sleep(30)
        yield b"never"

    with anyio.move_on_after(0.5):
        await store.put("cancelled", slow(), max_size=20 * MiB)
    await assert_nothing_left(store)


async def test_keys_are_immutable(store: DocumentStore) -> None:
    await store.put("k", chunked(b"first"), max_size=100)
    with pytest.raises(AlreadyExists):
        await store.put("k", chunked(b"second"), max_size=100)
    assert await (await store.open("k")).read_all() == b"first"


async def test_filesystem_concurrent_puts_race(tmp_path) -> None:
    store = FilesystemStore(tmp_path)
    results: list[object] = []

    async def writer(payload: bytes) -> None:
        try:
            results.append(await store.put("race", chunked(payload * 100_000, 4096), max_size=10 * MiB))
        except AlreadyExists as exc:
            results.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(writer, b"a")
        tg.start_soon(writer, b"b")
    assert sorted(type(r).__name__ for r in results) == ["AlreadyExists", "StoredObject"]
    content = await (await store.open("race")).read_all()
    assert content in (b"a" * 100_000, b"b" * 100_000)
    assert [p.name for p in tmp_path.iterdir()] == ["race"]


async def test_delete_and_exists(store: DocumentStore) -> None:
    await store.put("d/1", chunked(b"bye"), max_size=100)
    assert await store.exists("d/1")
    await store.delete("d/1")
    assert not await store.exists("d/1")
    with pytest.raises(NotFoundInStore):
        await store.open("d/1")
    await store.delete("d/1")  # idempotent: compensations and sweeps may retry
    await assert_nothing_left(store)


async def test_open_missing_raises_before_streaming(store: DocumentStore) -> None:
    with pytest.raises(NotFoundInStore) as info:
        await store.open("nope/never")
    assert "nope/never" in str(info.value)


async def test_list_keys_by_prefix(store: DocumentStore) -> None:
    for key in ["p/1/a", "p/1/b", "p/2/a", "q/1"]:
        await store.put(key, chunked(b"x"), max_size=10)
    assert await keys(store) == ["p/1/a", "p/1/b", "p/2/a", "q/1"]
    assert await keys(store, "p/1/") == ["p/1/a", "p/1/b"]
    assert await keys(store, "p/") == ["p/1/a", "p/1/b", "p/2/a"]
    assert await keys(store, "zzz") == []


@pytest.mark.parametrize(
    "key", ["", "../etc/passwd", "/abs", "a/../b", "a//b", ".hidden", "a/./b", "é", "a\\b"]
)
async def test_invalid_keys_are_refused(store: DocumentStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        await store.put(key, chunked(b"x"), max_size=10)
    with pytest.raises(InvalidKey):
        await store.open(key)
    with pytest.raises(InvalidKey):
        await store.delete(key)


async def test_large_payload_streams_with_bounded_memory(store: DocumentStore) -> None:
    total = 48 * MiB
    expected = hashlib.sha256()
    async for piece in generated(total):
        expected.update(piece)

    tracemalloc.start()
    try:
        stored = await store.put("large", generated(total), max_size=64 * MiB)
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        got = hashlib.sha256()
        size = largest = 0
        async with await store.open("large") as stream:
            async for chunk in stream:
                got.update(chunk)
                size += len(chunk)
                largest = max(largest, len(chunk))
        _, get_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored.size == size == total
    assert largest <= READ_CHUNK_SIZE
    assert stored.sha256 == got.hexdigest() == expected.hexdigest()
    # Well under the payload: the filesystem store holds ~1 block; the S3 store ~4 parts of 5 MiB (2 in flight,
    # the one being filled, the one being cut), whatever the payload size. A reader holds at most two read
    # blocks: the one it was handed and the next one being read.
    put_limit = 24 * MiB if isinstance(store, S3Store) else 8 * MiB
    assert put_peak < put_limit, f"put peaked at {put_peak / MiB:.1f} MiB"
    assert get_peak < 2 * READ_CHUNK_SIZE + MiB, f"get peaked at {get_peak / MiB:.1f} MiB"


async def test_a_stream_read_to_the_end_is_released(store: DocumentStore) -> None:
    await store.put("whole", generated(READ_CHUNK_SIZE + 1000), max_size=8 * MiB)
    stream = await store.open("whole")
    assert [len(chunk) async for chunk in stream] == [READ_CHUNK_SIZE, 1000]
    assert stream.closed


async def test_a_reader_cancelled_mid_stream_releases_the_object(store: DocumentStore) -> None:
    """The HTTP client leaves while the app waits for the next chunk: the file or the S3 response is closed
    at once (not when the stream is garbage-collected), and the object can be read again."""
    total = 2 * READ_CHUNK_SIZE + 1000
    await store.put("cancelled", generated(total), max_size=16 * MiB)
    stream = await store.open("cancelled")
    assert len(await stream.__anext__()) == READ_CHUNK_SIZE
    with anyio.move_on_after(0) as scope:  # cancelled at the next checkpoint, inside ``__anext__``
        await stream.__anext__()
    assert scope.cancelled_caught
    assert stream.closed
    await stream.aclose()  # closing again is harmless
    assert len(await (await store.open("cancelled")).read_all()) == total


async def test_presigned_url(store: DocumentStore) -> None:
    data = b"%PDF-1.7 presigned"
    await store.put("pre/1", chunked(data), max_size=100)
    with pytest.raises(ValueError):
        await store.presigned_url("pre/1", timedelta(days=7))
    url = await store.presigned_url("pre/1", timedelta(minutes=5), download_name="bilan été.pdf")
    if isinstance(store, FilesystemStore):
        assert url is None
        return
    assert url is not None
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["300"]

    def fetch() -> tuple[bytes, str]:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback test server
            return response.read(), response.headers.get("Content-Disposition", "")

    body, disposition = await anyio.to_thread.run_sync(fetch)
    assert body == data
    assert "bilan%20%C3%A9t%C3%A9.pdf" in disposition


async def test_check_passes_when_usable(store: DocumentStore) -> None:
    await store.check()


async def test_filesystem_check_names_the_folder(tmp_path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(StoreUnavailable) as info:
        await FilesystemStore(not_a_dir / "documents").check()
    assert str(not_a_dir) in str(info.value)


async def test_filesystem_disk_full_is_clear_and_leaves_nothing(tmp_path, monkeypatch) -> None:
    store = FilesystemStore(tmp_path)
    calls = 0

    def full(file, block):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        file.write(block)

    monkeypatch.setattr(FilesystemStore, "_write_block", staticmethod(full))
    with pytest.raises(StoreFull) as info:
        await store.put("full", generated(5 * MiB), max_size=10 * MiB)
    assert "Plus d'espace disque" in str(info.value) and str(tmp_path) in str(info.value)
    assert list(tmp_path.rglob("*")) == []


@pytest.mark.s3
async def test_s3_check_names_missing_bucket(s3_server) -> None:
    store = S3Store(s3_server.client(), "no-such-bucket", endpoint=s3_server.endpoint)
    with pytest.raises(StoreUnavailable) as info:
        await store.check()
    assert "no-such-bucket" in str(info.value) and s3_server.endpoint in str(info.value)


async def test_s3_check_names_unreachable_endpoint_quickly() -> None:
    endpoint = f"127.0.0.1:{free_port()}"  # nothing listens there
    settings = Settings(s3_endpoint=endpoint, s3_access_key="k", s3_secret_key="s", s3_secure=False)
    store = build_store(settings)
    with anyio.fail_after(20):
        with pytest.raises(StoreUnavailable) as info:
            await store.check()
    assert endpoint in str(info.value) and "injoignable" in str(info.value)


@pytest.mark.s3
async def test_s3_delete_removes_every_version(s3_store: S3Store) -> None:
    stored = await s3_store.put("v/1", chunked(b"data"), max_size=10)
    assert stored.version_id  # the bucket is versioned
    await s3_store.delete("v/1")
    versions = list(s3_store.client.list_objects(s3_store.bucket, include_version=True, recursive=True))
    assert versions == []


def test_build_store_picks_the_implementation(tmp_path) -> None:
    fs = build_store(Settings(var_dir=tmp_path))
    assert isinstance(fs, FilesystemStore) and fs.root == (tmp_path / "documents").absolute()
    s3 = build_store(Settings(s3_endpoint="http://minio:9000", s3_access_key="a", s3_secret_key="b"))
    assert isinstance(s3, S3Store) and s3.bucket == "coordination-documents"


@pytest.mark.s3
async def test_s3_put_into_a_missing_bucket_names_it(s3_server) -> None:
    store = S3Store(s3_server.client(), "no-such-bucket", endpoint=s3_server.endpoint)
    with pytest.raises(StoreUnavailable) as info:
        await store.put("k", chunked(b"x" * 100), max_size=MiB)
    assert "no-such-bucket" in str(info.value)
