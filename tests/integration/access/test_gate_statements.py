"""The gate's statements on each backend, the hashes the database computes, and concurrent appends.

On PostgreSQL a decision is ONE statement (facts, decision, head lock, rows with their hashes, head
update or creation); on SQLite it is four statements (five for a file's first row). Whatever
the path, ``journal.verify_chain`` (which recomputes every hash in Python) must find the chains intact,
also with names and request ids that need escaping, and under concurrent appends on one file.
"""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, select

from coordination.access import journal
from coordination.access.gate import check_access, check_sections
from coordination.access.models import AccessJournalEntry, ConsentEvent, ConsentEventKind
from coordination.db.base import utcnow
from coordination.directory.models import OrganisationKind, Role
from tests.fixtures.world import make_world
from tests.integration.access import seed

J = AccessJournalEntry.__table__


@contextmanager
def counting(database):
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", listener)


async def world(database, settings, *, display_name="Opérateur", partner_name="Partenaire"):
    """The shared world's shape here: a Forem referent, a partner's operator, a person registered at the Forem."""
    w = await make_world(
        database, settings,
        {"forem": ("Forem", OrganisationKind.FOREM), "partner": (partner_name, OrganisationKind.PARTNER)},
        {"worker": ("Référente", Role.FOREM_REFERENT, "forem"),
         "operator": (display_name, Role.PARTNER_OPERATOR, "partner")},
    )  # fmt: skip
    person = await w.add_person(registered_at="forem")
    return person.id, w.principal("worker"), w.principal("operator"), w.orgs["partner"].id


async def verify(database):
    async with database.sessionmaker() as s:
        report = await journal.verify_chain(s)
    assert report.ok, report.problems
    return report


async def test_statements_per_decision(database, settings, backend):
    person, worker, _, _ = await world(database, settings)
    journal.forget_organisation_names()
    async with database.sessionmaker() as s:
        with counting(database) as first:
            await check_access(s, worker, person_id=person, section="plan", action="read", request_id="a")
        await s.commit()
        with counting(database) as next_one:
            await check_access(s, worker, person_id=person, section="plan", action="read", request_id="b")
        await s.commit()
        with counting(database) as whole_file:
            decisions = await check_sections(
                s, worker, person_id=person, sections=["identity", "plan", "social", "health"], action="read",
                request_id="c",
            )  # fmt: skip
        await s.commit()
    assert [decisions[x].allowed for x in ("identity", "plan", "social", "health")] == [
        True,
        True,
        False,
        False,
    ]
    # the first decision of a process also reads the caller's organisation name (kept 30 s, then reread)
    if backend == "postgresql":
        assert len(first) == 2  # the name, then the one statement (which also creates the head)
        assert len(next_one) == len(whole_file) == 1
    else:
        assert len(first) == 6  # name, facts, touch (no head yet), head insert, rows insert, head update
        assert len(next_one) == len(whole_file) == 4
    report = await verify(database)
    assert report.rows == 6


async def test_database_hashes_match_python_with_awkward_text(database, settings):
    name = 'Opé "rateur" \\ « 🧾 »\n\t'
    person, _, operator, partner = await world(
        database, settings, display_name=name, partner_name="Asbl « L'Envol » \\ 🧾"
    )
    async with database.sessionmaker() as s:
        recorder = seed.user(s, Role.ADMIN, None)
        await s.flush()
        seed.consent(s, person, partner, ["plan", "progress"], recorder.id)
        await s.commit()
        for i, section in enumerate(["plan", "health", "progress", "plan"]):
            await check_access(
                s, operator, person_id=person, section=section, action="read", request_id=f'r"{i}\\\n',
                raise_on_deny=False,
            )  # fmt: skip
            await s.commit()
        await check_sections(
            s, operator, person_id=person, sections=["plan", "social", "progress"], action="read",
            request_id="é" * 80,
        )  # fmt: skip
        await s.commit()
        rows = (await s.execute(select(J).where(J.c.person_id == person).order_by(J.c.seq))).all()
    assert [(r.section, r.decision) for r in rows] == [
        ("plan", "allow"), ("health", "deny"), ("progress", "allow"), ("plan", "allow"),
        ("plan", "allow"), ("social", "deny"), ("progress", "allow"),
    ]  # fmt: skip
    assert all(r.user_name == name for r in rows)
    assert rows[-1].request_id == "é" * 64
    for r in rows:
        assert journal.row_hash(dict(r._mapping), r.prev_hash) == r.row_hash
    await verify(database)


