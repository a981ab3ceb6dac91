"""Upload and download of a 200 MB document through the app's API vs the bare minio client (issue 4).

    PYTHONPATH=. .venv/bin/python bench/dossier/bench_documents.py [size_mb]

Three processes on loopback: moto's S3 server (as tests/fixtures/s3.py starts it), the app under uvicorn
(SQLite database, S3 store on that server), and this script, the HTTP client. One run each:

- API: ``POST /api/v1/persons/{id}/documents`` with the body streamed from a generator, then
  ``GET …/content`` read to the end, both with urllib3 (the minio client's own HTTP library); the server's RSS is sampled from ``/proc/<pid>/status`` every 5 ms and
  its ``VmHWM`` reset just before (``/proc/<pid>/clear_refs``): growth = peak − RSS before the transfer;
- raw: ``Minio.put_object`` / ``get_object`` from this process to the same bucket, same bytes.

Targets: server memory growth ≤ 32 MB, API throughput ≥ 0.7 × raw (upload and download each).
ClamAV is not used here (``clamd_socket`` empty: the document is recorded "not scanned"); with clamd the
scan re-reads the object from the store in 256 KiB frames (``store.open`` → ``scanner.scan``), it never
holds the document in memory either.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from uuid import UUID

import httpx
import urllib3

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.fixtures.s3 import S3Server, free_port, start_moto_server, stop_process  # noqa: E402

from coordination.settings import Settings  # noqa: E402

MiB = 1024 * 1024
CHUNK = 256 * 1024
MEMORY_TARGET_MB = 32
THROUGHPUT_TARGET = 0.7
_BLOCK = hashlib.sha256(b"bench-documents").digest() * (CHUNK // 32)
PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def piece(index: int, size: int) -> bytes:
    body = index.to_bytes(8, "big") + _BLOCK[8:size]
    return (PDF_HEAD + body[len(PDF_HEAD) :]) if index == 0 else body


def generated(total: int):
    sent = index = 0
    while sent < total:
        chunk = piece(index, min(CHUNK, total - sent))
        index += 1
        sent += len(chunk)
        yield chunk


class GeneratedReader:
    """The same bytes as a blocking file-like object, for the bare minio client."""

    def __init__(self, total: int) -> None:
        self.chunks = generated(total)
        self.rest = b""

    def read(self, size: int = -1) -> bytes:
        out, have = [self.rest], len(self.rest)
        while have < size:
            chunk = next(self.chunks, b"")
            if not chunk:
                break
            out.append(chunk)
            have += len(chunk)
        data = b"".join(out)
        self.rest = data[size:]
        return data[:size]


def settings_for(tmp: Path, server: S3Server, bucket: str, total: int) -> Settings:
    return Settings(
        env="test",
        log_level="WARNING",
        var_dir=tmp / "var",
        database_url=f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}",
        max_upload_bytes=total + MiB,
        clamd_socket="",
        **server.settings_overrides(bucket),
    )


# --- the server process -------------------------------------------------------------------------------


def serve(config: str) -> None:
    import uvicorn

    from coordination.app import create_app

    spec = json.loads(config)
    server = S3Server(spec["host"], spec["port"])
    settings = settings_for(Path(spec["tmp"]), server, spec["bucket"], spec["total"])
    uvicorn.run(create_app(settings), host="127.0.0.1", port=spec["http_port"], log_level="warning")


# --- setup --------------------------------------------------------------------------------------------


async def seed(settings: Settings) -> tuple[UUID, str]:
    from coordination.access.identity import DevIssuer
    from coordination.db.engine import Database
    from coordination.db.migrate import upgrade
    from coordination.directory.models import Organisation, OrganisationKind, Role, User
    from coordination.dossier.models import Person
    from coordination.dossier.niss import niss_hash
    from coordination.keys import niss_hash_key

    await asyncio.to_thread(upgrade, settings.database_url)
    db = Database(settings.database_url)
    try:
        async with db.sessionmaker() as s:
            forem = Organisation(name="Le Forem", kind=OrganisationKind.FOREM, bassin="Charleroi")
            s.add(forem)
            await s.flush()
            user = User(
                subject="bench",
                display_name="Sophie Lambert",
                role=Role.FOREM_REFERENT,
                organisation_id=forem.id,
            )
            niss = "85071412330"
            person = Person(
                niss=niss,
                niss_hash=niss_hash(niss, niss_hash_key(settings)),
                first_name="Julie",
                last_name="Martin",
                birth_date=date(1985, 7, 14),
                forem_registered=True,
            )
            s.add_all([user, person])
            await s.commit()
            user.organisation_kind = OrganisationKind.FOREM
            return person.id, DevIssuer.from_settings(settings).issue(user)
    finally:
        await db.dispose()


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"the app server exited with code {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise SystemExit(f"the app server did not answer on {url}") from None
            time.sleep(0.2)


class RssSampler:
    """Peak RSS of another process: 5 ms samples of VmRSS, and VmHWM after a reset (both reported)."""

    def __init__(self, pid: int) -> None:
        self.status = Path(f"/proc/{pid}/status")
        self.clear_refs = Path(f"/proc/{pid}/clear_refs")
        self.peak = 0
        self._stop = threading.Event()

    def field(self, name: str) -> int:
        for line in self.status.read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(name)

    def __enter__(self) -> RssSampler:
        self.clear_refs.write_text("5")  # VmHWM := current RSS
        self.before = self.field("VmRSS")
        self.peak = self.before
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self.field("VmRSS"))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.hwm = self.field("VmHWM")

    @property
    def growth(self) -> int:
        return max(self.peak, self.hwm) - self.before


# --- the two sides ------------------------------------------------------------------------------------


def through_api(base: str, person_id: UUID, token: str, total: int, pid: int) -> dict:
    """Blocking, with urllib3: the HTTP library the minio client itself uses, so both sides of the
    comparison pay the same client costs (httpx's pure-Python h11 client alone tops out far lower)."""
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=10, read=600))
    auth = {"Authorization": f"Bearer {token}"}

    def upload(n: int, name: str) -> dict:
        response = http.request(
            "POST",
            f"{base}/api/v1/persons/{person_id}/documents?filename={name}&category=certificate",
            body=generated(n),
            headers={**auth, "Content-Length": str(n), "Content-Type": "application/pdf"},
        )
        if response.status != 201:
            raise SystemExit(f"upload: {response.status} {response.data[:500]!r}")
        return json.loads(response.data)

    def download(doc: dict, *, verify: bool = False) -> tuple[int, str]:
        """Counted only, like the raw client's; ``verify`` also hashes (an untimed pass)."""
        digest, size = hashlib.sha256(), 0
        url = f"{base}/api/v1/persons/{person_id}/documents/{doc['id']}/content"
        response = http.request("GET", url, headers=auth, preload_content=False)
        try:
            if response.status != 200:
                raise SystemExit(f"download: {response.status}")
            for chunk in response.stream(MiB):
                size += len(chunk)
                if verify:
                    digest.update(chunk)
        finally:
            response.release_conn()
        return size, digest.hexdigest()

    warm = upload(8 * MiB, "warm-up.pdf")  # imports, pools, thread workers
    download(warm)
    time.sleep(0.5)
    with RssSampler(pid) as up_mem:
        t0 = time.perf_counter()
        doc = upload(total, "attestation.pdf")
        up = time.perf_counter() - t0
    version = doc["versions"][0]
    with RssSampler(pid) as down_mem:
        t0 = time.perf_counter()
        size, _ = download(doc)
        down = time.perf_counter() - t0
    _, sha = download(doc, verify=True)
    assert version["size"] == size == total, (version["size"], size)
    assert version["sha256"] == sha, "the downloaded bytes differ from the uploaded ones"
    return {"up": up, "down": down, "up_mem": up_mem, "down_mem": down_mem, "scan": version["scan_status"]}


