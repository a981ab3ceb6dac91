"""Time as the law counts it: instants are UTC, days are Europe/Brussels days.

One place for the time zone, so that "today" means the same thing in the gate, the referral deadlines and
the pages (a day computed in UTC is yesterday's between 23:00 and 00:00 in Brussels).

One place for the time itself, too: every instant the code uses comes from :func:`now`, which asks the
process's clock. In production it is the system clock. Tests (and anyone checking how the service
behaves at a given hour) move it: ``COORDINATION_CLOCK_AT=2026-12-06T23:30:00+00:00`` starts the clock at
that instant and lets it run, in the test process and in every server it starts (they inherit the
variable); :func:`use` installs any clock in-process. So "the suite passes at any hour" is something one
can run, not something one waits for (``make test-clock``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")
CLOCK_ENV = "COORDINATION_CLOCK_AT"
OFFSET_ENV = "COORDINATION_CLOCK_OFFSET"
"""Set by the first process that reads :data:`CLOCK_ENV` (seconds between the moved clock and the
system's), so that the processes it starts share ITS clock instead of each starting at the instant anew
(a consent given by one server would otherwise be in the future for another started a second later)."""
ENV_VARS = (CLOCK_ENV, OFFSET_ENV)
"""What a test passes on to the servers it starts, when it hands them no other COORDINATION_ variable."""


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The machine's time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """Starts at ``start`` and runs at the real pace: instants keep their order and durations (a token's
    lifetime, a journal's sequence) while the calendar is the one being tested."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock's start must carry its time zone")
        self.offset = start - datetime.now(UTC)

    @classmethod
    def by(cls, offset: timedelta) -> ShiftedClock:
        return cls(datetime.now(UTC) + offset)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class FixedClock:
    """Always the same instant (a unit test that needs an exact value); :meth:`advance` moves it."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("the clock's instant must carry its time zone")
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


def _from_environment() -> Clock:
    value = os.environ.get(CLOCK_ENV, "").strip()
    if not value:
        return SystemClock()
    shared = os.environ.get(OFFSET_ENV, "").strip()
    if shared:  # started by a process whose clock was moved: run on the same clock
        return ShiftedClock.by(timedelta(seconds=float(shared)))
    try:
        clock = ShiftedClock(datetime.fromisoformat(value))
    except ValueError as exc:
        raise RuntimeError(f"{CLOCK_ENV} must be an ISO instant with its offset, got {value!r}") from exc
    os.environ[OFFSET_ENV] = repr(clock.offset.total_seconds())
    return clock


_clock: Clock = _from_environment()


def current() -> Clock:
    return _clock


def use(clock: Clock) -> Clock:
    """Install ``clock`` for the whole process; returns the previous one (to put it back)."""
    global _clock
    previous, _clock = _clock, clock
    return previous


@contextmanager
def using(clock: Clock) -> Iterator[Clock]:
    previous = use(clock)
    try:
        yield clock
    finally:
        use(previous)


def moved() -> bool:
    """Whether the process runs on another clock than the system's (refused in production)."""
    return not isinstance(_clock, SystemClock)


def now() -> datetime:
    return _clock.now()


def brussels_day(at: datetime) -> date:
    """The Brussels calendar day of the instant ``at`` (aware)."""
    return at.astimezone(BRUSSELS).date()


def today() -> date:
    return brussels_day(now())
