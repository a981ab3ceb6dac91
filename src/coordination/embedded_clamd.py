"""The embedded default scans too: ``coordination demo`` starts ClamAV's daemon when it is installed and
no ``COORDINATION_CLAMD_SOCKET`` is set, as the tests do, so a demo upload is really analysed.

Signatures: the system's database (``/var/lib/clamav``, kept fresh by ``freshclam``) when there is one;
otherwise a one-line database that recognises only the EICAR test file (the machine cannot download
signatures), and the demo says so. The daemon listens on a unix socket under ``<var_dir>/clamav`` and is
stopped when the demo stops.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

CLAMD = Path("/usr/sbin/clamd")
SYSTEM_DATABASE = Path("/var/lib/clamav")
#: MD5 and size of the standard 68-byte EICAR test file (the signature, not the file).
EICAR_SIGNATURE = "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n"


def _ping(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            sock.connect(str(path))
            sock.sendall(b"zPING\0")
            return sock.recv(16) == b"PONG\0"
    except OSError:
        return False


def _database(workdir: Path) -> tuple[Path, bool]:
    """(folder, is the full system database)."""
    if any(SYSTEM_DATABASE.glob("*.c[lv]d")):
        return SYSTEM_DATABASE, True
    db = workdir / "db"
    db.mkdir(parents=True, exist_ok=True)
    (db / "eicar.hdb").write_text(EICAR_SIGNATURE)
    return db, False


def start(
    var_dir: Path, max_upload_bytes: int, timeout: float = 120.0
) -> tuple[subprocess.Popen, Path, bool] | None:
    """Start clamd; ``None`` when it is not installed. Returns (process, socket, full signatures)."""
    if not CLAMD.exists():
        return None
    workdir = (var_dir / "clamav").resolve()
    (workdir / "tmp").mkdir(parents=True, exist_ok=True)
    database, full = _database(workdir)
    sock = workdir / "clamd.sock"
    sock.unlink(missing_ok=True)
    conf = workdir / "clamd.conf"
    stream_max = max(max_upload_bytes + 1024 * 1024, 30 * 1024 * 1024)
    conf.write_text(
        "\n".join(
            [
                "Foreground yes",
                f"LocalSocket {sock}",
                f"DatabaseDirectory {database}",
                f"TemporaryDirectory {workdir / 'tmp'}",
                f"LogFile {workdir / 'clamd.log'}",
                f"StreamMaxLength {stream_max // (1024 * 1024)}M",
                "MaxThreads 4",
                "SelfCheck 0",
                "",
            ]
        )
    )
    proc = subprocess.Popen(
        [str(CLAMD), f"--config-file={conf}"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + timeout
    while not _ping(sock):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            return None
        time.sleep(0.2)
    return proc, sock, full


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
