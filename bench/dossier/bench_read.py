"""Read of a full file through the API vs a bare Litestar handler returning the same rows (issue 4).

    scripts/with-postgres.sh .venv/bin/python bench/dossier/bench_read.py [--profile]

URL: COORDINATION_BENCH_POSTGRES_URL or COORDINATION_TEST_POSTGRES_URL (the database is WIPED).

Seeds the demo files (people at several stages: plan with commitments, steps at two partners, progress
notes, ICF assessments, documents), then reads the fullest file as a Forem referent:

- API: ``GET /api/v1/persons/{id}/file`` of the real app: token middleware, one gate decision per section
  (facts from the database, Casbin, a journal row appended for each), every section the reader may see;
- bare: a plain Litestar handler on the same database reading the same rows (the sections the referent may
  see) with one SELECT per table, no token, no gate, no journal.

Both are served the same way: in-process through httpx's ASGI transport, ``CONCURRENCY`` clients. One run,
printed: requests/s of each, SQL statements per request, and the ratio (target ≥ 0.5). ``--profile``
writes a pyinstrument profile of the API run to ``var/bench-dossier-read.html``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import msgspec
from litestar import Litestar, get
from litestar.di import Provide
from sqlalchemy import event, select

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from coordination.access.identity import DevIssuer  # noqa: E402
from coordination.app import create_app  # noqa: E402
from coordination.clock import today as brussels_today  # noqa: E402
from coordination.db.engine import Database  # noqa: E402
from coordination.db.migrate import upgrade  # noqa: E402
from coordination.directory.models import OrganisationKind, Role, User  # noqa: E402
from coordination.dossier.demo import seed_dossier_demo  # noqa: E402
from coordination.dossier.models import (  # noqa: E402
    Assessment,
    Document,
    DocumentVersion,
    Person,
    PlanCommitment,
    PlanObjective,
    ProfileSection,
    ProgressEntry,
    TrajectoryStep,
)
from coordination.factories import OrganisationFactory, UserFactory, add_all  # noqa: E402
from coordination.keys import niss_hash_key  # noqa: E402
from coordination.settings import Settings  # noqa: E402
from coordination.storage.filesystem import FilesystemStore  # noqa: E402

WARMUP = 100
REQUESTS = int(os.environ.get("BENCH_READ_REQUESTS", "2000"))
ROUNDS = 10
CONCURRENCY = int(os.environ.get("BENCH_READ_CONCURRENCY", "1"))
TARGET = 0.5


def url() -> str:
    value = os.environ.get("COORDINATION_BENCH_POSTGRES_URL") or os.environ.get(
        "COORDINATION_TEST_POSTGRES_URL"
    )
    if not value:
        raise SystemExit("Set COORDINATION_BENCH_POSTGRES_URL (or run through scripts/with-postgres.sh).")
    return value


async def reset(sa_url: str) -> None:
    conn = await asyncpg.connect(sa_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


async def seed(db: Database, settings: Settings, documents_dir: Path) -> tuple[UUID, User]:
    async with db.sessionmaker() as s:
        orgs = {
            "forem": OrganisationFactory.build(name="Le Forem – Charleroi", kind=OrganisationKind.FOREM),
            "cpas": OrganisationFactory.build(name="CPAS de Charleroi", kind=OrganisationKind.CPAS),
            "cisp": OrganisationFactory.build(name="CISP Les Ateliers", kind=OrganisationKind.PARTNER),
            "mire": OrganisationFactory.build(name="MIRE Charleroi", kind=OrganisationKind.PARTNER),
        }
        users = {
            "referent": UserFactory.build(
                subject="bench-referent",
                display_name="Sophie Lambert",
                role=Role.FOREM_REFERENT,
                organisation_id=orgs["forem"].id,
            ),
            "operator": UserFactory.build(
                subject="bench-operator",
                display_name="Nadia Benali",
                role=Role.PARTNER_OPERATOR,
                organisation_id=orgs["cisp"].id,
            ),
        }
        await add_all(s, [*orgs.values(), *users.values()])
        people = await seed_dossier_demo(
            s,
            orgs,
            users,
            niss_key=niss_hash_key(settings),
            store=FilesystemStore(documents_dir),
            today=brussels_today(),
        )
        await s.commit()
        referent = users["referent"]
        referent.organisation_kind = OrganisationKind.FOREM
        return people[0].id, referent  # the "emploi" stage: training + job, progress, two documents


# --- the bare handler: same rows, one SELECT per table, no gate --------------------------------------------

BARE_SECTIONS = {"identity", "project", "plan", "trajectory", "progress", "documents", "contracts"}


def _row(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns if c.key not in skip}


def bare_app(db: Database) -> Litestar:
    async def provide_session():
        async with db.sessionmaker() as session:
            yield session

    @get("/bare/{person_id:uuid}/file")
    async def bare_file(db_session: Any, person_id: UUID) -> bytes:
        s = db_session
        person = await s.get(Person, person_id)

        async def rows(model, *order, **where):
            query = select(model).where(*[getattr(model, k) == v for k, v in where.items()])
            return list((await s.scalars(query.order_by(*order))).all())

        sections = [
            r
            for r in await rows(ProfileSection, ProfileSection.section, person_id=person_id)
            if r.section == "project"
        ]
        objectives = await rows(PlanObjective, PlanObjective.created_at, person_id=person_id)
        commitments = await rows(PlanCommitment, PlanCommitment.created_at, person_id=person_id)
        steps = await rows(TrajectoryStep, TrajectoryStep.start_date, person_id=person_id)
        entries = await rows(ProgressEntry, ProgressEntry.created_at, person_id=person_id)
        assessments = await rows(Assessment, Assessment.assessed_on, person_id=person_id)
        documents = await rows(Document, Document.created_at, person_id=person_id)
        versions = await rows(DocumentVersion, DocumentVersion.number, person_id=person_id)
        await s.commit()
        by_objective: dict[UUID, list] = {}
        for c in commitments:
            by_objective.setdefault(c.objective_id, []).append(_row(c))
        by_document: dict[UUID, list] = {}
        for v in versions:
            by_document.setdefault(v.document_id, []).append(_row(v))
        out = {
            "person_id": person_id,
            "sections": sorted(BARE_SECTIONS),
            "identity": _row(person, ("niss_hash",)),
            "project": [_row(r) for r in sections],
            "plan": [{**_row(o), "commitments": by_objective.get(o.id, [])} for o in objectives],
            "trajectory": [_row(st) for st in steps],
            "progress": {
                "entries": [_row(e) for e in entries],
                "assessments": [_row(a) for a in assessments],
            },
            "documents": [{**_row(d), "versions": by_document.get(d.id, [])} for d in documents],
        }
        return msgspec.json.encode(out)

    return Litestar(
        route_handlers=[bare_file],
        dependencies={"db_session": Provide(provide_session)},
        openapi_config=None,
    )


# --- load -----------------------------------------------------------------------------------------------


class Counter:
    def __init__(self, db: Database) -> None:
        self.n = 0
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *args: Any) -> None:
        self.n += 1


class Target:
    """One side of the comparison: an app, the path read, its headers; totals over the rounds."""

    def __init__(self, app, path: str, headers: dict[str, str]) -> None:
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
        self.path, self.headers = path, headers
        self.requests, self.seconds, self.queries = 0, 0.0, 0

    async def get(self) -> None:
        response = await self.client.get(self.path, headers=self.headers)
        if response.status_code != 200:
            raise SystemExit(f"{self.path}: {response.status_code} {response.text[:500]}")

    async def burst(self, requests: int, counter: Counter) -> None:
        queue = iter(range(requests))

        async def worker() -> None:
            for _ in queue:
                await self.get()

        before = counter.n
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        self.seconds += time.perf_counter() - started
        self.requests += requests
        self.queries += counter.n - before

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def sql_per_request(self) -> float:
        return self.queries / self.requests


async def compare(bare: Target, api: Target, counter: Counter, profiler=None) -> None:
    """Warm both up, then alternate rounds: the machine's load drifts, both sides see the same drift."""
    for target in (bare, api):
        for _ in range(WARMUP):
            await target.get()
    per_round = max(1, REQUESTS // ROUNDS)
    for _ in range(ROUNDS):
        await bare.burst(per_round, counter)
        if profiler is not None:
            profiler.start()
        await api.burst(per_round, counter)
        if profiler is not None:
            profiler.stop()


async def main(profile: bool) -> int:
    sa_url = url()
    await reset(sa_url)
    await asyncio.to_thread(upgrade, sa_url)
    with tempfile.TemporaryDirectory(prefix="bench-dossier-") as tmp:
        settings = Settings(
            env="test",
            log_level="WARNING",
            var_dir=Path(tmp) / "var",
            database_url=sa_url,
            documents_dir=Path(tmp) / "docs",
        )
        db = Database(sa_url)
        try:
            person_id, referent = await seed(db, settings, Path(tmp) / "docs")
            counter = Counter(db)
            api = create_app(settings, database=db)
            token = DevIssuer.from_settings(settings).issue(referent)
            api_side = Target(api, f"/api/v1/persons/{person_id}/file", {"Authorization": f"Bearer {token}"})
            bare = Target(bare_app(db), f"/bare/{person_id}/file", {})
            body = (await api_side.client.get(api_side.path, headers=api_side.headers)).json()
            print(f"full file of the 'emploi' demo person as a Forem referent: sections {body['sections']}")
            print(
                f"  rows: {len(body['plan']['objectives'])} objective(s), "
                f"{sum(len(o['commitments']) for o in body['plan']['objectives'])} commitments, "
                f"{len(body['trajectory'])} steps, {len(body['progress']['entries'])} progress notes, "
                f"{len(body['progress']['assessments'])} assessments, {len(body['documents'])} documents"
            )
            profiler = None
            if profile:
                from pyinstrument import Profiler

                profiler = Profiler(async_mode="enabled")
            await compare(bare, api_side, counter, profiler)
            if profiler is not None:
                out = ROOT / "var" / "bench-dossier-read.html"
                out.parent.mkdir(exist_ok=True)
                out.write_text(profiler.output_html())
                print(profiler.output_text(unicode=True, color=False, show_all=False)[:8000])
                print(f"profile written to {out}")
        finally:
            await db.dispose()
    ratio = api_side.rps / bare.rps
    print(
        f"PostgreSQL, in-process ASGI transport (httpx) for both, {CONCURRENCY} client(s), "
        f"{bare.requests} requests each in {ROUNDS} alternating rounds"
    )
    print(
        f"  bare handler (same rows, no gate, no journal): {bare.rps:8.1f} req/s, {bare.sql_per_request:.1f} SQL/request"
    )
    print(
        f"  API full file (gate + journal per section):    {api_side.rps:8.1f} req/s, {api_side.sql_per_request:.1f} SQL/request"
    )
    print(
        f"  ratio API / bare: {ratio:.2f} (target ≥ {TARGET}) {'OK' if ratio >= TARGET else 'BELOW TARGET'}"
    )
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main("--profile" in sys.argv)))
