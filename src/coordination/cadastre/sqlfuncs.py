"""Date arithmetic that gives the same answer on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Date, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class add_months(FunctionElement):
    """``day + n months``, clamped to the end of a shorter month (31 Aug + 6 months = 28/29 Feb)."""

    type = Date()
    inherit_cache = True
    name = "add_months"

    def __init__(self, day, months: int) -> None:
        self.months = int(months)
        super().__init__(day)


@compiles(add_months, "postgresql")
def _add_months_pg(element, compiler, **kw):
    (day,) = list(element.clauses)
    return f"(({compiler.process(day, **kw)}) + INTERVAL '{element.months} months')::date"


@compiles(add_months, "sqlite")
def _add_months_sqlite(element, compiler, **kw):
    (day,) = list(element.clauses)
    d = compiler.process(day, **kw)
    n = element.months
    # SQLite's '+N months' overflows into the next month (31 Aug + 6 = 3 Mar): clamp to the month's last day.
    return f"min(date({d}, '+{n} months'), date({d}, 'start of month', '+{n + 1} months', '-1 day'))"


class days_between(FunctionElement):
    """Whole days from ``start`` to ``end``."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "postgresql")
def _days_pg(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"(({compiler.process(end, **kw)}) - ({compiler.process(start, **kw)}))"


@compiles(days_between, "sqlite")
def _days_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"CAST(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}) AS INTEGER)"


class quarter_key(FunctionElement):
    """``year * 10 + quarter`` (20253 = third quarter of 2025)."""

    type = Integer()
    inherit_cache = True
    name = "quarter_key"


@compiles(quarter_key, "postgresql")
def _quarter_pg(element, compiler, **kw):
    (day,) = list(element.clauses)
    d = compiler.process(day, **kw)
    # date_part (double precision), not EXTRACT (numeric since PostgreSQL 14): computed for every cohort step
    return f"(CAST(date_part('year', {d}) AS INTEGER) * 10 + CAST(date_part('quarter', {d}) AS INTEGER))"


@compiles(quarter_key, "sqlite")
def _quarter_sqlite(element, compiler, **kw):
    (day,) = list(element.clauses)
    d = compiler.process(day, **kw)
    return f"(CAST(strftime('%Y', {d}) AS INTEGER) * 10 + (CAST(strftime('%m', {d}) AS INTEGER) + 2) / 3)"
