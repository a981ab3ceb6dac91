"""The person's export with a year of journal (issue 17: under 2 s), against the same export of the same
file with an empty journal, measured in the same run.

    .venv/bin/python bench/dossier/bench_export_year.py            # embedded SQLite (temporary)
    scripts/with-postgres.sh .venv/bin/python bench/dossier/bench_export_year.py   # PostgreSQL (WIPED)

A year of journal for one person: ``DAYS`` working days, ``VISITS`` visits a day by professionals of
three organisations, each visit the rows of one full-file opening (one per section, some refused), the
way the gate writes them (``journal.append_entries``: the same hash chain). Then, as the person, through
the app in-process: ``GET /api/v1/me/export?format=json`` and ``…?format=pdf``. Printed: the rows and
visits, each export's best and median time over ``ROUNDS``, and the ratio to the empty-journal baseline.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from coordination.access.identity import DevIssuer  # noqa: E402
from coordination.access.journal import Entry, append_entries  # noqa: E402
from coordination.access.principal import Principal  # noqa: E402
from coordination.app import create_app  # noqa: E402
from coordination.db.engine import Database  # noqa: E402
from coordination.db.migrate import upgrade  # noqa: E402
from coordination.directory.models import Organisation, User  # noqa: E402
from coordination.settings import Settings  # noqa: E402

DAYS = int(os.environ.get("BENCH_EXPORT_DAYS", "250"))
VISITS = int(os.environ.get("BENCH_EXPORT_VISITS", "4"))
ROUNDS = int(os.environ.get("BENCH_EXPORT_ROUNDS", "5"))
TARGET_SECONDS = 2.0
ALLOWED = ("identity", "project", "plan", "trajectory", "progress", "documents", "contracts")
REFUSED = ("social", "health")


async def _principal(session, subject: str) -> Principal:
    user = await session.scalar(select(User).where(User.subject == subject))
    org = await session.get(Organisation, user.organisation_id) if user.organisation_id else None
    return Principal(
        user_id=user.id,
        display_name=user.display_name,
        role=user.role,
        organisation_id=user.organisation_id,
        organisation_kind=org.kind if org else None,
        team=user.team,
    )


async def add_year(db: Database, person_id) -> int:
    rows = 0
    async with db.sessionmaker() as session:
        workers = [await _principal(session, s) for s in ("sophie", "karim", "paul")]
        for day in range(DAYS):
            for visit in range(VISITS):
                who = workers[(day + visit) % len(workers)]
                entries = [
                    Entry(action="read", decision="allow", section=s, basis="mandate") for s in ALLOWED
                ]
                entries += [
                    Entry(action="read", decision="deny", section=s, reason="aucune base pour cette partie")
                    for s in REFUSED
                ]
                await append_entries(
                    session,
                    person_id=person_id,
                    principal=who,
                    request_id=f"bench-{day}-{visit}",
                    entries=entries,
                )
                rows += len(entries)
            if day % 25 == 0:
                await session.commit()
        await session.commit()
    return rows


async def timed(client: httpx.AsyncClient, path: str, headers: dict) -> tuple[float, float, int]:
    times = []
    size = 0
    for _ in range(ROUNDS):
        start = time.perf_counter()
        response = await client.get(path, headers=headers)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text[:500]
        size = len(response.content)
    return min(times), statistics.median(times), size


async def main() -> int:
    from tests.fixtures.web_demo import seed_web_demo

    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        sa_url = os.environ.get("COORDINATION_TEST_POSTGRES_URL") or f"sqlite+aiosqlite:///{tmp}/bench.db"
        if sa_url.startswith("postgresql"):
            from tests.integration.conftest import _reset_postgres as reset_postgres

            await reset_postgres(sa_url)
        settings = Settings(
            env="test",
            log_level="WARNING",
            var_dir=Path(tmp) / "var",
            database_url=sa_url,
            documents_dir=Path(tmp) / "d",
        )
        await asyncio.to_thread(upgrade, sa_url)
        await seed_web_demo(settings)
        db = Database(sa_url)
        try:
            async with db.sessionmaker() as session:
                julie = await session.scalar(select(User).where(User.subject == "julie"))
            app = create_app(settings, database=db)
            headers = {"Authorization": f"Bearer {DevIssuer.from_settings(settings).issue(julie)}"}
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=120
            )
            results = {}
            for label in ("empty", "year"):
                if label == "year":
                    rows = await add_year(db, julie.person_id)
                    print(f"a year of journal: {rows} rows, {DAYS * VISITS} visits (+ the exports' own rows)")
                for fmt in ("json", "pdf"):
                    results[(label, fmt)] = await timed(client, f"/api/v1/me/export?format={fmt}", headers)
            await client.aclose()
        finally:
            await db.dispose()
    engine = "PostgreSQL" if sa_url.startswith("postgresql") else "SQLite"
    worst = 0.0
    for fmt in ("json", "pdf"):
        _, med0, _ = results[("empty", fmt)]
        best1, med1, size = results[("year", fmt)]
        worst = max(worst, med1)
        print(
            f"{engine} {fmt.upper():4}: empty journal median {med0:.3f} s | a year median {med1:.3f} s "
            f"(best {best1:.3f} s, {size / 1024:.0f} KiB) | ratio {med1 / med0:.1f}×"
        )
    print(
        f"target: under {TARGET_SECONDS:.1f} s with a year of journal -> {'OK' if worst < TARGET_SECONDS else 'TOO SLOW'}"
    )
    return 0 if worst < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
