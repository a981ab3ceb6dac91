"""``coordination tasks``: every daily step runs on both databases, each in its own transaction."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from coordination.cadastre.models import Agreement
from coordination.cadastre.rules import today_brussels
from coordination.demo import load_demo_data
from coordination.tasks import run_daily


async def test_daily_tasks_run_and_close_what_is_due(settings, database):
    await load_demo_data(settings)
    async with database.sessionmaker() as session:
        agreement = (
            await session.scalars(select(Agreement).where(Agreement.status == "active").limit(1))
        ).one()
        agreement.start_date = today_brussels() - timedelta(days=400)
        agreement.end_date = today_brussels() - timedelta(days=1)
        await session.commit()
    results = await run_daily(settings)
    assert [name for name, _, _ in results] == [
        "consentements",
        "premiers contacts",
        "orientations",
        "conventions",
        "conservation",
        "documents",
    ]
    assert all(ok for _, _, ok in results), results
    assert not dict((n, s) for n, s, _ in results)["conventions"].startswith("0 ")
    async with database.sessionmaker() as session:
        assert (await session.get(Agreement, agreement.id)).status != "active"


async def test_two_runs_never_overlap(settings, database):
    """Issue 20 item 6: while one run holds the lock (PostgreSQL advisory lock, or a flock beside SQLite),
    another stops at once without running a step; once released, the next run proceeds."""
    import pytest

    from coordination.task_runs import TaskRun, TasksAlreadyRunning, run_lock

    async with run_lock(database.engine, settings.var_dir / "tasks.lock"):
        with pytest.raises(TasksAlreadyRunning):
            await run_daily(settings)
        async with database.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(TaskRun)) == 0
    results = await run_daily(settings)
    assert all(ok for _, _, ok in results), results
    async with database.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(TaskRun)) == len(results)
