"""One French date format, in Europe/Brussels, for pages and PDFs (issue 17)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from coordination.formatting import FILTERS, date_fr, day_fr, euro_fr, hours_fr, period_fr
from coordination.web.render import environment


def test_an_instant_is_shown_in_brussels_in_words():
    # 23:10 UTC on 5 December is ten past midnight on 6 December in Brussels (UTC+1 in winter)
    assert date_fr(datetime(2026, 12, 5, 23, 10, tzinfo=UTC)) == "6 décembre 2026 à 00:10"
    assert day_fr(datetime(2026, 12, 5, 23, 10, tzinfo=UTC)) == "6 décembre 2026"
    # summer time: UTC+2
    assert date_fr(datetime(2026, 7, 1, 6, 5, tzinfo=UTC)) == "1 juillet 2026 à 08:05"
    # another zone is converted, a naive datetime is a stored UTC one
    assert (
        date_fr(datetime(2026, 12, 6, 1, 10, tzinfo=timezone(timedelta(hours=1))))
        == "6 décembre 2026 à 01:10"
    )
    assert date_fr(datetime(2026, 12, 5, 23, 10)) == "6 décembre 2026 à 00:10"  # noqa: DTZ001 - on purpose


def test_days_and_iso_strings():
    assert date_fr(date(2026, 2, 3)) == "3 février 2026"
    assert date_fr("2026-08-15") == "15 août 2026"
    assert date_fr("2026-12-05T23:10:00+00:00") == "6 décembre 2026 à 00:10"
    assert date_fr("2026-12-05T23:10:00Z") == "6 décembre 2026 à 00:10"
    assert day_fr("2026-12-05T23:10:00+00:00") == "6 décembre 2026"
    assert date_fr(None) == day_fr("") == "—"
    assert date_fr("pas une date") == "pas une date"


def test_periods_hours_and_amounts():
    assert period_fr(date(2026, 12, 7), date(2026, 12, 13)) == "du 7 décembre 2026 au 13 décembre 2026"
    assert period_fr(date(2026, 12, 7), date(2026, 12, 7)) == "le 7 décembre 2026"
    assert hours_fr(7.0) == "7\u00a0h" and hours_fr(7.5) == "7,5\u00a0h" and hours_fr(38.25) == "38,25\u00a0h"
    assert euro_fr(2111.89) == "2\u202f111,89\u00a0€"


def test_the_pages_use_the_same_filters():
    env = environment()
    for name, function in FILTERS.items():
        assert env.filters[name] is function, name
    rendered = env.from_string("{{ when | date_fr }} / {{ when | day_fr }}").render(
        when=datetime(2026, 12, 5, 23, 10, tzinfo=UTC)
    )
    assert rendered == "6 décembre 2026 à 00:10 / 6 décembre 2026"
