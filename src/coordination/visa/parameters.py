"""Dated legal parameters, loaded from ``policies/visa/parameters.toml``.

Why data and not constants: minimum wages and thresholds change by indexation several times a year; adding a
value must be a reviewed data change with a test, and every stored checklist must say which rule-set version
it used. A lookup returns the value in force on a date or an explicit :class:`Unknown` — never a guess — so
that a check can answer "à vérifier" and say why.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coordination.formatting import day_fr

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "policies" / "visa" / "parameters.toml"
SECTOR_FILE = "sector_minimums.toml"
"""Sector minimum scales, beside the parameter file (same rule-set version: bump it on any change)."""


@dataclass(frozen=True, slots=True)
class Unknown:
    """The law's value for this date is not known; ``candidates`` are the values it may turn out to have."""

    name: str
    on_date: dt.date
    reason: str
    candidates: tuple[Any, ...] = ()
    floor: Any = None
    """The last known value, for a parameter that is never lowered (minimum wages, pay thresholds): the
    unknown value is at least this. ``None`` when nothing is known before."""
    floor_since: dt.date | None = None
    ceiling: Any = None
    """The highest value the law can have reached on this date, when documented (``ceiling`` in the file,
    with its reasoning): at or above it the unknown value cannot bite."""

    @property
    def missing_label(self) -> str:
        """« le montant en vigueur au 01/04/2026 », for the explanations."""
        return f"la valeur en vigueur au {day_fr(self.on_date)}"

    def __bool__(self) -> bool:  # an Unknown must never pass a truthiness test by accident
        return False


@dataclass(frozen=True, slots=True)
class _Entry:
    valid_from: dt.date
    valid_until: dt.date | None
    value: Any
    source: str
    unknown: bool
    reason: str
    candidates: tuple[Any, ...]
    ceiling: Any = None


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    label: str
    unit: str
    entries: tuple[_Entry, ...]
    _starts: tuple[dt.date, ...] = field(repr=False, default=())
    never_lowered: bool = False
    """Minimum wages and indexed thresholds only ever rise: the last known value is a floor."""

    def at(self, on_date: dt.date) -> tuple[Any, str]:
        """(value or Unknown, source) in force on ``on_date``."""
        i = bisect.bisect_right(self._starts, on_date) - 1
        if i < 0:
            first = day_fr(self._starts[0])
            return Unknown(self.name, on_date, f"aucune valeur connue avant le {first}"), ""
        e = self.entries[i]
        if e.valid_until is not None and on_date > e.valid_until:
            until = day_fr(e.valid_until)
            floor, since = self._floor(i + 1)
            return Unknown(
                self.name, on_date, f"valeur connue seulement jusqu'au {until}", (), floor, since
            ), e.source
        if e.unknown:
            floor, since = self._floor(i)
            ceiling = e.ceiling if e.valid_until is None or on_date <= e.valid_until else None
            return Unknown(
                self.name, on_date, e.reason or "valeur inconnue", e.candidates, floor, since, ceiling
            ), e.source
        return e.value, e.source

    def _floor(self, before: int) -> tuple[Any, dt.date | None]:
        """The last known value among entries[:before], if this parameter is never lowered."""
        if not self.never_lowered:
            return None, None
        for e in reversed(self.entries[:before]):
            if not e.unknown:
                return e.value, e.valid_from
        return None, None


@dataclass(frozen=True, slots=True)
class SectorScale:
    """A sector minimum for one function of one joint committee, in force from ``valid_from``.

    ``valid_until`` is the day before the next known indexation or revision date (many CPs index every
    1 January): after it the amount is only a floor (sector minimums are never lowered)."""

    joint_committee: str
    function: str
    valid_from: dt.date
    monthly_full_time: float | None
    source: str
    valid_until: dt.date | None = None
    category: str = ""
    hourly: float | None = None
    """Sectors that set hourly minimums (e.g. CP 322.01) give ``hourly`` instead of a monthly amount."""
    ceiling: float | None = None
    """When the row's amount is the lowest step of a scale that rises with a fact the contract does not
    carry (seniority in the sector), the highest step: between the two the check asks, above it concludes."""

    def is_floor_only(self, on_date: dt.date) -> bool:
        return self.valid_until is not None and on_date > self.valid_until


@dataclass(frozen=True, slots=True)
class SectorGap:
    """A joint committee whose scale is not shipped, with what was searched (shown to the worker)."""

    joint_committee: str
    name: str
    searched: str


