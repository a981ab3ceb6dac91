"""Upload and download of a 200 MB document through the app's API vs the bare minio client (issue 4).

    PYTHONPATH=. .venv/bin/python bench/dossier/bench_documents.py [size_mb] [--rounds N]

Three processes on loopback: moto's S3 server (as tests/fixtures/s3.py starts it), the app under uvicorn
(SQLite database, S3 store on that server), and this script, the HTTP client. After one warm-up of each
side, ``--rounds`` (5) alternating rounds, each the bare client then the API, on the same bytes:

- API: ``POST /api/v1/persons/{id}/documents`` with the body streamed from a generator, then
  ``GET …/content`` read to the end, both with urllib3 (the minio client's own HTTP library); the server's
  RSS is sampled from ``/proc/<pid>/status`` every 5 ms and its ``VmHWM`` reset just before
  (``/proc/<pid>/clear_refs``): growth = peak − RSS before the transfer; the bytes read back are checked
  against the recorded size and SHA-256 (untimed);
- raw: ``Minio.put_object`` / ``get_object`` from this process to the same bucket, same bytes.

Every round's figures are printed; the verdict uses the median of each side's times (throughput ratio =
raw median / API median, so one noisy round on a shared machine does not decide) and the largest memory
growth of any round. Targets: server memory growth ≤ 32 MB, API throughput ≥ 0.7 × raw (upload and
download each). Each round's objects are removed afterwards (untimed) so the S3 server does not grow.

ClamAV is not used here (``clamd_socket`` empty: the document is recorded "not scanned"). With clamd, the
upload is scanned while it is stored (``store_and_scan`` feeds each chunk to the store and to clamd's
INSTREAM at once, bounded queues), never read back from the store and never held in memory.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
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
    from coordination.directory.models import OrganisationKind, Role
    from coordination.factories import (
        MandateFactory,
        OrganisationFactory,
        PersonFactory,
        UserFactory,
        add_all,
    )
    from coordination.keys import niss_hash_key

    await asyncio.to_thread(upgrade, settings.database_url)
    db = Database(settings.database_url)
    try:
        async with db.sessionmaker() as s:
            forem = OrganisationFactory.build(name="Le Forem", kind=OrganisationKind.FOREM)
            user = UserFactory.build(
                subject="bench",
                display_name="Sophie Lambert",
                role=Role.FOREM_REFERENT,
                organisation_id=forem.id,
            )
            # Julie Martin, born on 14 July 1985 as her NISS says, registered at the Forem (the referent's basis)
            person = PersonFactory.build(niss="85071412330", niss_key=niss_hash_key(settings), bassin=None)
            registration = MandateFactory.build(person_id=person.id, organisation_id=forem.id)
            await add_all(s, [forem, user, person, registration])
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


class Api:
    """Blocking, with urllib3: the HTTP library the minio client itself uses, so both sides of the
    comparison pay the same client costs (httpx's pure-Python h11 client alone tops out far lower)."""

    def __init__(self, base: str, person_id: UUID, token: str, pid: int) -> None:
        self.http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=10, read=600))
        self.auth = {"Authorization": f"Bearer {token}"}
        self.documents = f"{base}/api/v1/persons/{person_id}/documents"
        self.pid = pid

    def upload(self, n: int, name: str) -> dict:
        response = self.http.request(
            "POST",
            f"{self.documents}?filename={name}&category=certificate",
            body=generated(n),
            headers={**self.auth, "Content-Length": str(n), "Content-Type": "application/pdf"},
        )
        if response.status != 201:
            raise SystemExit(f"upload: {response.status} {response.data[:500]!r}")
        return json.loads(response.data)

    def download(self, doc: dict, *, verify: bool = False) -> tuple[int, str]:
        """Counted only, like the raw client's; ``verify`` also hashes (an untimed pass)."""
        digest, size = hashlib.sha256(), 0
        response = self.http.request(
            "GET", f"{self.documents}/{doc['id']}/content", headers=self.auth, preload_content=False
        )
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

    def warm_up(self) -> None:
        """Imports, pools, thread workers."""
        self.download(self.upload(8 * MiB, "warm-up.pdf"))

    def round(self, total: int, number: int) -> dict:
        time.sleep(0.5)
        with RssSampler(self.pid) as up_mem:
            t0 = time.perf_counter()
            doc = self.upload(total, f"attestation-{number}.pdf")
            up = time.perf_counter() - t0
        version = doc["versions"][0]
        with RssSampler(self.pid) as down_mem:
            t0 = time.perf_counter()
            size, _ = self.download(doc)
            down = time.perf_counter() - t0
        _, sha = self.download(doc, verify=True)
        assert version["size"] == size == total, (version["size"], size)
        assert version["sha256"] == sha, "the downloaded bytes differ from the uploaded ones"
        return {
            "up": up,
            "down": down,
            "up_mem": up_mem.growth,
            "down_mem": down_mem.growth,
            "before": up_mem.before,
            "scan": version["scan_status"],
        }


