"""Async engine and sessions.

SQLite is the embedded default: it gets WAL mode and foreign keys switched on for every connection, so
the constraints that protect the data (one active referent, no orphan rows) hold there as on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool


def create_engine(
    url: str, *, echo: bool = False, pooled: bool = True, pool_size: int = 5, max_overflow: int = 5
) -> AsyncEngine:
    """``hide_parameters``: a database error's message (logged, sometimes shown in a traceback) would
    otherwise carry the statement's parameters: names, addresses, NISS hashes."""
    extra: dict = {"hide_parameters": True}
    if not pooled:
        extra["poolclass"] = NullPool
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, **extra)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - exercised by every sqlite test
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    # No JIT: the app's statements are short, and PostgreSQL compiled a bulk assignment's list for 2.7 s
    # before running it for 2 s (its cost estimate crossed ``jit_above_cost``).
    extra["connect_args"] = {"server_settings": {"jit": "off"}}
    if not pooled:
        return create_async_engine(url, echo=echo, **extra)
    return create_async_engine(
        url, echo=echo, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow, **extra
    )


class Database:
    """The engine and its session factory, created once per process at start-up."""

    def __init__(self, url: str, *, pooled: bool = True, pool_size: int = 5, max_overflow: int = 5) -> None:
        """``pooled=False`` opens a connection per use: for tests, whose client runs the app in another
        event loop than the test's own, and asyncpg connections cannot cross loops."""
        self.url = url
        self.engine = create_engine(url, pooled=pooled, pool_size=pool_size, max_overflow=max_overflow)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, class_=AsyncSession)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


_KEEP_ON_FAILURE = "coordination.keep_on_failure"


def keep_on_failure(session: AsyncSession) -> None:
    """Ask the request's session to commit even though the request is about to fail.

    For the access gate only: a refusal raises (403), and the refusal's journal rows must still be
    written, or a person could not see who tried to read her file. The gate asks before any write of the
    request (every handler checks access first), so what gets committed is the journal."""
    session.info[_KEEP_ON_FAILURE] = True


def kept_on_failure(session: AsyncSession) -> bool:
    return bool(session.info.pop(_KEEP_ON_FAILURE, False))
