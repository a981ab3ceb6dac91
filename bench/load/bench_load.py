"""Load: a realistic mix against the real service (uvicorn, two workers) on PostgreSQL, over loopback.

Run: .venv/bin/python bench/load/bench_load.py [--seconds 30] [--concurrency 16] [--persons 40]
     (``make bench`` runs it under scripts/with-postgres.sh; without COORDINATION_TEST_POSTGRES_URL the
     bench starts a throwaway cluster of its own.) Not a timed test: it prints figures and ratios.

The mix, per request drawn at random (weights in MIX):
* referents read files (the full file view, the plan);
* partners write progress notes on their own steps (under the person's consent);
* regulators browse the registry of partners and services;
* referents upload small PDF documents (filesystem store, no antivirus: the scan is measured elsewhere).

Measured in the same run: the baseline (``/health/live`` at the same concurrency), then the mix for a
bounded time. Printed: per kind and overall count, error rate, p50/p99 latency and their ratio to the
baseline; the server's resident memory (supervisor + workers) sampled every second, its first/last/max
and the growth between the first and the last third of the run. The load generator shares the 2 cores
with the server, so absolute figures are conservative; the ratios are what to compare between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import contextlib

from tests.faults.conftest import LiveServer, PgCluster, service_env
from tests.integration.hardening.conftest import PDF, niss_for, seed_world

from coordination.db.engine import Database
from coordination.db.migrate import upgrade
from coordination.settings import Settings

MIX = {
    "referent_reads_file": 30,
    "referent_reads_plan": 15,
    "partner_writes_progress": 20,
    "regulator_browses_cadastre": 25,
    "referent_uploads_document": 10,
}
DOCUMENT = PDF + b"%" + b"x" * (64 * 1024)


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)

    def add(self, kind: str, seconds: float, status: int) -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        self.statuses.setdefault(kind, {}).setdefault(status, 0)
        self.statuses[kind][status] += 1
        if status >= 400:
            self.errors[kind] = self.errors.get(kind, 0) + 1


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


async def seed(url: str, var: Path, persons: int):
    settings = Settings(env="test", var_dir=var, database_url=url, documents_dir=var / "documents")
    db = Database(url)
    world = await seed_world(db, settings)
    from litestar.testing import AsyncTestClient

    from coordination.app import create_app

    await db.engine.dispose()
    files = [(world.person_a, world.a_ids["step"])]
    async with AsyncTestClient(app=create_app(settings)) as client:  # its own engine, in its own loop
        for i in range(persons - 1):
            person = (
                await client.post(
                    "/api/v1/persons",
                    json={
                        "niss": niss_for("80" + f"{1 + i % 12:02d}" + f"{1 + i % 28:02d}", f"{100 + i:03d}"),
                        "first_name": f"Personne{i}",
                        "last_name": "Charge",
                        "forem_registered": True,
                        "bassin": "Charleroi",
                    },
                    headers=world.headers("referent"),
                )
            ).json()
            step = (
                await client.post(
                    f"/api/v1/persons/{person['id']}/trajectory/steps",
                    json={
                        "kind": "training",
                        "organisation_id": str(world.orgs["cisp"].id),
                        "status": "ongoing",
                    },
                    headers=world.headers("referent"),
                )
            ).json()
            files.append((person["id"], step["id"]))
    await db.engine.dispose()
    from uuid import UUID

    from coordination.factories import ConsentFactory

    # each person but the first consented to the CISP (the factory's consent: given a minute ago, six months)
    await world.add(
        *[
            ConsentFactory.build(
                person_id=UUID(person_id), recipient_organisation_id=world.orgs["cisp"].id,
                sections=["plan", "trajectory", "progress"], recorded_by_user_id=world.users["referent"].id,
            )
            for person_id, _ in files[1:]
        ]
    )  # fmt: skip
    await db.dispose()
    return world, files


async def drive(base_url: str, world, files, seconds: float, concurrency: int, kinds: dict[str, int] | None):
    stats = Stats()
    rng = random.Random(9)
    names = list(kinds) if kinds else ["baseline"]
    weights = list(kinds.values()) if kinds else [1]
    deadline = time.monotonic() + seconds
    max_requests = int(seconds * 2000)  # a bound whatever the speed
    sent = 0

    async def one(client: httpx.AsyncClient) -> None:
        nonlocal sent
        while time.monotonic() < deadline and sent < max_requests:
            sent += 1
            kind = rng.choices(names, weights)[0]
            person, step = rng.choice(files)
            started = time.perf_counter()
            try:
                if kind == "baseline":
                    r = await client.get("/health/live")
                elif kind == "referent_reads_file":
                    r = await client.get(f"/api/v1/persons/{person}/file", headers=world.headers("referent"))
                elif kind == "referent_reads_plan":
                    r = await client.get(f"/api/v1/persons/{person}/plan", headers=world.headers("referent"))
                elif kind == "partner_writes_progress":
                    r = await client.post(
                        f"/api/v1/persons/{person}/trajectory/steps/{step}/progress",
                        json={"note": "Présent, bonne participation.", "attendance_hours": 3.5},
                        headers=world.headers("partner"),
                    )
                elif kind == "regulator_browses_cadastre":
                    path = rng.choice(["/api/v1/cadastre/organisations", "/api/v1/cadastre/services"])
                    r = await client.get(path, headers=world.headers("regulator"))
                else:
                    r = await client.post(
                        f"/api/v1/persons/{person}/documents",
                        params={"filename": "attestation.pdf", "category": "certificate"},
                        content=DOCUMENT,
                        headers=world.headers("referent"),
                    )
                status = r.status_code
            except httpx.HTTPError:
                status = 599
            stats.add(kind, time.perf_counter() - started, status)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        await asyncio.gather(*(one(client) for _ in range(concurrency)))
    return stats


async def sample_rss(server: LiveServer, samples: list[tuple[float, int]], stop: asyncio.Event) -> None:
    started = time.monotonic()
    while not stop.is_set():
        samples.append((time.monotonic() - started, server.rss_bytes()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


def report(
    title: str, stats: Stats, seconds: float, baseline: tuple[float, float] | None
) -> tuple[float, float]:
    every = [x for values in stats.latencies.values() for x in values]
    errors = sum(stats.errors.values())
    p50, p99 = pct(every, 50), pct(every, 99)
    print(
        f"\n{title}: {len(every)} requests in {seconds:.0f} s = {len(every) / seconds:.0f} req/s, "
        f"errors {errors} ({100 * errors / max(1, len(every)):.2f} %), "
        f"p50 {1000 * p50:.1f} ms, p99 {1000 * p99:.1f} ms"
    )
    if baseline:
        print(f"  ratio to /health/live: p50 ×{p50 / baseline[0]:.1f}, p99 ×{p99 / baseline[1]:.1f}")
    for kind, values in sorted(stats.latencies.items()):
        print(
            f"  {kind:28s} n={len(values):6d} err={stats.errors.get(kind, 0):4d} "
            f"p50={1000 * pct(values, 50):7.1f} ms p99={1000 * pct(values, 99):7.1f} ms "
            f"mean={1000 * statistics.fmean(values):7.1f} ms statuses={stats.statuses[kind]}"
        )
    return p50, p99


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--baseline-seconds", type=float, default=6.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--persons", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    cluster = None
    url = os.environ.get("COORDINATION_TEST_POSTGRES_URL", "")
    if url:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    else:
        cluster = PgCluster(Path(tempfile.mkdtemp(prefix="coordination-bench-pg.")))
        url = cluster.url
    var = Path(tempfile.mkdtemp(prefix="coordination-bench-load."))
    server = None
    try:
        await asyncio.to_thread(upgrade, url)
        world, files = await seed(url, var, args.persons)
        server = LiveServer(service_env(var, url), workers=args.workers).start(timeout=120)
        print(
            f"server: uvicorn --workers {args.workers} on PostgreSQL, {len(files)} files, "
            f"concurrency {args.concurrency}, loopback, {os.cpu_count()} cores shared with the load generator"
        )
        await drive(server.url, world, files, 2.0, args.concurrency, MIX)  # warm-up, not counted
        base = await drive(server.url, world, files, args.baseline_seconds, args.concurrency, None)
        baseline = report("baseline /health/live", base, args.baseline_seconds, None)
        samples: list[tuple[float, int]] = []
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(server, samples, stop))
        stats = await drive(server.url, world, files, args.seconds, args.concurrency, MIX)
        stop.set()
        await sampler
        report("mix", stats, args.seconds, baseline)
        rss = [r for _, r in samples]
        third = max(1, len(rss) // 3)
        early, late = statistics.fmean(rss[:third]), statistics.fmean(rss[-third:])
        print(
            f"\nserver RSS (supervisor + workers), {len(rss)} samples: first {rss[0] / 2**20:.0f} MiB, "
            f"last {rss[-1] / 2**20:.0f} MiB, max {max(rss) / 2**20:.0f} MiB; "
            f"last third vs first third: {100 * (late - early) / early:+.1f} %"
        )
        print(
            "  " + " ".join(f"{r / 2**20:.0f}" for r in rss[:: max(1, len(rss) // 30)]) + " (MiB over time)"
        )
        errors = sum(stats.errors.values())
        total = sum(len(v) for v in stats.latencies.values())
        return 1 if errors / max(1, total) > 0.01 else 0
    finally:
        if server:
            server.stop()
        if cluster:
            cluster.destroy()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
