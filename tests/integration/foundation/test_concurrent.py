"""Statements run at the same time on separate connections see one snapshot, and every failure surfaces."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from coordination.db.concurrent import run_concurrently


async def test_parts_share_one_snapshot_and_the_settings(database, backend):
    statements = [
        text("SELECT pg_current_snapshot()::text AS snap, current_setting('work_mem') AS mem, 1 AS part"),
        text(
            "SELECT pg_current_snapshot()::text AS snap, current_setting('work_mem') AS mem, 2 AS part, "
            "current_setting('transaction_read_only') AS ro"
        ),
    ]
    if backend == "sqlite":
        with pytest.raises(ValueError, match="PostgreSQL"):
            await run_concurrently(database.engine, statements)
        return
    # the same snapshot (same xmin, xmax and in-progress list): a commit between the two checkouts is seen by
    # both parts or by neither
    first, second = await run_concurrently(database.engine, statements, {"work_mem": "7MB"})
    assert [first[0]["part"], second[0]["part"]] == [1, 2]
    assert first[0]["snap"] == second[0]["snap"]
    assert first[0]["mem"] == second[0]["mem"] == "7MB"
    assert second[0]["ro"] == "on"


async def test_a_failing_part_raises_after_the_others_end(database, backend):
    if backend == "sqlite":
        with pytest.raises(ValueError, match="PostgreSQL"):
            await run_concurrently(database.engine, [text("SELECT 1")])
        return
    statements = [text("SELECT pg_sleep(0.2), 1 AS ok"), text("SELECT 1 / 0 AS boom")]
    with pytest.raises(DBAPIError, match="division by zero"):
        await run_concurrently(database.engine, statements)
    # the connections went back clean: the next use works
    (rows,) = await run_concurrently(database.engine, [text("SELECT 2 AS n")])
    assert rows[0]["n"] == 2
