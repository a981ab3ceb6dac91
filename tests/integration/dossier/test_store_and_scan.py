"""``store_and_scan`` scans while it stores (no read-back) and keeps failing closed: scanner errors, an
early "clean", an infected verdict and a refused type all leave nothing in the store. The real clamd paths
are in test_documents_and_concurrency.py and hardening/test_clamd_down.py."""

from __future__ import annotations

import hashlib

import pytest

from coordination.dossier.services.documents import store_and_scan
from coordination.errors import ProblemError
from coordination.storage.antivirus import Scanner, ScannerUnavailable, ScanResult, ScanStatus
from coordination.storage.filesystem import FilesystemStore

KEY = "persons/p/d/v1-x"
KiB = 1024
BODY = b"%PDF-1.7\n" + b"0" * (600 * KiB)


class NoReadBack(FilesystemStore):
    """The upload path must never read the object it just stored."""

    async def open(self, key):
        raise AssertionError("the object was read back")


class Recording(Scanner):
    """Reads everything, notes whether the object already existed at its first chunk, answers ``status``."""

    def __init__(self, store: FilesystemStore, status: ScanStatus = ScanStatus.CLEAN) -> None:
        self.store, self.status = store, status
        self.hash = hashlib.sha256()
        self.stored_at_first_chunk: bool | None = None

    async def scan(self, chunks) -> ScanResult:
        async for chunk in chunks:
            if self.stored_at_first_chunk is None:
                self.stored_at_first_chunk = await self.store.exists(KEY)
            self.hash.update(chunk)
        return ScanResult(self.status, "Eicar-Test-Signature" if self.status is ScanStatus.INFECTED else None)

    async def check(self) -> None:
        return None


class Hasty(Scanner):
    """Says "clean" without reading a byte: not to be believed."""

    async def scan(self, chunks) -> ScanResult:
        return ScanResult(ScanStatus.CLEAN)

    async def check(self) -> None:
        return None


class DiesAfter(Scanner):
    def __init__(self, chunks: int) -> None:
        self.chunks = chunks

    async def scan(self, chunks) -> ScanResult:
        seen = 0
        async for _ in chunks:
            seen += 1
            if seen == self.chunks:
                raise ScannerUnavailable("L'antivirus ClamAV est injoignable : connexion perdue.")
        raise AssertionError("not reached")

    async def check(self) -> None:
        return None


class Body:
    def __init__(self, data: bytes = BODY, size: int = 64 * KiB) -> None:
        self.data, self.size, self.sent = data, size, 0

    async def __aiter__(self):
        while self.sent < len(self.data):
            chunk = self.data[self.sent : self.sent + self.size]
            self.sent += len(chunk)
            yield chunk


async def keys(store: FilesystemStore) -> list[str]:
    return [key async for key in store.list_keys("")]


async def test_scans_while_storing_without_reading_back(tmp_path) -> None:
    store = NoReadBack(tmp_path)
    scanner = Recording(store)
    media_type, size, sha256, status, signature = await store_and_scan(
        store, scanner, KEY, Body(), "cv.pdf", 1024 * KiB
    )
    assert (media_type, size, status, signature) == ("application/pdf", len(BODY), "clean", None)
    assert sha256 == scanner.hash.hexdigest() == hashlib.sha256(BODY).hexdigest()
    assert scanner.stored_at_first_chunk is False  # the scan started before the object was complete
    assert await keys(store) == [KEY]


async def test_infected_is_a_422_and_the_object_is_removed(tmp_path) -> None:
    store = FilesystemStore(tmp_path)
    with pytest.raises(ProblemError) as info:
        await store_and_scan(store, Recording(store, ScanStatus.INFECTED), KEY, Body(), "cv.pdf", 1024 * KiB)
    assert info.value.status == 422 and info.value.code == "infected-document"
    assert await keys(store) == []


async def test_clean_without_reading_everything_is_not_believed(tmp_path) -> None:
    store = FilesystemStore(tmp_path)
    with pytest.raises(ProblemError) as info:
        await store_and_scan(store, Hasty(), KEY, Body(), "cv.pdf", 1024 * KiB)
    assert info.value.status == 503 and info.value.code == "antivirus-unavailable"
    assert await keys(store) == []


async def test_scanner_lost_mid_stream_stops_the_upload_and_stores_nothing(tmp_path) -> None:
    store, body = FilesystemStore(tmp_path), Body()
    with pytest.raises(ProblemError) as info:
        await store_and_scan(store, DiesAfter(2), KEY, body, "cv.pdf", 1024 * KiB)
    assert info.value.status == 503 and info.value.code == "antivirus-unavailable"
    assert "antivirus" in info.value.detail
    assert body.sent < len(BODY)  # refused without reading the rest of the body
    assert await keys(store) == []
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # no temporary file either


async def test_refused_type_reaches_neither_the_store_nor_the_scanner(tmp_path) -> None:
    store = FilesystemStore(tmp_path)
    scanner = Recording(store)
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * (100 * KiB)
    with pytest.raises(ProblemError) as info:
        await store_and_scan(store, scanner, KEY, Body(exe), "cv.pdf", 1024 * KiB)
    assert info.value.status == 415
    assert scanner.stored_at_first_chunk is None  # not a byte sent to the scanner
    assert await keys(store) == []