class ParameterSet:
    """A versioned rule set: the parameters plus the configured sector scales."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = str(data["version"])
        self._params: dict[str, Parameter] = {}
        self._scales: dict[tuple[str, str], list[SectorScale]] = {}
        self._gaps: dict[str, SectorGap] = {}
        for name, spec in data.items():
            if name == "version":
                continue
            if name == "sector_scales":
                self._load_scales(spec)
                continue
            if name == "sector_gaps":
                for row in spec:
                    gap = SectorGap(
                        str(row["joint_committee"]).strip(), str(row["name"]), str(row["searched"])
                    )
                    if not gap.searched.strip():
                        raise ValueError(f"sector gap {gap.joint_committee}: say what was searched")
                    self._gaps[gap.joint_committee] = gap
                continue
            self._params[name] = _parse_parameter(name, spec)

    def _load_scales(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            cp = row.get("joint_committee")
            if not str(row.get("source", "")).strip():
                raise ValueError(f"sector scale {cp}: every value needs a source")
            if ("monthly_full_time" in row) == ("hourly" in row):
                raise ValueError(f"sector scale {cp}: give monthly_full_time or hourly")
            functions = row["function"] if isinstance(row["function"], list) else [row["function"]]
            for function in functions:
                s = SectorScale(
                    joint_committee=str(cp).strip(),
                    function=_norm(function),
                    valid_from=row["valid_from"],
                    monthly_full_time=float(row["monthly_full_time"]) if "monthly_full_time" in row else None,
                    source=str(row["source"]),
                    valid_until=row.get("valid_until"),
                    category=str(row.get("category", "")),
                    hourly=float(row["hourly"]) if "hourly" in row else None,
                    ceiling=float(row["ceiling"]) if "ceiling" in row else None,
                )
                self._scales.setdefault((s.joint_committee, s.function), []).append(s)
        for scales in self._scales.values():
            scales.sort(key=lambda s: s.valid_from)

    @property
    def names(self) -> list[str]:
        return sorted(self._params)

    def parameter(self, name: str) -> Parameter:
        return self._params[name]

    def value(self, name: str, on_date: dt.date) -> Any:
        """The value in force on ``on_date``, or an :class:`Unknown` saying why not."""
        return self._params[name].at(on_date)[0]

    def value_with_source(self, name: str, on_date: dt.date) -> tuple[Any, str]:
        return self._params[name].at(on_date)

    def sector_scale(self, joint_committee: str, function: str, on_date: dt.date) -> SectorScale | None:
        scales = self._scales.get((joint_committee.strip(), _norm(function)), [])
        found = None
        for s in scales:
            if s.valid_from <= on_date:
                found = s
        return found

    def sector_gap(self, joint_committee: str) -> SectorGap | None:
        return self._gaps.get(joint_committee.strip())

    @property
    def sector_committees(self) -> list[str]:
        """Every joint committee the sector table speaks of (a shipped scale or a documented gap)."""
        return sorted({cp for cp, _ in self._scales} | set(self._gaps))


def _norm(text: str) -> str:
    return " ".join(str(text).lower().split())


def _parse_parameter(name: str, spec: dict[str, Any]) -> Parameter:
    entries = []
    for raw in spec["values"]:
        if "source" not in raw or not str(raw["source"]).strip():
            raise ValueError(f"parameter {name}: every value needs a source")
        unknown = bool(raw.get("unknown", False))
        if not unknown and "value" not in raw:
            raise ValueError(f"parameter {name}: entry of {raw['valid_from']} has no value")
        entries.append(
            _Entry(
                valid_from=raw["valid_from"],
                valid_until=raw.get("valid_until"),
                value=raw.get("value"),
                source=str(raw["source"]),
                unknown=unknown,
                reason=str(raw.get("reason", "")),
                candidates=tuple(raw.get("candidates", ())),
                ceiling=raw.get("ceiling"),
            )
        )
        if raw.get("start_unknown") and not str(raw.get("searched", "")).strip():
            raise ValueError(f"parameter {name}: a start date marked unknown must say what was searched")
    entries.sort(key=lambda e: e.valid_from)
    starts = tuple(e.valid_from for e in entries)
    if len(set(starts)) != len(starts):
        raise ValueError(f"parameter {name}: two values start on the same date")
    return Parameter(
        name,
        spec.get("label", name),
        spec.get("unit", ""),
        tuple(entries),
        starts,
        bool(spec.get("never_lowered", False)),
    )


def load(path: Path | str = DEFAULT_PATH) -> ParameterSet:
    """The parameter file, plus the sector minimum table beside it when there is one."""
    path = Path(path)
    with open(path, "rb") as f:
        data = tomllib.load(f)
    sector = path.parent / SECTOR_FILE
    if sector.exists():
        with open(sector, "rb") as f:
            table = tomllib.load(f)
        data.setdefault("sector_scales", []).extend(table.get("sector_scales", []))
        data.setdefault("sector_gaps", []).extend(table.get("sector_gaps", []))
    return ParameterSet(data)


def loads(text: str) -> ParameterSet:
    return ParameterSet(tomllib.loads(text))


@functools.cache
def default() -> ParameterSet:
    """The shipped rule set, read once."""
    return load(DEFAULT_PATH)


def value(name: str, on_date: dt.date) -> Any:
    """Module-level lookup in the shipped rule set."""
    return default().value(name, on_date)
