"""Factories as plain row dicts, for the bench loaders' bulk inserts (up to a million rows).

Building an ORM object through polyfactory costs tens of microseconds; a million of them would make the
loader the slowest part of a benchmark. :func:`rows` builds ONE row through the factory (so the defaults,
the required columns and their values are the factory's), then copies it ``count`` times with a fresh
UUIDv7 ``id`` and the values that vary per row. The dicts suit ``session.execute(insert(Model), rows)``
and asyncpg's ``copy_records_to_table`` alike (:func:`records`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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


def records(dicts: Iterator[dict[str, Any]], columns: list[str]) -> Iterator[tuple[Any, ...]]:
    """The rows as tuples in ``columns`` order (asyncpg's ``copy_records_to_table``)."""
    for row in dicts:
        yield tuple(row[c] for c in columns)
