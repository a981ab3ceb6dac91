"""Answers built from a row: the attributes whose names match the answer's fields, plus what is computed.

Writing ``XOut(id=row.id, title=row.title, ...)`` field by field for every answer repeats the answer's
field list in each presenter; :func:`from_row` reads the fields the answer declares from the row (a
table row, a result row or a dataclass) and takes the computed ones from the caller, and msgspec checks
every field: one the row lacks and the caller forgot fails loudly instead of shipping a wrong answer.
Only the answer's fields are read, so an unloaded column is never touched.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import msgspec

T = TypeVar("T")


def _field_names(shape: type) -> tuple[str, ...]:
    if dataclasses.is_dataclass(shape):
        return tuple(f.name for f in dataclasses.fields(shape))
    return shape.__struct_fields__  # type: ignore[attr-defined]


def from_row(row: object, shape: type[T], **extra: Any) -> T:
    """``shape`` (a msgspec Struct or a dataclass) from ``row``'s attributes of the same names; ``extra``
    gives the computed fields and overrides an attribute shown otherwise. (``msgspec.convert(row, shape,
    from_attributes=True)`` alone reads a SQLAlchemy result row as a sequence, and takes no extras.)"""
    fields = _field_names(shape)
    values = {name: getattr(row, name) for name in fields if name not in extra and hasattr(row, name)}
    return msgspec.convert({**values, **extra}, shape)
