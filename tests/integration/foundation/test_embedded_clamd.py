"""Issue 20 item 12: the embedded default scans too. ``coordination demo`` starts this daemon when ClamAV
is installed; an EICAR file is then found, instead of being stored "not scanned"."""

from __future__ import annotations

from coordination import embedded_clamd
from coordination.storage.antivirus import ClamdScanner, ScanStatus
from tests.fixtures.clamav import EICAR


async def one(data: bytes):
    yield data


async def test_demo_daemon_detects_eicar(tmp_path):
    started = embedded_clamd.start(tmp_path / "var", 20 * 1024 * 1024)
    assert started is not None, "clamav-daemon is installed by make test: the demo daemon must start"
    proc, sock, _full = started
    try:
        scanner = ClamdScanner.from_address(str(sock))
        assert (await scanner.scan(one(EICAR))).status is ScanStatus.INFECTED
        assert (await scanner.scan(one(b"%PDF-1.4 bonjour"))).status is ScanStatus.CLEAN
    finally:
        embedded_clamd.stop(proc)
    assert proc.poll() is not None
