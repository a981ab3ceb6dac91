"""Orientation: the accompaniment track and its deadlines, as pure functions over rule files.

Two data files in ``policies/`` hold the rules (never code): ``orientation_matrix.toml`` (score band ×
digital autonomy → track) and ``referent_rules.toml`` (first-contact deadlines, the digital track's
automatic move to e-conseil, who counts as young). Dates are calendar dates in Europe/Brussels; a UTC
instant is first converted to the Brussels date it falls on.
"""

from __future__ import annotations

import calendar
import enum
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

MATRIX_FILE = "orientation_matrix.toml"
RULES_FILE = "referent_rules.toml"


class Track(enum.StrEnum):
    DIGITAL = "digital"
    E_ADVISER = "e_adviser"
    SECTORAL = "sectoral"
    SOCIO_PROFESSIONAL = "socio_professional"


TRACK_LABELS_FR = {
    Track.DIGITAL: "Digital",
    Track.E_ADVISER: "Digital RH (e-conseil)",
    Track.SECTORAL: "Sectoriel",
    Track.SOCIO_PROFESSIONAL: "Socio-professionnel",
}


class RuleFileError(ValueError):
    """A rule file is malformed; the message says where, in French, for the operator."""


class ScoreOutOfRange(ValueError):
    def __init__(self, score: object, low: int, high: int) -> None:
        self.score, self.low, self.high = score, low, high
        super().__init__(
            f"Le score de proximité à l'emploi doit être un entier de {low} à {high} (reçu : {score})."
        )


@dataclass(frozen=True)
class OrientationMatrix:
    version: str
    score_min: int
    score_max: int
    cells: dict[bool, tuple[Track, ...]]
    """``cells[digital_autonomy][score - score_min]`` is the track."""
    labels_fr: dict[Track, str] = field(default_factory=lambda: dict(TRACK_LABELS_FR))

    def track_for(self, score: int, digital_autonomy: bool) -> Track:
        if (
            isinstance(score, bool)
            or not isinstance(score, int)
            or not self.score_min <= score <= self.score_max
        ):
            raise ScoreOutOfRange(score, self.score_min, self.score_max)
        return self.cells[bool(digital_autonomy)][score - self.score_min]


def parse_matrix(data: dict) -> OrientationMatrix:
    try:
        version = str(data["version"])
        low, high = int(data.get("score_min", 0)), int(data.get("score_max", 9))
    except (KeyError, TypeError, ValueError) as exc:
        raise RuleFileError(f"Matrice d'orientation : champ manquant ou invalide ({exc}).") from exc
    cells: dict[bool, tuple[Track, ...]] = {}
    for autonomy, key in ((True, "digital_autonomy_yes"), (False, "digital_autonomy_no")):
        row: list[Track | None] = [None] * (high - low + 1)
        for band in data.get(key, []):
            try:
                start, end = (int(x) for x in band["scores"])
                track = Track(band["track"])
            except (KeyError, TypeError, ValueError) as exc:
                raise RuleFileError(f"Matrice d'orientation, ligne {key} : bande invalide {band!r}.") from exc
            for score in range(start, end + 1):
                if not low <= score <= high:
                    raise RuleFileError(
                        f"Matrice d'orientation, ligne {key} : score {score} hors de {low}–{high}."
                    )
                if row[score - low] is not None:
                    raise RuleFileError(
                        f"Matrice d'orientation, ligne {key} : score {score} couvert deux fois."
                    )
                row[score - low] = track
        missing = [low + i for i, t in enumerate(row) if t is None]
        if missing:
            raise RuleFileError(f"Matrice d'orientation, ligne {key} : scores sans parcours {missing}.")
        cells[autonomy] = tuple(t for t in row if t is not None)
    labels = dict(TRACK_LABELS_FR)
    for name, spec in (data.get("tracks") or {}).items():
        if name in Track.__members__.values() and isinstance(spec, dict) and spec.get("label_fr"):
            labels[Track(name)] = str(spec["label_fr"])
    return OrientationMatrix(version=version, score_min=low, score_max=high, cells=cells, labels_fr=labels)


@dataclass(frozen=True)
class ReferentRules:
    version: str
    timezone: str = "Europe/Brussels"
    young_under_age: int = 25
    stale_after_days: int = 60
    first_contact_months: dict[Track, int] = field(default_factory=dict)
    first_contact_months_young: dict[Track, int] = field(default_factory=dict)
    digital_max_months: int = 4
    digital_max_months_young: int = 1
    digital_moves_to: Track = Track.E_ADVISER

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _months(table: dict | None, where: str) -> dict[Track, int]:
    result = {}
    for name, months in (table or {}).items():
        try:
            result[Track(name)] = int(months)
        except ValueError as exc:
            raise RuleFileError(
                f"Règles du référent, {where} : parcours ou durée invalide ({name})."
            ) from exc
    return result