async def test_consent_chosen_is_the_latest_in_force_naming_the_section(database, settings):
    person, _, operator, partner = await world(database, settings)
    async with database.sessionmaker() as s:
        recorder = seed.user(s, Role.ADMIN, None)
        await s.flush()
        short = seed.consent(s, person, partner, ["plan"], recorder.id, days=10)
        longer = seed.consent(s, person, partner, ["plan", "progress"], recorder.id, days=40)
        other = seed.consent(s, person, partner, ["trajectory"], recorder.id, days=90)
        await s.commit()
        decision = await check_access(
            s, operator, person_id=person, section="plan", action="read", request_id="x"
        )
        assert decision.consent_id == longer.id
        await s.commit()
        # the latest one withdrawn: the next request rests on the other one still in force
        s.add(ConsentEvent(consent_id=longer.id, kind=ConsentEventKind.WITHDRAWN, at=utcnow()))
        await s.commit()
        decision = await check_access(
            s, operator, person_id=person, section="plan", action="read", request_id="y"
        )
        assert decision.consent_id == short.id
        await s.commit()
        decision = await check_access(
            s, operator, person_id=person, section="trajectory", action="read", request_id="z"
        )
        assert decision.consent_id == other.id
        await s.commit()
        # expired on the next request: nothing names "plan" any more
        short.expires_at = utcnow() - timedelta(seconds=1)
        await s.commit()
        decision = await check_access(
            s, operator, person_id=person, section="plan", action="read", request_id="w", raise_on_deny=False
        )
        assert not decision.allowed and decision.consent_id is None
        await s.commit()
        rows = (await s.execute(select(J.c.consent_id, J.c.basis).where(J.c.person_id == person))).all()
    assert sorted(map(tuple, rows), key=str) == sorted(
        [(longer.id, "consent"), (short.id, "consent"), (other.id, "consent"), (None, None)], key=str
    )
    await verify(database)


async def test_concurrent_decisions_on_one_file_keep_one_chain(database, settings):
    """Sessions on separate connections decide on the same file at once, from its very first row (the
    head does not exist yet) on: every decision is journaled exactly once and the chain verifies."""
    person, worker, operator, _ = await world(database, settings)
    sessions, rounds = 8, 4

    async def one(n: int) -> int:
        async with database.sessionmaker() as s:
            done = 0
            for i in range(rounds):
                if (n + i) % 2:
                    await check_access(
                        s, worker, person_id=person, section="plan", action="read", request_id=f"{n}-{i}"
                    )
                    done += 1
                else:
                    decided = await check_sections(
                        s, operator, person_id=person, sections=["plan", "social"], action="read",
                        request_id=f"{n}-{i}",
                    )  # fmt: skip
                    done += len(decided)
                await s.commit()
            return done

    total = sum(await asyncio.gather(*(one(n) for n in range(sessions))))
    report = await verify(database)
    assert report.rows == total == sessions * rounds * 3 // 2
    async with database.sessionmaker() as s:
        seqs = (await s.execute(select(J.c.seq).where(J.c.person_id == person).order_by(J.c.seq))).scalars()
        assert list(seqs) == list(range(1, total + 1))


async def test_a_waiting_decision_follows_the_committed_head(database, settings):
    """A decision on a file whose head another transaction holds waits for its commit, then chains onto
    the row that transaction wrote (not onto the head as it was when the waiting statement began)."""
    person, worker, operator, _ = await world(database, settings)
    async with database.sessionmaker() as a, database.sessionmaker() as b:
        await check_access(a, worker, person_id=person, section="plan", action="read", request_id="first")
        await a.commit()
        await check_access(a, worker, person_id=person, section="plan", action="read", request_id="holder")
        waiting = asyncio.create_task(
            check_access(b, operator, person_id=person, section="plan", action="read", request_id="waiter",
                         raise_on_deny=False)
        )  # fmt: skip
        await asyncio.sleep(0.5)
        assert not waiting.done()  # blocked on the head held by the uncommitted "holder" decision
        await a.commit()
        decision = await asyncio.wait_for(waiting, timeout=30)
        await b.commit()
    assert not decision.allowed
    async with database.sessionmaker() as s:
        rows = (await s.execute(select(J).where(J.c.person_id == person).order_by(J.c.seq))).all()
    assert [(r.seq, r.request_id) for r in rows] == [(1, "first"), (2, "holder"), (3, "waiter")]
    assert rows[2].prev_hash == rows[1].row_hash
    await verify(database)
