"""``coordination tasks``: every daily step runs on both databases, each in its own transaction."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from coordination.cadastre.models import Agreement
from coordination.clock import today as today_brussels
from coordination.demo import load_demo_data
from coordination.tasks import run_daily


async def _demo_with_an_expired_agreement(settings, database) -> Agreement:
    """The demo data, one of its active agreements ended yesterday (Brussels): work for the daily run."""
    await load_demo_data(settings)
    async with database.sessionmaker() as session:
        agreement = (
            await session.scalars(select(Agreement).where(Agreement.status == "active").limit(1))
        ).one()
        agreement.start_date = today_brussels() - timedelta(days=400)
        agreement.end_date = today_brussels() - timedelta(days=1)
        await session.commit()
    return agreement


async def test_daily_tasks_run_and_close_what_is_due(settings, database):
    agreement = await _demo_with_an_expired_agreement(settings, database)
    results = await run_daily(settings)
    assert [name for name, _, _ in results] == [
        "consentements",
        "premiers contacts",
        "orientations",
        "conventions",
        "conservation",
        "documents",
        "heures des contrats",
        "événements",
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


def test_the_compose_scheduler_runs_at_the_next_brussels_time():
    from datetime import UTC, date, datetime, time

    from coordination.tasks import next_run, parse_daily_at

    at = parse_daily_at("02:30")
    # Winter (UTC+1): 01:30 UTC is 02:30 in Brussels.
    assert next_run(datetime(2026, 12, 6, 0, 10, tzinfo=UTC), at) == datetime(2026, 12, 6, 1, 30, tzinfo=UTC)
    assert next_run(datetime(2026, 12, 6, 1, 30, tzinfo=UTC), at) == datetime(2026, 12, 7, 1, 30, tzinfo=UTC)
    # Summer (UTC+2), and across the spring change (29 March 2026: 02:30 does not exist that night).
    assert next_run(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), at) == datetime(2026, 7, 2, 0, 30, tzinfo=UTC)
    assert next_run(datetime(2026, 3, 28, 23, 0, tzinfo=UTC), at).date() == date(2026, 3, 29)
    assert next_run(datetime(2026, 3, 28, 23, 0, tzinfo=UTC), at) > datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert parse_daily_at("7:05") == time(7, 5)
    import pytest

    with pytest.raises(ValueError, match="HH:MM"):
        parse_daily_at("demain")


async def test_only_one_step_runs_with_only(settings, database):
    """The task registry: ``coordination tasks --only agreements`` closes the expired agreement and runs,
    and records, no other step."""
    from coordination.task_runs import TaskRun
    from coordination.tasks import STEPS, select_steps

    agreement = await _demo_with_an_expired_agreement(settings, database)
    results = await run_daily(settings, only=select_steps(["agreements"]))
    assert [name for name, _, ok in results if ok] == ["conventions"]
    async with database.sessionmaker() as session:
        assert (await session.get(Agreement, agreement.id)).status != "active"
        assert (await session.scalars(select(TaskRun.step))).all() == ["conventions"]
    assert select_steps(None) is None
    assert len(STEPS) == len(set(STEPS.values())) == 8


def test_an_unknown_step_is_refused_in_french_before_anything_runs():
    import pytest

    from coordination.tasks import select_steps

    with pytest.raises(ValueError, match="étape inconnue : cadastre"):
        select_steps(["agreements", "cadastre"])