def parse_rules(data: dict) -> ReferentRules:
    digital = data.get("digital") or {}
    try:
        rules = ReferentRules(
            version=str(data["version"]),
            timezone=str(data.get("timezone", "Europe/Brussels")),
            young_under_age=int(data.get("young_under_age", 25)),
            stale_after_days=int(data.get("stale_after_days", 60)),
            first_contact_months=_months(data.get("first_contact_months"), "first_contact_months"),
            first_contact_months_young=_months(
                data.get("first_contact_months_young"), "first_contact_months_young"
            ),
            digital_max_months=int(digital.get("max_months", 4)),
            digital_max_months_young=int(digital.get("max_months_young", 1)),
            digital_moves_to=Track(digital.get("moves_to", "e_adviser")),
        )
        ZoneInfo(rules.timezone)
    except (KeyError, TypeError, ValueError) as exc:
        raise RuleFileError(f"Règles du référent : champ manquant ou invalide ({exc}).") from exc
    return rules


def load_matrix(policies_dir: Path) -> OrientationMatrix:
    with (policies_dir / MATRIX_FILE).open("rb") as fh:
        return parse_matrix(tomllib.load(fh))


def load_rules(policies_dir: Path) -> ReferentRules:
    with (policies_dir / RULES_FILE).open("rb") as fh:
        return parse_rules(tomllib.load(fh))


def add_months(day: date, months: int) -> date:
    """Calendar months; the day is clamped to the target month's length (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def local_date(instant: datetime, rules: ReferentRules) -> date:
    """The Brussels calendar date of an aware instant (a naive one is taken as UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZoneInfo("UTC"))
    return instant.astimezone(rules.zone).date()


def age_on(birth_date: date, on: date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def is_young(birth_date: date | None, registered_on: date | None, rules: ReferentRules) -> bool:
    """Young = strictly under ``young_under_age`` on the registration date; unknown birth date: not young."""
    if birth_date is None or registered_on is None:
        return False
    return age_on(birth_date, registered_on) < rules.young_under_age


def first_contact_due(track: Track, start: date, young: bool, rules: ReferentRules) -> date | None:
    """Last day for the referent's first contact, counted from ``start`` (entry in the track).

    ``None`` when the track has no human contact (digital: see :func:`digital_move_due`).
    """
    table = rules.first_contact_months_young if young else rules.first_contact_months
    months = table.get(track)
    if months is None and young:
        months = rules.first_contact_months.get(track)
    return None if months is None else add_months(start, months)


def digital_move_due(registered_on: date, young: bool, rules: ReferentRules) -> date:
    """Day the digital track ends and the person moves automatically to e-conseil."""
    return add_months(registered_on, rules.digital_max_months_young if young else rules.digital_max_months)


@dataclass(frozen=True)
class Orientation:
    """The outcome shown on the file: computed and chosen track, why they differ, and the next deadline."""

    computed_track: Track
    chosen_track: Track
    override_reason: str | None
    matrix_version: str
    rules_version: str
    young: bool
    start: date
    first_contact_due: date | None
    digital_move_due: date | None

    @property
    def overridden(self) -> bool:
        return self.chosen_track is not self.computed_track


class OverrideWithoutReason(ValueError):
    def __init__(self) -> None:
        super().__init__("Un motif est obligatoire pour choisir un autre parcours que celui calculé.")


@dataclass(frozen=True)
class Situation:
    """What a track is computed from: the person's score and declared digital autonomy, the day she
    enters the track (registration for a first orientation), and what youth is judged on: her birth
    date and her registration day (default: ``start``)."""

    score: int
    digital_autonomy: bool
    start: date
    birth_date: date | None = None
    registered_on: date | None = None


@dataclass(frozen=True)
class Choice:
    """An adviser's choice of track; another than the computed one needs its reason."""

    track: Track
    reason: str | None = None


def orient(
    matrix: OrientationMatrix, rules: ReferentRules, situation: Situation, choice: Choice | None = None
) -> Orientation:
    """Compute the track, apply an adviser's choice (its reason mandatory when it differs) and the
    deadlines."""
    computed = matrix.track_for(situation.score, situation.digital_autonomy)
    chosen = choice.track if choice else computed
    reason = ((choice.reason if choice else None) or "").strip() or None
    if chosen is not computed and reason is None:
        raise OverrideWithoutReason()
    if chosen is computed:
        reason = None
    start = situation.start
    young = is_young(situation.birth_date, situation.registered_on or start, rules)
    return Orientation(
        computed_track=computed,
        chosen_track=chosen,
        override_reason=reason,
        matrix_version=matrix.version,
        rules_version=rules.version,
        young=young,
        start=start,
        first_contact_due=first_contact_due(chosen, start, young, rules),
        digital_move_due=digital_move_due(start, young, rules) if chosen is Track.DIGITAL else None,
    )
