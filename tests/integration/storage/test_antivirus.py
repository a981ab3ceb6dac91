"""The ClamAV client against a real clamd (tests/fixtures/clamav.py): EICAR found, clean passes, and every
failure is closed (an exception, never a "clean" verdict)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import anyio
import pytest

from coordination.settings import Settings
from coordination.storage.antivirus import (
    ClamdScanner,
    DisabledScanner,
    ScanFailed,
    ScannerUnavailable,
    ScanStatus,
)
from coordination.storage.factory import build_scanner
from coordination.storage.filesystem import FilesystemStore
from tests.fixtures.clamav import EICAR
from tests.fixtures.s3 import free_port

pytestmark = pytest.mark.clamav
MiB = 1024 * 1024


async def chunked(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_eicar_is_detected(clamd_socket) -> None:
    result = await ClamdScanner(socket_path=str(clamd_socket)).scan(chunked(EICAR))
    assert result.status is ScanStatus.INFECTED
    assert result.signature is not None and "Eicar" in result.signature
    assert not result.is_clean


async def test_eicar_split_across_frames_is_detected(clamd_socket) -> None:
    result = await ClamdScanner(socket_path=str(clamd_socket)).scan(chunked(EICAR, 5))
    assert result.status is ScanStatus.INFECTED


async def test_clean_file_passes(clamd_socket) -> None:
    result = await ClamdScanner(socket_path=str(clamd_socket)).scan(chunked(os.urandom(3 * MiB), MiB))
    assert result.status is ScanStatus.CLEAN and result.is_clean and result.signature is None


async def test_scans_a_stored_document_as_a_stream(clamd_socket, tmp_path) -> None:
    """A stored object streamed from the store to clamd (uploads are scanned while they are stored)."""
    store = FilesystemStore(tmp_path)
    await store.put("quarantine/1", chunked(EICAR), max_size=MiB)
    async with await store.open("quarantine/1") as stream:
        result = await ClamdScanner(socket_path=str(clamd_socket)).scan(stream)
    assert result.status is ScanStatus.INFECTED


async def test_ping(clamd_socket) -> None:
    scanner = ClamdScanner.from_address(f"unix://{clamd_socket}")
    await scanner.check()
    assert "ClamAV" in await scanner.version()


async def test_over_the_daemon_stream_limit_fails_closed(clamd_socket) -> None:
    with pytest.raises(ScanFailed) as info:
        await ClamdScanner(socket_path=str(clamd_socket)).scan(chunked(b"\0" * (31 * MiB), MiB))
    assert "taille" in str(info.value)


async def test_missing_socket_is_unavailable(tmp_path) -> None:
    scanner = ClamdScanner(socket_path=str(tmp_path / "absent.sock"))
    with pytest.raises(ScannerUnavailable) as info:
        await scanner.scan(chunked(EICAR))
    assert "absent.sock" in str(info.value) and "injoignable" in str(info.value)
    with pytest.raises(ScannerUnavailable):
        await scanner.check()


async def test_closed_tcp_port_is_unavailable() -> None:
    port = free_port()
    with pytest.raises(ScannerUnavailable) as info:
        await ClamdScanner.from_address(f"tcp://127.0.0.1:{port}").scan(chunked(b"x"))
    assert f"127.0.0.1:{port}" in str(info.value)


async def test_daemon_dying_mid_scan_is_unavailable(tmp_path) -> None:
    """A daemon that accepts then closes without a verdict must not look like a clean scan."""
    path = tmp_path / "dying.sock"

    async def handle(client) -> None:
        async with client:
            await client.receive()

    listener = await anyio.create_unix_listener(path)
    async with anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, handle)
        with pytest.raises(ScannerUnavailable):
            await ClamdScanner(socket_path=str(path), timeout=5).scan(chunked(b"x" * MiB))
        tg.cancel_scope.cancel()


async def test_disabled_scanner_says_not_scanned() -> None:
    result = await DisabledScanner().scan(chunked(EICAR))
    assert result.status is ScanStatus.NOT_SCANNED and not result.is_clean
    await DisabledScanner().check()


def test_build_scanner_from_settings() -> None:
    assert isinstance(build_scanner(Settings()), DisabledScanner)
    scanner = build_scanner(Settings(clamd_socket="/run/clamav/clamd.ctl"))
    assert isinstance(scanner, ClamdScanner) and scanner.socket_path == "/run/clamav/clamd.ctl"
    tcp = build_scanner(Settings(clamd_socket="tcp://clamav:3310"))
    assert isinstance(tcp, ClamdScanner) and (tcp.host, tcp.port) == ("clamav", 3310)
