"""The declarative base every table derives from.

UUIDv7 keys sort by creation time (good index locality, no counter to coordinate between workers);
timestamps are stored UTC-aware. A naming convention keeps constraint names identical on SQLite and
PostgreSQL so migrations can alter them by name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import MetaData, text
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from uuid_utils.compat import uuid7

from coordination import clock
from coordination.db.types import GUID, DateTimeUTC

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The process clock's instant (:func:`coordination.clock.now`): row times follow a moved clock too."""
    return clock.now()


def new_id() -> UUID:
    return uuid7()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {UUID: GUID, datetime: DateTimeUTC(timezone=True)}


class Entity(Base):
    """A table with a UUIDv7 key and creation/update times."""

    __abstract__ = True

    id: Mapped[UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTimeUTC(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )


class VersionedEntity(Entity):
    """A mutable resource guarded by ETag/If-Match.

    SQLAlchemy bumps ``version`` on every UPDATE and adds ``WHERE version = <read>``, so of two
    concurrent writers one gets ``StaleDataError`` (answered 412), never a silent lost update.
    """

    __abstract__ = True

    version: Mapped[int] = mapped_column(nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


def while_open(column: str = "ended_at") -> dict[str, Any]:
    """An ``Index``'s keywords that keep only the rows still open (``<column> IS NULL``): the same partial
    index on SQLite and PostgreSQL (one active referent, one current mandate of a kind)."""
    where = text(f"{column} IS NULL")
    return {"sqlite_where": where, "postgresql_where": where}
