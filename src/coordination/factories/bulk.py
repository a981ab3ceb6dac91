"""Factories as plain row dicts, for the bench loaders' bulk inserts (up to a million rows).

Building an ORM object through polyfactory costs tens of microseconds; a million of them would make the
loader the slowest part of a benchmark. :func:`rows` builds ONE row through the factory (so the defaults,
the required columns and their values are the factory's), then copies it ``count`` times with a fresh
UUIDv7 ``id`` and the values that vary per row. The dicts suit ``session.execute(insert(Model), rows)``
and asyncpg's ``copy_records_to_table`` alike (:func:`copy`).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import inspect

from coordination.db.base import new_id, utcnow
from coordination.factories.base import ModelFactory


def template(factory: type[ModelFactory], **fixed: Any) -> dict[str, Any]:
    """Every column of one row built by ``factory`` with ``fixed``, model defaults applied (``None`` for
    a nullable column without one, the column's default for the others: created/updated now, version 1)."""
    built = factory.build(**fixed)
    values = {}
    now = utcnow()
    for column in inspect(factory.__model__).columns:
        value = getattr(built, column.key, None)
        if value is None and column.default is not None:
            value = now if column.key in ("created_at", "updated_at") else _default(column)
        values[column.key] = value
    return values


def _default(column) -> Any:
    default = column.default
    if default.is_scalar:
        return default.arg
    if default.is_callable:
        return default.arg(None)
    return None


def rows(
    factory: type[ModelFactory],
    count: int,
    vary: Callable[[int], dict[str, Any]] | None = None,
    **fixed: Any,
) -> Iterator[dict[str, Any]]:
    """``count`` rows like the factory's, each with its own ``id`` and ``vary(i)``'s values."""
    base = template(factory, **fixed)
    for i in range(count):
        row = dict(base)
        row["id"] = new_id()
        if vary is not None:
            row.update(vary(i))
        yield row


def _for_copy(value: Any) -> Any:
    """What asyncpg's binary COPY takes: an enum's value, JSON columns as their text."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


async def copy(
    conn, factory: type[ModelFactory], dicts: Iterable[dict[str, Any]], batch: int = 100_000
) -> int:
    """COPY the rows (from :func:`rows`) into the factory's table through an asyncpg connection, in
    batches so a million rows never sit in memory as tuples at once. Returns the number of rows."""
    table = inspect(factory.__model__).local_table.name
    columns = factory.columns()
    done, pending = 0, []
    for row in dicts:
        pending.append(tuple(_for_copy(row.get(c)) for c in columns))
        if len(pending) >= batch:
            await conn.copy_records_to_table(table, columns=columns, records=pending)
            done, pending = done + len(pending), []
    if pending:
        await conn.copy_records_to_table(table, columns=columns, records=pending)
    return done + len(pending)


_copy_templates: dict[type, dict[str, Any]] = {}


def copy_template(factory: type[ModelFactory]) -> dict[str, Any]:
    """:func:`template` once per factory, in the form COPY takes (enum values, JSON as text), for loaders
    that build their own row dicts and only need the factory's values for the columns they leave out."""
    if factory not in _copy_templates:
        _copy_templates[factory] = {k: _for_copy(v) for k, v in template(factory).items()}
    return _copy_templates[factory]


def complete(factory: type[ModelFactory], row: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """Fill the columns a loader's own row leaves out with the factory's values (COPY form): a fresh
    ``id``, ``created_at``/``updated_at`` at ``now``, the rest from :func:`copy_template`."""
    row.setdefault("id", new_id())
    for column, value in copy_template(factory).items():
        if column in ("created_at", "updated_at"):
            row.setdefault(column, now or utcnow())
        elif column not in row and value is not None:
            row[column] = value
    return row
