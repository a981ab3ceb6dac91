"""The process clock: one source of instants, movable for tests, refused when moved in production."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest

from coordination import clock
from coordination.db.base import utcnow
from coordination.settings import Settings, SettingsError

LATE_EVENING_UTC = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)  # 00:30 on the 7th in Brussels (winter)
SUMMER_NIGHT_UTC = datetime(2026, 7, 4, 22, 30, tzinfo=UTC)  # 00:30 on the 5th in Brussels (summer)


@pytest.mark.parametrize(
    ("at", "brussels"), [(LATE_EVENING_UTC, date(2026, 12, 7)), (SUMMER_NIGHT_UTC, date(2026, 7, 5))]
)
def test_today_is_the_brussels_day_of_the_process_clock(at, brussels):
    with clock.using(clock.FixedClock(at)):
        assert clock.now() == at
        assert clock.today() == brussels
        assert utcnow() == at  # row times follow the same clock


def test_a_shifted_clock_starts_at_the_given_instant_and_keeps_running():
    shifted = clock.ShiftedClock(LATE_EVENING_UTC)
    first = shifted.now()
    assert abs(first - LATE_EVENING_UTC) < timedelta(seconds=5)
    assert shifted.now() >= first


def test_an_instant_without_time_zone_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        clock.ShiftedClock(datetime(2026, 12, 6, 23, 30))  # noqa: DTZ001 - the point of the test


def test_the_environment_moves_the_clock_of_a_new_process():
    code = "from coordination import clock; print(clock.today(), clock.moved())"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"COORDINATION_CLOCK_AT": LATE_EVENING_UTC.isoformat(), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["2026-12-07", "True"]


def test_a_moved_clock_is_refused_in_production(monkeypatch):
    with clock.using(clock.FixedClock(LATE_EVENING_UTC)):
        problems = Settings(env="production")._production_problems()
    assert any("COORDINATION_CLOCK_AT" in p for p in problems)
    with pytest.raises(SettingsError), clock.using(clock.FixedClock(LATE_EVENING_UTC)):
        Settings(env="production").validate()


def test_the_processes_a_moved_process_starts_share_its_clock():
    """Two servers started a few seconds apart must not disagree on the time (a consent given by one
    would be in the future for the other): a child runs on its parent's offset, not from the instant anew."""
    code = (
        "import os; from coordination import clock; "
        "print(os.environ[clock.OFFSET_ENV]); print(clock.now().isoformat())"
    )
    env = {"COORDINATION_CLOCK_AT": LATE_EVENING_UTC.isoformat(), "PATH": ""}
    parent_offset, _ = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    shifted_far = float(parent_offset) - 3600  # as if the parent had started an hour earlier
    child_now = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "COORDINATION_CLOCK_OFFSET": repr(shifted_far)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[1]
    assert abs(datetime.fromisoformat(child_now) - (LATE_EVENING_UTC - timedelta(hours=1))) < timedelta(
        seconds=30
    )