class Raw:
    def __init__(self, server: S3Server, bucket: str) -> None:
        self.client = server.client()
        self.bucket = bucket

    def round(self, total: int) -> dict:
        t0 = time.perf_counter()
        self.client.put_object(self.bucket, "raw/bench", GeneratedReader(total), length=total)
        t1 = time.perf_counter()
        response = self.client.get_object(self.bucket, "raw/bench")
        size = 0
        try:
            for chunk in response.stream(MiB):
                size += len(chunk)
        finally:
            response.close()
            response.release_conn()
        t2 = time.perf_counter()
        assert size == total
        return {"up": t1 - t0, "down": t2 - t1}

    def empty_bucket(self) -> None:
        """Every version of every object (the API's documents included): untimed, between rounds."""
        for obj in list(self.client.list_objects(self.bucket, recursive=True, include_version=True)):
            self.client.remove_object(self.bucket, obj.object_name, version_id=obj.version_id)


def run_rounds(api: Api, raw: Raw, total: int, rounds: int, report) -> tuple[list[dict], list[dict]]:
    api.warm_up()
    raw.round(8 * MiB)
    raw.empty_bucket()
    raws, apis = [], []
    for number in range(1, rounds + 1):
        raws.append(raw.round(total))
        raw.empty_bucket()
        apis.append(api.round(total, number))
        raw.empty_bucket()
        report(number, raws[-1], apis[-1])
    return raws, apis


async def main(size_mb: int, rounds: int) -> int:
    total = size_mb * MiB

    def mbps(seconds: float) -> float:
        return total / MiB / seconds

    def report(number: int, r: dict, a: dict) -> None:
        print(
            f"  round {number}: upload raw {mbps(r['up']):6.1f} API {mbps(a['up']):6.1f} MB/s "
            f"({r['up'] / a['up']:.2f})   download raw {mbps(r['down']):6.1f} API {mbps(a['down']):6.1f} MB/s "
            f"({r['down'] / a['down']:.2f})   RSS growth up {a['up_mem'] / MiB:.1f} down "
            f"{a['down_mem'] / MiB:.1f} MB (before {a['before'] / MiB:.0f} MB)",
            flush=True,
        )

    print(f"{size_mb} MB document, loopback moto S3 server, app under uvicorn in its own process (SQLite)")
    print(f"{rounds} rounds, each raw minio then API; load average at start {os.getloadavg()[0]:.2f}")
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
            api = Api(base, person_id, token, app_proc.pid)
            raws, apis = await asyncio.to_thread(run_rounds, api, Raw(server, bucket), total, rounds, report)
    finally:
        if app_proc is not None:
            stop_process(app_proc)
        stop_process(moto)

    def median(rows: list[dict], field: str) -> float:
        return statistics.median(row[field] for row in rows)

    up_ratio = median(raws, "up") / median(apis, "up")
    down_ratio = median(raws, "down") / median(apis, "down")
    up_growth = max(a["up_mem"] for a in apis) / MiB
    down_growth = max(a["down_mem"] for a in apis) / MiB
    print(f"ClamAV: not used in this run (no clamd configured; documents recorded as '{apis[0]['scan']}').")
    print(f"Medians over {rounds} rounds (load average at end {os.getloadavg()[0]:.2f}):")
    print(
        f"  upload   API {mbps(median(apis, 'up')):7.1f} MB/s   raw minio {mbps(median(raws, 'up')):7.1f} MB/s"
        f"   ratio {up_ratio:.2f}"
    )
    print(
        f"  download API {mbps(median(apis, 'down')):7.1f} MB/s   raw minio {mbps(median(raws, 'down')):7.1f} MB/s"
        f"   ratio {down_ratio:.2f}"
    )
    print(
        f"  server RSS growth, largest of the rounds: upload {up_growth:.1f} MB, download {down_growth:.1f} MB "
        f"(target ≤ {MEMORY_TARGET_MB} MB)"
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
        parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
        parser.add_argument("size_mb", nargs="?", type=int, default=200)
        parser.add_argument("--rounds", type=int, default=5)
        args = parser.parse_args()
        raise SystemExit(asyncio.run(main(args.size_mb, args.rounds)))
