"""Column types that behave the same on SQLite and PostgreSQL."""

from advanced_alchemy.types import GUID, DateTimeUTC, JsonB

JSON = JsonB
"""JSONB on PostgreSQL, JSON text on SQLite."""

__all__ = ["GUID", "JSON", "DateTimeUTC"]