def raw(server: S3Server, bucket: str, total: int) -> tuple[float, float]:
    client = server.client()
    t0 = time.perf_counter()
    client.put_object(bucket, "raw/bench", GeneratedReader(total), length=total)
    t1 = time.perf_counter()
    response = client.get_object(bucket, "raw/bench")
    size = 0
    try:
        for chunk in response.stream(MiB):
            size += len(chunk)
    finally:
        response.close()
        response.release_conn()
    t2 = time.perf_counter()
    assert size == total
    client.remove_object(bucket, "raw/bench")
    return t1 - t0, t2 - t1


async def main(size_mb: int) -> int:
    total = size_mb * MiB
    moto, server = start_moto_server()
    app_proc = None
    try:
        bucket = server.new_bucket()
        with tempfile.TemporaryDirectory(prefix="bench-documents-") as tmp_name:
            tmp = Path(tmp_name)
            settings = settings_for(tmp, server, bucket, total)
            person_id, token = await seed(settings)
            http_port = free_port()
            config = json.dumps(
                {
                    "host": server.host,
                    "port": server.port,
                    "bucket": bucket,
                    "tmp": str(tmp),
                    "total": total,
                    "http_port": http_port,
                }
            )
            env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
            app_proc = subprocess.Popen([sys.executable, __file__, "--serve", config], env=env)  # noqa: ASYNC220
            base = f"http://127.0.0.1:{http_port}"
            wait_http(f"{base}/health", app_proc)
            api = await asyncio.to_thread(through_api, base, person_id, token, total, app_proc.pid)
            raw_up, raw_down = await asyncio.to_thread(raw, server, bucket, total)
    finally:
        if app_proc is not None:
            stop_process(app_proc)
        stop_process(moto)

    def mbps(seconds: float) -> float:
        return total / MiB / seconds

    up_ratio, down_ratio = raw_up / api["up"], raw_down / api["down"]
    up_growth, down_growth = api["up_mem"].growth / MiB, api["down_mem"].growth / MiB
    print(f"{size_mb} MB document, loopback moto S3 server, app under uvicorn in its own process (SQLite)")
    print(f"ClamAV: not used in this run (no clamd configured; document recorded as '{api['scan']}').")
    print(
        f"  upload   API {mbps(api['up']):7.1f} MB/s   raw minio {mbps(raw_up):7.1f} MB/s   ratio {up_ratio:.2f}"
    )
    print(
        f"  download API {mbps(api['down']):7.1f} MB/s   raw minio {mbps(raw_down):7.1f} MB/s   ratio {down_ratio:.2f}"
    )
    print(
        f"  server RSS growth: upload {up_growth:.1f} MB (before {api['up_mem'].before / MiB:.0f} MB), "
        f"download {down_growth:.1f} MB (target ≤ {MEMORY_TARGET_MB} MB)"
    )
    ok = min(up_ratio, down_ratio) >= THROUGHPUT_TARGET and max(up_growth, down_growth) <= MEMORY_TARGET_MB
    print(
        f"  throughput target ≥ {THROUGHPUT_TARGET} × raw, memory ≤ {MEMORY_TARGET_MB} MB: {'OK' if ok else 'BELOW TARGET'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--serve":
        serve(sys.argv[2])
    else:
        raise SystemExit(asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)))
