"""Column types that behave the same on SQLite and PostgreSQL."""

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import JSON as _JSON
from sqlalchemy.dialects.postgresql import JSONB

JSON = _JSON().with_variant(JSONB(), "postgresql")
"""JSONB on PostgreSQL, JSON text on SQLite."""

__all__ = ["GUID", "JSON", "DateTimeUTC"]
