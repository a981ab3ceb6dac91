"""Column types that behave the same on SQLite and PostgreSQL.

``GUID`` and ``DateTimeUTC`` were advanced-alchemy's, the only two things the project used from it; they
are kept here (the same storage: native UUID on PostgreSQL, 16 raw bytes elsewhere; timestamps stored in
UTC and read back time-zone aware) so that the dependency, and its pin of SQLAlchemy below 2.1, could go.
Existing databases need no migration: the columns' SQL types are unchanged.
"""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON as _JSON
from sqlalchemy import DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.engine import Dialect
from sqlalchemy.types import BINARY, CHAR, TypeDecorator

JSON = _JSON().with_variant(JSONB(), "postgresql")
"""JSONB on PostgreSQL, JSON text on SQLite."""


class GUID(TypeDecorator[UUID]):
    """A UUID: PostgreSQL's ``uuid``, else ``BINARY(16)`` (or ``CHAR(32)`` hex with ``binary=False``).

    Accepts a ``UUID``, its hex string or its 16 bytes; always gives back a ``UUID``."""

    impl = BINARY(16)
    cache_ok = True

    def __init__(self, *args: Any, binary: bool = True, **kwargs: Any) -> None:
        # ``length=16`` in the migrations written by advanced-alchemy's renderer is accepted and ignored.
        super().__init__()
        self.binary = binary

    @property
    def python_type(self) -> type[UUID]:
        return UUID

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(PG_UUID())
        return dialect.type_descriptor(BINARY(16) if self.binary else CHAR(32))

    def process_bind_param(self, value: bytes | str | UUID | None, dialect: Dialect) -> bytes | str | None:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return str(value)
        uuid = self.to_uuid(value)
        return uuid.bytes if self.binary else uuid.hex

    def process_result_value(self, value: bytes | str | UUID | None, dialect: Dialect) -> UUID | None:
        if value is None:
            return None
        if isinstance(value, UUID):
            return value
        if self.binary and isinstance(value, bytes):
            return UUID(bytes=value)
        return UUID(hex=str(value))

    @staticmethod
    def to_uuid(value: Any) -> UUID:
        if isinstance(value, UUID):
            return value
        try:
            return UUID(hex=value)
        except (TypeError, ValueError):
            return UUID(bytes=value)

    def compare_values(self, x: Any, y: Any) -> bool:
        if isinstance(x, UUID) and isinstance(y, UUID):
            return x.bytes == y.bytes
        return bool(x == y)


class DateTimeUTC(TypeDecorator[datetime.datetime]):
    """A time-zone aware timestamp: stored in UTC, read back aware on every database (SQLite keeps no
    zone). A naive value is refused: legal dates are Brussels dates, and a guess would be silent."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime.datetime]:
        return datetime.datetime

    def process_bind_param(
        self, value: datetime.datetime | None, dialect: Dialect
    ) -> datetime.datetime | None:
        if value is None:
            return None
        if not value.tzinfo:
            raise TypeError("tzinfo is required")
        return value.astimezone(datetime.UTC)

    def process_result_value(
        self, value: datetime.datetime | None, dialect: Dialect
    ) -> datetime.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=datetime.UTC)
        return value


__all__ = ["GUID", "JSON", "DateTimeUTC"]
