"""Read-only statements run at the same time on separate PostgreSQL connections that see one snapshot.

A PostgreSQL statement runs on one core (parallel workers cover scans and some joins, not window functions,
grouping sets or the scans of a ``WITH`` query read twice). A heavy read made of independent parts, such as
the cadastre's evaluation, can instead send each part on its own connection. The answers stay consistent:
the first connection exports its snapshot (``pg_export_snapshot``) and the others import it (``SET
TRANSACTION SNAPSHOT``) before anything else, so every part sees the database exactly as the first did, as
if they were one statement.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Executable

SNAPSHOT_ID = re.compile(r"^[0-9A-F]+(-[0-9A-F]+)+$")


async def run_concurrently(
    engine: AsyncEngine, statements: Sequence[Executable], settings: Mapping[str, str] | None = None
) -> list[list[RowMapping]]:
    """Each statement's rows, in order. ``settings`` are applied with ``SET LOCAL`` on every connection;
    the transactions are read-only and rolled back at the end."""
    if engine.dialect.name != "postgresql":
        raise ValueError("run_concurrently needs PostgreSQL (exported snapshots)")
    async with AsyncExitStack() as stack:
        connections: list[AsyncConnection] = []
        for _ in statements:
            connection = await stack.enter_async_context(engine.connect())
            await connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            connections.append(connection)
        first, *others = connections
        snapshot = (await first.execute(text("SELECT pg_export_snapshot()"))).scalar_one()
        if not SNAPSHOT_ID.match(snapshot):  # it is written into the next statement: only the expected form
            raise RuntimeError(f"unexpected snapshot identifier {snapshot!r}")
        for connection in others:
            await connection.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
        for connection in connections:
            for name, value in (settings or {}).items():
                await connection.execute(text(f"SET LOCAL {name} = '{value}'"))
        # every part runs to its end before the connections close, even when another one failed
        results: list[Any] = await asyncio.gather(
            *(_rows(c, s) for c, s in zip(connections, statements, strict=True)), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return results


async def _rows(connection: AsyncConnection, statement: Executable) -> list[RowMapping]:
    return list((await connection.execute(statement)).mappings())
