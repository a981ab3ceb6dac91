"""A bulk assignment reads more people than one statement may take parameters (32,767 on PostgreSQL)."""

from __future__ import annotations

from uuid import uuid4

from coordination.referent import bulk


async def test_lookups_by_id_take_more_ids_than_one_statement_can(database):
    ids = [uuid4() for _ in range(40_000)]
    async with database.sessionmaker() as session:
        assert await bulk._latest_orientations(session, ids) == {}
        assert await bulk._previous_advisers(session, ids) == {}
