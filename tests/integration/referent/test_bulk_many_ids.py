"""A bulk assignment reads more people than one statement may take parameters (32,767 on PostgreSQL)."""

from __future__ import annotations

from uuid import uuid4

from coordination.referent import bulk


async def test_lookups_by_id_take_more_ids_than_one_statement_can(database):
    ids = [uuid4() for _ in range(40_000)]
    async with database.sessionmaker() as session:
        assert await bulk.waiting_people(session, among=ids) == []


async def test_journaling_a_bulk_operation_takes_more_rows_than_one_statement_can(database):
    """Applying a bulk assignment journals one row per person assigned: thousands of rows must not make
    one statement (about 20 parameters each) or one id lookup exceed the parameter limits."""
    from sqlalchemy import func, select

    from coordination.access import journal
    from coordination.access.filter import bases_of, journal_shown, readable
    from coordination.access.models import AccessJournalEntry
    from coordination.directory.models import OrganisationKind, Role
    from tests.integration.access import seed

    async with database.sessionmaker() as session:
        forem = seed.org(session, OrganisationKind.FOREM)
        worker = seed.user(session, Role.FOREM_REFERENT, forem)
        await session.flush()
        people = [seed.person(session, forem_registered=True, forem_id=forem.id) for _ in range(2_500)]
        await session.commit()
        principal = seed.principal_of(worker, forem)
        found = readable(principal, "trajectory", "write", dialect=session.get_bind().dialect.name)
        ids = [p.id for p in people] + [uuid4() for _ in range(35_000)]  # unknown ids: no basis, no row
        bases = await bases_of(session, found, ids)
        assert len(bases) == 2_500 and {b for b, _ in bases.values()} == {"mandate"}
        await journal_shown(
            session,
            principal,
            "bulk",
            [(i, *bases[i]) for i in bases],
            sections=("trajectory",),
            action="write",
        )
        await session.commit()
        written = await session.scalar(select(func.count()).select_from(AccessJournalEntry))
        assert written == 2_500
        assert (await journal.verify_chain(session)).ok
