"""SQL functions of the evaluation: date arithmetic that gives the same answer on SQLite and PostgreSQL,
and the share of the people a PostgreSQL statement computes."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Date, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def _per_dialect(function: type[FunctionElement], **sql: Callable[..., str]) -> None:
    """Register the function's SQL text for each dialect (``postgresql=…, sqlite=…``): each is given the
    element (for its parameters) and its arguments, already compiled."""
    for dialect, text in sql.items():

        def compile_for(element, compiler, _text=text, **kw) -> str:
            return _text(element, *(compiler.process(clause, **kw) for clause in element.clauses))

        compiles(function, dialect)(compile_for)


class _WithNumber(FunctionElement):
    """A function of one SQL argument and a whole number ``n`` written into the statement."""

    inherit_cache = True

    def __init__(self, argument, n: int) -> None:
        self.n = int(n)
        super().__init__(argument)


class add_months(_WithNumber):
    """``day + n months``, clamped to the end of a shorter month (31 Aug + 6 months = 28/29 Feb)."""

    type = Date()
    inherit_cache = True
    name = "add_months"


_per_dialect(
    add_months,
    postgresql=lambda element, d: f"(({d}) + INTERVAL '{element.n} months')::date",
    # SQLite's '+N months' overflows into the next month (31 Aug + 6 = 3 Mar): clamp to the month's last day.
    sqlite=lambda element, d: (
        f"min(date({d}, '+{element.n} months'), date({d}, 'start of month', '+{element.n + 1} months', '-1 day'))"
    ),
)


class person_part(_WithNumber):
    """PostgreSQL: which of ``n`` shares a person falls in, from the last byte of their (random) id.

    Every figure is a sum over people and their own steps (an exit, a repeat, a progression never looks at
    another person), so the evaluation can be cut into disjoint shares of people, each computed by its own
    statement on its own connection, and the rows added up: exactly the same figures, people counts
    included, in about 1/n of the time on n cores."""

    type = Integer()
    inherit_cache = True
    name = "person_part"


_per_dialect(person_part, postgresql=lambda element, pid: f"(get_byte(uuid_send({pid}), 15) % {element.n})")


class days_between(FunctionElement):
    """Whole days from ``start`` to ``end``."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


_per_dialect(
    days_between,
    postgresql=lambda _, start, end: f"(({end}) - ({start}))",
    sqlite=lambda _, start, end: f"CAST(julianday({end}) - julianday({start}) AS INTEGER)",
)


class quarter_key(FunctionElement):
    """``year * 10 + quarter`` (20253 = third quarter of 2025)."""

    type = Integer()
    inherit_cache = True
    name = "quarter_key"


_per_dialect(
    quarter_key,
    # date_part (double precision), not EXTRACT (numeric since PostgreSQL 14): computed for every cohort step
    postgresql=lambda _, d: (
        f"(CAST(date_part('year', {d}) AS INTEGER) * 10 + CAST(date_part('quarter', {d}) AS INTEGER))"
    ),
    sqlite=lambda _, d: (
        f"(CAST(strftime('%Y', {d}) AS INTEGER) * 10 + (CAST(strftime('%m', {d}) AS INTEGER) + 2) / 3)"
    ),
)
