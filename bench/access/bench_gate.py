"""Access gate benchmark (issue 3), on PostgreSQL, one run, figures and ratios printed.

    scripts/with-postgres.sh .venv/bin/python bench/access/bench_gate.py

URL: COORDINATION_BENCH_POSTGRES_URL or COORDINATION_TEST_POSTGRES_URL (the database is WIPED).
Loads 100,000 active consents and 1,000,000 journal rows (valid hash chains) with COPY, then measures
1. the gate's decision latency (``check_access``: facts from the database, Casbin, journal append),
   median and p95, for the costliest path (a partner on a consent basis), a mandate and a denial. The
   "decision" column is the gate's work in a session whose connection is checked out: the BEGIN the
   asyncpg driver sends (a round trip) just before the first statement, the gate's own statements
   (counted by an event listener and printed), Casbin, hashing. "+ checkout" adds the pool checkout
   with its pre-ping (one more round trip, not the gate's); "with commit" adds COMMIT as well.
   CPU time of the benchmark process per decision is printed too (the machine may be shared);
2. the throughput of a gated read through the HTTP API against the same read without the gate
   (same app, same middleware, same rows), with 16 concurrent clients.
Targets: p95 ≤ 1 ms; gated ≥ 0.5 × ungated.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx
from litestar import Request, get
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from coordination.access import journal
from coordination.access.gate import check_access
from coordination.access.identity import DevIssuer
from coordination.access.models import ConsentChannel
from coordination.access.principal import Principal
from coordination.db.engine import Database
from coordination.db.migrate import upgrade
from coordination.directory.models import OrganisationKind, Role
from coordination.dossier.models import Person
from coordination.factories import (
    ConsentFactory,
    MandateFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    bulk,
)
from coordination.factories.dossier import person_identity
from coordination.settings import Settings

PERSONS = int(os.environ.get("BENCH_PERSONS", "50000"))
CONSENTS = 2 * PERSONS
JOURNAL_ROWS = 20 * PERSONS
PARTNERS = 50
ITERATIONS = 3000
HTTP_REQUESTS = 4000
CONCURRENCY = 16


def url() -> str:
    value = os.environ.get("COORDINATION_BENCH_POSTGRES_URL") or os.environ.get(
        "COORDINATION_TEST_POSTGRES_URL"
    )
    if not value:
        raise SystemExit("Set COORDINATION_BENCH_POSTGRES_URL (or run through scripts/with-postgres.sh).")
    return value


async def reset(sa_url: str) -> None:
    conn = await asyncpg.connect(sa_url.replace("postgresql+asyncpg", "postgresql"))
    await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    await conn.close()


async def load(sa_url: str) -> dict:
    """Organisations, users, people (every other one a registered job seeker), consents and their
    events, from the shared factories' bulk rows (``coordination.factories.bulk``), then the journal."""
    now = datetime.now(UTC)
    conn = await asyncpg.connect(sa_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        forem, cpas = uuid7(), uuid7()
        partners = [uuid7() for _ in range(PARTNERS)]
        orgs = [(forem, "Forem", OrganisationKind.FOREM), (cpas, "CPAS", OrganisationKind.CPAS)] + [
            (p, f"Partenaire {i}", OrganisationKind.PARTNER) for i, p in enumerate(partners)
        ]
        await bulk.copy(conn, OrganisationFactory, bulk.rows(
            OrganisationFactory, len(orgs), lambda i: dict(zip(("id", "name", "kind"), orgs[i], strict=True)),
        ))  # fmt: skip
        recorder = uuid7()
        partner_users = {p: uuid7() for p in partners}
        users = [(recorder, "recorder", "Agent", Role.FOREM_REFERENT, forem)] + [
            (uid, f"op{i}", f"Opérateur {i}", Role.PARTNER_OPERATOR, p)
            for i, (p, uid) in enumerate(partner_users.items())
        ]
        await bulk.copy(conn, UserFactory, bulk.rows(
            UserFactory, len(users),
            lambda i: dict(zip(("id", "subject", "display_name", "role", "organisation_id"), users[i], strict=True)),
        ))  # fmt: skip
        persons = [uuid7() for _ in range(PERSONS)]
        await bulk.copy(conn, PersonFactory, bulk.rows(
            PersonFactory, PERSONS, lambda i: {"id": persons[i], **person_identity(i)}, first_name="P", last_name="N",
        ))  # fmt: skip
        registered = persons[::2]  # the "mandate" decisions pick among these
        await bulk.copy(conn, MandateFactory, bulk.rows(
            MandateFactory, len(registered), lambda i: {"person_id": registered[i]}, organisation_id=forem,
            started_on=now.date() - timedelta(days=30),
        ))  # fmt: skip
        consent_of: dict[UUID, UUID] = {}
        consents: list[tuple[UUID, UUID, UUID]] = []
        for i in range(CONSENTS):
            person = persons[i % PERSONS]
            partner = partners[(i // PERSONS + i) % PARTNERS]
            consent_of.setdefault(person, partner)
            consents.append((uuid7(), person, partner))
        await bulk.copy(conn, ConsentFactory, bulk.rows(
            ConsentFactory, CONSENTS,
            lambda i: dict(zip(("id", "person_id", "recipient_organisation_id"), consents[i], strict=True)),
            sections=["plan", "progress", "trajectory"], purpose="Suivi", recorded_by_user_id=recorder,
            channel=ConsentChannel.PAPER, evidence_document_id=uuid7(), given_at=now - timedelta(days=10),
            expires_at=now + timedelta(days=365),
        ))  # fmt: skip
        await conn.copy_records_to_table(
            "consent_events", columns=["id", "consent_id", "kind", "at", "by_user_id"],
            records=[(uuid7(), cid, "given", now - timedelta(days=10), recorder) for cid, _, _ in consents],
        )  # fmt: skip

        # 1,000,000 journal rows: 20 per person, valid chains and heads
        per_person = JOURNAL_ROWS // PERSONS
        batch, heads = [], []
        cols = ["id", *journal.HASHED_FIELDS, "prev_hash", "row_hash"]
        started = time.perf_counter()
        for person in persons:
            prev = journal.GENESIS_HASH
            partner = consent_of[person]
            for seq in range(1, per_person + 1):
                fields = {
                    "person_id": person, "seq": seq, "at": now - timedelta(minutes=per_person - seq),
                    "user_id": partner_users[partner], "user_name": "Opérateur", "organisation_id": partner,
                    "role": "partner_operator", "section": "plan", "document_id": None, "action": "read",
                    "decision": "allow", "basis": "consent", "consent_id": None, "request_id": "bench", "reason": None,
                    "organisation_name": "Partenaire", "format_version": 2,
                }  # fmt: skip
                digest = journal.row_hash(fields, prev)
                batch.append((uuid7(), *[fields[c] for c in journal.HASHED_FIELDS], prev, digest))
                prev = digest
            heads.append((person, per_person, prev, now))
            if len(batch) >= 100_000:
                await conn.copy_records_to_table("access_journal", columns=cols, records=batch)
                batch = []
        if batch:
            await conn.copy_records_to_table("access_journal", columns=cols, records=batch)
        await conn.copy_records_to_table(
            "access_journal_heads", columns=["person_id", "seq", "head_hash", "updated_at"], records=heads
        )
        print(f"  journal: {JOURNAL_ROWS:,} rows hashed and copied in {time.perf_counter() - started:.1f} s")
        await conn.execute("ANALYZE")
        return {"persons": persons, "consent_of": consent_of, "partner_users": partner_users, "forem": forem}
    finally:
        await conn.close()


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def bench_decisions(db: Database, data: dict) -> dict[str, tuple[float, float]]:
    rnd = random.Random(7)
    results = {}
    forem_principal = Principal(
        user_id=uuid7(), display_name="Conseillère", role=Role.FOREM_REFERENT,
        organisation_id=data["forem"], organisation_kind=OrganisationKind.FOREM,
    )  # fmt: skip
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    for label in ("consent (partner)", "mandate (Forem)", "denied (no basis)"):
        timings, checkout_timings, commit_timings, cpu, counts = [], [], [], [], []
        async with db.sessionmaker() as session:
            for i in range(ITERATIONS + 200):
                person = data["persons"][rnd.randrange(0, len(data["persons"]) // 2) * 2]  # registered ones
                partner = data["consent_of"][person]
                if label.startswith("consent"):
                    principal = Principal(
                        user_id=data["partner_users"][partner], display_name="Op", role=Role.PARTNER_OPERATOR,
                        organisation_id=partner, organisation_kind=OrganisationKind.PARTNER,
                    )  # fmt: skip
                    section = "plan"
                elif label.startswith("mandate"):
                    principal, section = forem_principal, "plan"
                else:
                    principal, section = forem_principal, "social"
                t_begin = time.perf_counter()
                await session.connection()  # pool checkout + pre-ping (BEGIN comes with the 1st statement)
                statements.clear()
                event.listen(db.engine.sync_engine, "before_cursor_execute", listener)
                c0 = time.process_time()
                t0 = time.perf_counter()
                decision = await check_access(
                    session, principal, person_id=person, section=section, action="read",
                    request_id="bench", raise_on_deny=False,
                )  # fmt: skip
                t1 = time.perf_counter()
                c1 = time.process_time()
                event.remove(db.engine.sync_engine, "before_cursor_execute", listener)
                await session.commit()
                t2 = time.perf_counter()
                assert decision.allowed is (not label.startswith("denied")), label
                if i >= 200:  # warm-up excluded
                    timings.append(t1 - t0)
                    checkout_timings.append(t1 - t_begin)
                    cpu.append(c1 - c0)
                    commit_timings.append(t2 - t_begin)
                    counts.append(len(statements))
        results[label] = (
            statistics.median(timings),
            pct(timings, 0.95),
            statistics.median(checkout_timings),
            pct(checkout_timings, 0.95),
            statistics.median(commit_timings),
            statistics.median(cpu),
            pct(cpu, 0.95),
            max(counts),
        )
    return results


async def bench_http(db: Database, data: dict, settings: Settings) -> tuple[float, float]:
    import coordination.app as app_module

    @get("/api/v1/persons/{person_id:uuid}/bench/gated", opt={"section": "plan", "action": "read"})
    async def gated(request: Request, db_session: AsyncSession, request_id: str, person_id: UUID) -> dict:
        await check_access(db_session, request.user, person_id=person_id, section="plan", action="read",
                           request_id=request_id)  # fmt: skip
        row = (await db_session.execute(select(Person).where(Person.id == person_id))).scalar_one()
        await db_session.commit()
        return {"id": str(row.id), "first_name": row.first_name, "bassin": row.bassin}

    @get("/api/v1/persons/{person_id:uuid}/bench/ungated", opt={"public": "benchmark baseline"})
    async def ungated(request: Request, db_session: AsyncSession, person_id: UUID) -> dict:
        row = (await db_session.execute(select(Person).where(Person.id == person_id))).scalar_one()
        await db_session.commit()
        return {"id": str(row.id), "first_name": row.first_name, "bassin": row.bassin}

    module = type(sys)("bench_routes")
    module.ROUTES = [gated, ungated]
    sys.modules["bench_routes"] = module
    app_module.API_MODULES = ("bench_routes",)
    app_module.WEB_MODULES = ()
    app = app_module.create_app(settings, database=db)
    import logging

    logging.disable(logging.INFO)
    issuer: DevIssuer = app.state.identity.dev_issuer
    rnd = random.Random(11)
    persons = data["persons"]
    tokens = {}
    for p, uid in data["partner_users"].items():
        principal_user = type("U", (), {"id": uid, "display_name": "Op", "role": Role.PARTNER_OPERATOR,
                                        "organisation_id": p, "team": None, "person_id": None})  # fmt: skip
        tokens[p] = issuer.issue(principal_user, org_kind="partner")
    work = [persons[rnd.randrange(len(persons))] for _ in range(HTTP_REQUESTS)]

    async def run(kind: str) -> float:
        queue = list(work)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def worker() -> None:
                while queue:
                    person = queue.pop()
                    token = tokens[data["consent_of"][person]]
                    r = await client.get(f"/api/v1/persons/{person}/bench/{kind}",
                                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
                    assert r.status_code == 200, r.text

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            return HTTP_REQUESTS / (time.perf_counter() - started)

    await run("ungated")  # warm-up
    ungated_rps = await run("ungated")
    gated_rps = await run("gated")
    return gated_rps, ungated_rps


async def main() -> None:
    sa_url = url()
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"bench/access: {PERSONS:,} persons, {CONSENTS:,} active consents, {JOURNAL_ROWS:,} journal rows")
    await reset(sa_url)
    await asyncio.to_thread(upgrade, sa_url)
    started = time.perf_counter()
    data = await load(sa_url)
    print(f"  loaded in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(env="test", var_dir=Path(tmp), database_url=sa_url, documents_dir=Path(tmp) / "docs",
                            log_level="WARNING")  # fmt: skip
        db = Database(sa_url)
        try:
            decisions = await bench_decisions(db, data)
            print(
                f"\n  gate decision latency ({ITERATIONS} decisions each, journal append included, commit excluded)"
            )
            worst_p95 = 0.0
            for label, (
                median,
                p95,
                co_median,
                co_p95,
                with_commit,
                cpu,
                cpu_p95,
                count,
            ) in decisions.items():
                worst_p95 = max(worst_p95, p95)
                print(f"    {label:<20} decision: median {median * 1e3:6.3f} ms  p95 {p95 * 1e3:6.3f} ms  "
                      f"({count} statements; CPU median {cpu * 1e3:5.3f} ms, p95 {cpu_p95 * 1e3:5.3f} ms)\n"
                      f"    {'':<20} + checkout: median {co_median * 1e3:6.3f} ms  p95 {co_p95 * 1e3:6.3f} ms; "
                      f"with commit: median {with_commit * 1e3:6.3f} ms")  # fmt: skip
            gated, ungated = await bench_http(db, data, settings)
            async with db.sessionmaker() as s:
                rows = await s.scalar(text("SELECT count(*) FROM access_journal"))
        finally:
            await db.dispose()
    print(f"\n  HTTP read, {CONCURRENCY} concurrent clients, {HTTP_REQUESTS} requests")
    print(f"    ungated {ungated:8.0f} req/s")
    print(f"    gated   {gated:8.0f} req/s   ratio gated/ungated = {gated / ungated:.2f}  (target ≥ 0.50)")
    print(f"\n  worst p95 decision = {worst_p95 * 1e3:.3f} ms (target ≤ 1.000 ms); journal now {rows:,} rows")


if __name__ == "__main__":
    asyncio.run(main())
