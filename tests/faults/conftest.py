"""Fault-injection fixtures: real services on loopback that a test can stop, kill, cut and restart.

* :class:`PgCluster` — a throwaway PostgreSQL cluster of the test's own (like ``scripts/with-postgres.sh``:
  run as ``postgres`` when we are root), which the test may restart under load;
* :class:`Proxy` — a TCP relay between the service and the S3 server: ``cut()`` drops every connection and
  refuses new ones (the S3 server "stops" for the service) while the server keeps its objects, so the
  test can look at the bucket afterwards; ``restore()`` lets traffic through again;
* :class:`LiveServer` — the real service under uvicorn (``--workers N``) in a subprocess, configured
  through ``COORDINATION_*`` variables exactly as in production, whose worker processes can be killed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from tests.fixtures.s3 import PORT_ATTEMPTS, PortTaken, free_port, lost_port_race

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)


class PgCluster:
    """``initdb`` + ``pg_ctl`` in a temporary folder on a free loopback port; ``stop``/``start`` keep data."""

    def __init__(self, workdir: Path) -> None:
        if PG_BIN is None or not (PG_BIN / "initdb").exists():
            pytest.fail("PostgreSQL's server is not installed (make system-deps installs it).", pytrace=False)
        self.dir = workdir
        self.data = workdir / "data"
        self.sock = workdir / "sock"
        self.port = free_port()
        self.password = os.urandom(9).hex()
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.sock.mkdir(parents=True)
        if self.as_pg:
            shutil.chown(workdir, "postgres")
            shutil.chown(self.sock, "postgres")
        self._run(
            PG_BIN / "initdb",
            "-D",
            self.data,
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--no-sync",
        )
        for attempt in range(PORT_ATTEMPTS):
            try:
                self.start()
                break
            except subprocess.CalledProcessError:
                # the port chosen above was taken since (another xdist worker or run): a new one
                log = self.dir / "postgres.log"
                taken = log.exists() and lost_port_race(log.read_text(errors="replace"))
                if attempt == PORT_ATTEMPTS - 1 or not taken:
                    raise
                self.port = free_port()
        self._run(
            PG_BIN / "psql",
            "-X",
            "-q",
            "-h",
            self.sock,
            "-p",
            self.port,
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            f"CREATE ROLE faults LOGIN CREATEDB PASSWORD '{self.password}'",
            "-c",
            "CREATE DATABASE faults OWNER faults",
        )

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://faults:{self.password}@127.0.0.1:{self.port}/faults"

    def _run(self, *args) -> None:
        subprocess.run(
            [*self.as_pg, *map(str, args)], check=True, cwd=self.dir, capture_output=True, timeout=120
        )

    def start(self) -> None:
        self._run(
            PG_BIN / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.dir / "postgres.log",
            "-w",
            "-t",
            "60",
            "-s",
            "-o",
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sock} -c fsync=off "
            "-c full_page_writes=off -c max_connections=100",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "-s", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated to head once per session (xdist worker): tests copy it
    (:func:`migrated_sqlite`) rather than running every migration again."""
    from coordination.db.migrate import upgrade

    template = tmp_path_factory.mktemp("faults-sqlite-template") / "migrated.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{template}")
    return template


def migrated_sqlite(template: Path, path: Path) -> str:
    """A copy of the migrated ``template`` at ``path`` (its folder created); returns its URL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def pg_cluster():
    # Not under pytest's tmp folder: that one is private to our user and `postgres` could not enter it.
    cluster = PgCluster(Path(tempfile.mkdtemp(prefix="coordination-faults-pg.")))
    try:
        yield cluster
    finally:
        cluster.destroy()


class Proxy:
    """A loopback TCP relay to ``target``; ``cut()`` is an outage, ``restore()`` its end."""

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = threading.Event()
        self.open.set()
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if not self.open.is_set():
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def cut(self) -> None:
        self.open.clear()
        with self.lock:
            for s in self.sockets:
                try:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.sockets.clear()

    def restore(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()


@dataclass
class LiveServer:
    """The service under uvicorn in a subprocess (``coordination.app:create_app`` as a factory)."""

    env: dict[str, str]
    workers: int = 2
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> LiveServer:
        """Start and wait until every worker is up; on a port taken since it was chosen (another xdist
        worker or run), again on a new one."""
        for attempt in range(PORT_ATTEMPTS):
            try:
                return self._start(timeout)
            except PortTaken:
                if attempt == PORT_ATTEMPTS - 1:
                    raise
                self.port = free_port()
        raise AssertionError("unreachable")

    def _start(self, timeout: float) -> LiveServer:
        log = open(Path(self.env["COORDINATION_VAR_DIR"]) / f"uvicorn-{self.port}.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "coordination.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
                "--no-access-log",
                "--timeout-graceful-shutdown",
                "5",
            ],
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                tail = self.log()[-3000:]
                raise (PortTaken if lost_port_race(tail) else RuntimeError)(
                    f"uvicorn exited with {self.proc.returncode}: {tail}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/health/live", timeout=1):  # noqa: S310 - loopback
                    if len(self.worker_pids()) >= (self.workers if self.workers > 1 else 0):
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not answer within {timeout}s: {self.log()[-3000:]}")
            time.sleep(0.1)

    def log(self) -> str:
        path = Path(self.env["COORDINATION_VAR_DIR"]) / f"uvicorn-{self.port}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        try:
            children = psutil.Process(self.proc.pid).children()
            return [c.pid for c in children if "resource_tracker" not in " ".join(c.cmdline())]
        except psutil.Error:
            return []

    def kill_workers(self) -> list[int]:
        """SIGKILL the processes that serve requests: the workers under the supervisor, or with
        ``workers=1`` (no supervisor) the one server process itself."""
        if self.proc is None:
            return []
        pids = self.worker_pids() if self.workers > 1 else [self.proc.pid]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return pids

    def rss_bytes(self) -> int:
        total = 0
        for pid in [self.proc.pid, *self.worker_pids()] if self.proc else []:
            with contextlib.suppress(psutil.Error):
                total += psutil.Process(pid).memory_info().rss
        return total

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def service_env(var_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """``COORDINATION_*`` variables for a live server sharing the test's keys, database and store."""
    env = {
        "COORDINATION_ENV": "test",
        "COORDINATION_VAR_DIR": str(var_dir),
        "COORDINATION_DATABASE_URL": database_url,
        "COORDINATION_DOCUMENTS_DIR": str(var_dir / "documents"),
        "COORDINATION_LOG_LEVEL": "WARNING",
    }
    env.update({f"COORDINATION_{k.upper()}": str(v) for k, v in extra.items()})
    return env
