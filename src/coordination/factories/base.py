"""The base of every factory: polyfactory's ``SQLAlchemyFactory`` told to leave the model's own defaults alone.

Out of the box polyfactory invents a value for every column, the nullable ones and those with a default
included (a random ``created_at``, a ``deactivated_at`` that locks the account, a random ``version``). Here a
factory sets only what it declares, what the caller passes, and the required columns without a default;
every other column keeps the model's default (``None``, ``now``, version 1), so a built row is what the
application itself would have written. ``id`` is set at build time (a UUIDv7, as the model would) so that
rows can point at each other before any flush, which is what lets the demo and the benches add a whole world
in one round trip.

Nothing is random unless a factory asks for it: the values below are fixed or come from counters, so the
demo and the tests get the same rows on every run.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any, ClassVar, Generic, TypeVar

from polyfactory import Use
from polyfactory.factories.sqlalchemy_factory import SQLAlchemyFactory
from polyfactory.field_meta import FieldMeta
from sqlalchemy import Column, inspect
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.db.base import Base, new_id

T = TypeVar("T", bound=Base)


def counter(start: int = 1) -> Iterator[int]:
    """A sequence for unique values (subjects, references): deterministic in one process."""
    return itertools.count(start)


class ModelFactory(SQLAlchemyFactory[T], Generic[T]):
    """Build rows of ``__model__``; ``await Factory.add(session, **values)`` adds and flushes one."""

    __is_base_factory__ = True
    __set_relationships__ = False
    __set_foreign_keys__ = False  # a row points at rows the caller made, never at invented ids
    __set_association_proxy__ = False
    __check_model__ = False
    __random_seed__ = 21
    __allow_none_optionals__ = False

    id = Use(new_id)
    _declared: ClassVar[frozenset[str] | None] = None
    _fields_by_factory: ClassVar[dict[type, list[FieldMeta]]] = {}

    @classmethod
    def get_model_fields(cls) -> list[FieldMeta]:
        """The fields to build, worked out once per factory: polyfactory inspects the model's columns and
        their types again on every ``build`` (about half of a row's build time, the demo builds thousands)."""
        found = ModelFactory._fields_by_factory.get(cls)
        if found is None:
            found = ModelFactory._fields_by_factory[cls] = super().get_model_fields()
        return found

    @classmethod
    def should_column_be_set(cls, column: Any) -> bool:
        if not isinstance(column, Column) or not super().should_column_be_set(column):
            return False
        if column.key in cls._declared_names():
            return True
        return not (column.nullable or column.default is not None or column.server_default is not None)

    @classmethod
    def _declared_names(cls) -> frozenset[str]:
        names: set[str] = set()
        for klass in cls.__mro__:
            if klass is ModelFactory:
                break
            names.update(name for name in vars(klass) if not name.startswith("_"))
        return frozenset(names | {"id"})

    @classmethod
    async def add(cls, session: AsyncSession, **values: Any) -> T:
        """Build one row, add it to the session and flush it (ids and defaults set); never commits."""
        row = cls.build(**values)
        session.add(row)
        await session.flush()
        return row

    @classmethod
    async def add_many(cls, session: AsyncSession, rows: list[dict[str, Any]]) -> list[T]:
        """One row per dict of values, added and flushed together."""
        built = [cls.build(**values) for values in rows]
        session.add_all(built)
        await session.flush()
        return built

    @classmethod
    def columns(cls) -> list[str]:
        """The model's column keys (for the bulk rows of :mod:`coordination.factories.bulk`)."""
        return [c.key for c in inspect(cls.__model__).columns]


async def add_all(session: AsyncSession, rows: list[Any]) -> None:
    """Add rows of any tables and flush them parents first (the metadata's foreign-key order).

    The unit of work orders inserts by the mappers' relationships, and most of our foreign keys have none:
    a step and its assessments added together may reach the database in the wrong order. One flush per
    table, in ``Base.metadata.sorted_tables`` order, is what the database's constraints ask for.
    """
    rank = {table: i for i, table in enumerate(Base.metadata.sorted_tables)}
    by_table: dict[int, list[Any]] = {}
    for row in rows:
        by_table.setdefault(rank[inspect(row).mapper.local_table], []).append(row)
    for _, group in sorted(by_table.items()):
        session.add_all(group)
        await session.flush()
