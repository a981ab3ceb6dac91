"""French presentation of dates and numbers, one format for every page and every PDF.

Why one module: the pages (``coordination.web.render``) and the PDF templates (visa certificate, reports)
must show the same « 6 décembre 2026 à 00:10 » in Europe/Brussels, whatever the machine's zone; a second
hand-written ``strftime("%d/%m/%Y")`` is how « 06/12/2026 », « 05/12/2026 23:10 UTC » and ISO strings
ended up side by side. Stored datetimes are UTC (``coordination.db.types.DateTimeUTC``): a naive datetime is
read as UTC, never as the machine's local time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _parsed(value: date | datetime | str) -> date | datetime | str:
    """An ISO string as a date or datetime; anything unreadable is returned unchanged."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        if "T" in text or " " in text[10:11]:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        return date.fromisoformat(text[:10]) if len(text) >= 10 else value
    except ValueError:
        return value


def brussels(value: datetime) -> datetime:
    """The instant in Europe/Brussels (a naive datetime is a stored UTC one)."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(BRUSSELS)


def _day_text(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def date_fr(value: date | datetime | str | None) -> str:
    """« 6 décembre 2026 » for a day, « 6 décembre 2026 à 00:10 » for an instant (in Europe/Brussels);
    « — » when there is nothing; an unreadable string is shown as it is."""
    if value is None or value == "":
        return "—"
    value = _parsed(value)
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        local = brussels(value)
        return f"{_day_text(local.date())} à {local:%H:%M}"
    return _day_text(value)


def day_fr(value: date | datetime | str | None) -> str:
    """Only the day (« 6 décembre 2026 »), even for an instant: the Brussels day of that instant."""
    if value is None or value == "":
        return "—"
    value = _parsed(value)
    if isinstance(value, datetime):
        return _day_text(brussels(value).date())
    return date_fr(value)


def period_fr(start: date | datetime | str | None, end: date | datetime | str | None) -> str:
    """« du 1 mars 2026 au 7 mars 2026 », or the one day when both are the same."""
    first, last = day_fr(start), day_fr(end)
    if last in ("—", first):
        return f"le {first}"
    return f"du {first} au {last}"


def number_fr(value: float | int | None, digits: int = 0) -> str:
    """« 1 234,5 » (a narrow no-break space between thousands, a decimal comma)."""
    if value is None:
        return "—"
    return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def hours_fr(value: float | int | None) -> str:
    """« 7 h », « 7,5 h », « 38,25 h »: hours without needless decimals."""
    if value is None:
        return "—"
    text = number_fr(value, 2)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text + "\u00a0h"


def percent_fr(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else number_fr(value * 100, digits) + "\u00a0%"


def euro_fr(value: float | int | None, digits: int = 2) -> str:
    """« 2 111,89 € »."""
    return "—" if value is None else number_fr(value, digits) + "\u00a0€"


def yes_no(value: bool | None) -> str:
    return "—" if value is None else ("oui" if value else "non")


FILTERS = {
    "date_fr": date_fr,
    "day_fr": day_fr,
    "period_fr": period_fr,
    "number_fr": number_fr,
    "percent_fr": percent_fr,
    "hours_fr": hours_fr,
    "euro_fr": euro_fr,
    "yes_no": yes_no,
}
"""The Jinja filters of every page and PDF template: ``env.filters.update(FILTERS)``."""
