"""Async engine and sessions.

SQLite is the embedded default: it gets WAL mode and foreign keys switched on for every connection, so
the constraints that protect the data (one active referent, no orphan rows) hold there as on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from types import AsyncGeneratorType
from typing import Literal

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry, NullPool, Pool
from sqlalchemy.util import greenlet_spawn

Pooling = bool | Literal["per-loop"]
"""``True``: one pool (the service); ``False``: a connection per use; ``"per-loop"``: a pool per event
loop (the tests, see :class:`PerLoopPool`)."""


class PerLoopPool(Pool):
    """A pool of connections for each event loop that uses the engine, for the tests.

    A test client runs the app in its own event loop (a thread of its own) while the test reads and writes
    in another, and an asyncpg or aiosqlite connection belongs to the loop that opened it. Without a pool a
    request opened two connections (authentication, then its session): a PostgreSQL connection is a new
    server process, a password exchange and the driver's type set-up; a SQLite one a new thread and file.
    Here each loop keeps its own connections for as long as it runs, and closes them before it ends (its
    shut-down closes asynchronous generators: :func:`_close_with_loop` is one). There is no limit, as
    without a pool: a test of a hundred concurrent requests still gets a hundred connections."""

    _is_asyncio = True
    KEPT = 4
    """Connections a loop keeps between uses; more are opened when needed and closed when given back."""

    def __init__(self, creator, **kw) -> None:
        super().__init__(creator, **kw)
        self._by_loop: dict[
            asyncio.AbstractEventLoop, tuple[AsyncAdaptedQueuePool, AsyncGeneratorType[None, None]]
        ] = {}

    def _loop_pool(self) -> AsyncAdaptedQueuePool:
        loop = asyncio.get_running_loop()
        found = self._by_loop.get(loop)
        if found is not None:
            return found[0]
        for gone in [other for other in self._by_loop if other.is_closed()]:
            _, closer = self._by_loop.pop(gone)  # closed with their loop
            if closer.ag_frame is not None:  # a loop closed without closing its generators: keep it as is
                _NEVER_CLOSED.append(closer)  # (collected, it would ask its closed loop to close it)
        pool = AsyncAdaptedQueuePool(self._creator, pool_size=self.KEPT, max_overflow=-1, **self._settings())
        closer = _close_with_loop(pool)
        _start(closer)
        self._by_loop[loop] = (pool, closer)
        return pool

    def _settings(self) -> dict:
        """This pool's own settings, for the loops' pools and for :meth:`recreate`."""
        return {
            "recycle": self._recycle,
            "echo": self.echo,
            "logging_name": self._orig_logging_name,
            "reset_on_return": self._reset_on_return,
            "pre_ping": self._pre_ping,
            "_dispatch": self.dispatch,
            "dialect": self._dialect,
        }

    def _do_get(self) -> ConnectionPoolEntry:
        return self._loop_pool()._do_get()

    def _do_return_conn(self, record: ConnectionPoolEntry) -> None:  # pragma: no cover - never called
        raise AssertionError("a connection goes back to its loop's pool")

    def status(self) -> str:
        return f"PerLoopPool, {len(self._by_loop)} loop(s)"

    def recreate(self) -> PerLoopPool:
        """After :meth:`dispose` (``engine.dispose()``): the other loops' connections move to the new pool,
        which they are still checked out from or given back to."""
        fresh = self.__class__(self._creator, **self._settings())
        fresh._by_loop = self._by_loop
        return fresh

    def dispose(self) -> None:
        """Close the connections of the running loop; those of other loops are closed by their loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        found = self._by_loop.pop(loop, None) if loop is not None else None
        if found is not None:
            found[0].dispose()


_NEVER_CLOSED: list = []


def _start(closer) -> None:
    """Run ``closer`` to its ``yield``, which registers it with the running loop (asyncio's first-iteration
    hook): the loop closes it, and so the pool, when it shuts down."""
    with contextlib.suppress(StopIteration):
        closer.__anext__().send(None)


async def _close_with_loop(pool: AsyncAdaptedQueuePool):
    try:
        yield
    finally:
        await greenlet_spawn(pool.dispose)


def create_engine(
    url: str, *, echo: bool = False, pooled: Pooling = True, pool_size: int = 5, max_overflow: int = 5
) -> AsyncEngine:
    """``hide_parameters``: a database error's message (logged, sometimes shown in a traceback) would
    otherwise carry the statement's parameters: names, addresses, NISS hashes."""
    extra: dict = {"hide_parameters": True}
    if pooled == "per-loop":
        extra["poolclass"] = PerLoopPool
    elif not pooled:
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
    if pooled is not True:
        return create_async_engine(url, echo=echo, **extra)
    return create_async_engine(
        url, echo=echo, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow, **extra
    )


class Database:
    """The engine and its session factory, created once per process at start-up."""

    def __init__(
        self,
        url: str,
        *,
        pooled: Pooling = True,
        pool_size: int = 5,
        max_overflow: int = 5,
        engine: AsyncEngine | None = None,
    ) -> None:
        """``pooled=False`` opens a connection per use, ``pooled="per-loop"`` keeps connections for each
        event loop (:class:`PerLoopPool`): for tests, whose client runs the app in another event loop than
        the test's own, and asyncpg connections cannot cross loops. ``engine``: one made by
        :func:`create_engine` for ``url`` and shared (the tests' databases of one worker share one, and
        with it SQLAlchemy's cache of compiled statements, which is the engine's)."""
        self.url = url
        self.engine = engine or create_engine(
            url, pooled=pooled, pool_size=pool_size, max_overflow=max_overflow
        )
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
