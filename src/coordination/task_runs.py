"""What ``coordination tasks`` leaves behind, and the lock that keeps two runs from overlapping.

Each step of a run writes one ``task_runs`` row (step, start, end, outcome, French summary): the operator
reads the history there, and ``/metrics`` turns the rows into ``coordination_task_runs`` samples (the run
happens in a CronJob's pod, whose own counters no scrape would see).

The lock: two runs at once (a CronJob retried while the previous pod still works, a manual run beside the
scheduled one) would send reminders twice. On PostgreSQL a session-level advisory lock
(``pg_try_advisory_lock``) on a dedicated connection is held for the whole run and released by the server
if the process dies; on SQLite (one machine) an exclusive ``flock`` on a file beside the database does the
same. A second run finds the lock taken and stops at once, saying so.
"""

from __future__ import annotations

import fcntl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import Boolean, String, func, select, text, type_coerce
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from coordination.db.base import Entity
from coordination.db.types import DateTimeUTC

#: Arbitrary 64-bit key of the advisory lock (``coordination tasks`` in ASCII, truncated).
ADVISORY_LOCK_KEY = 0x636F6F7264746173


class TaskRun(Entity):
    """One step of one ``coordination tasks`` run."""

    __tablename__ = "task_runs"

    step: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    started_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), nullable=False)
    finished_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), nullable=False)
    ok: Mapped[bool] = mapped_column(Boolean, nullable=False)
    summary: Mapped[str] = mapped_column(String(300), nullable=False)


class TasksAlreadyRunning(Exception):
    """Another ``coordination tasks`` holds the lock."""


@asynccontextmanager
async def run_lock(engine: AsyncEngine, lock_file: Path) -> AsyncIterator[None]:
    """Hold the run lock for the ``with`` block; raise ``TasksAlreadyRunning`` at once if it is taken."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            got = (
                await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
            ).scalar()
            await conn.commit()
            if not got:
                raise TasksAlreadyRunning()
            try:
                yield
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
                await conn.commit()
        return
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a+b") as handle:  # noqa: ASYNC230 - opening an empty lock file, once per run
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TasksAlreadyRunning() from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


async def run_summary(session: AsyncSession) -> list[tuple[str, bool, int, float | None]]:
    """``(step, ok, count, last finish as a Unix time)`` per step and outcome, for ``/metrics``."""
    rows = (
        await session.execute(
            select(
                TaskRun.step,
                TaskRun.ok,
                func.count(),
                type_coerce(func.max(TaskRun.finished_at), DateTimeUTC(timezone=True)),
            ).group_by(TaskRun.step, TaskRun.ok)
        )
    ).all()
    return [
        (step, bool(ok), int(count), last.timestamp() if last is not None else None)
        for step, ok, count, last in rows
    ]
