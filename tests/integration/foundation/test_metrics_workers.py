"""``/metrics`` is multi-worker safe: ``coordination serve --workers 2`` really forks two workers, each
counts the requests it serves, and a scrape answered by either one reports the sum of both."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "jeton-de-collecte-multi"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """(status, body) of a GET on a new connection (``urllib`` opens one per request and, unlike a new
    ``httpx.Client``, builds no TLS context each time: a poll or a hit costs next to no CPU)."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback http only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def live_count(text: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "coordination_http_requests_total" and s.labels.get("route") == "/health/live"
    )


def test_two_workers_are_summed(database, settings, tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"stale")  # a previous run's file: must be cleared
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COORDINATION_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        COORDINATION_ENV="test",
        COORDINATION_VAR_DIR=str(settings.var_dir),
        COORDINATION_DATABASE_URL=database.url,
        COORDINATION_DOCUMENTS_DIR=str(tmp_path / "documents"),
        COORDINATION_METRICS_TOKEN=TOKEN,
        COORDINATION_METRICS_DIR=str(metrics_dir),
        COORDINATION_LOG_LEVEL="INFO",
    )
    log = tmp_path / "serve.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "coordination", "serve", "--port", str(port), "--workers", "2"],
        env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=log.open("wb"),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                if get(f"{base}/health/ready")[0] == 200:
                    break
            except OSError:  # not listening yet
                pass
            assert time.monotonic() < deadline, "server not ready"
            time.sleep(0.2)

        def hit(_: int) -> int:
            return get(f"{base}/health/live")[0]  # a new connection each time: both workers accept

        # "ready" is the first worker's answer; on a loaded machine the second may still be starting, and
        # every request of a first batch then lands on one worker: send batches until both have written
        # samples, counting every request sent (the sum below must be exact)
        requests = 0
        deadline = time.monotonic() + 60
        while True:
            with ThreadPoolExecutor(8) as pool:
                assert set(pool.map(hit, range(60))) == {200}
            requests += 60
            writers = {p.name.split("_")[-1] for p in metrics_dir.glob("counter_*.db")}
            assert "999999.db" not in writers, "stale files were not cleared at start"
            if len(writers) >= 2:
                break
            assert time.monotonic() < deadline, f"only {writers} wrote samples after {requests} requests"
            time.sleep(0.5)
        for _ in range(6):  # whichever worker answers the scrape, it reports both workers' requests
            status, scraped = get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            assert status == 200
            assert live_count(scraped) == requests
        # Issue 20: the supervisor logged nothing when a worker died. Kill one: a JSON line says so.
        victim = int(sorted(writers)[0].removesuffix(".db"))
        os.kill(victim, 9)
        deadline = time.monotonic() + 30
        while not [line for line in log.read_text().splitlines() if f"[{victim}] died" in line]:
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)
        (line,) = [line for line in log.read_text().splitlines() if f"[{victim}] died" in line]
        assert json.loads(line)["logger"].startswith("uvicorn")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
