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

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "policies" / "visa" / "parameters.toml"


@dataclass(frozen=True, slots=True)
class Unknown:
    """The law's value for this date is not known; ``candidates`` are the values it may turn out to have."""

    name: str
    on_date: dt.date
    reason: str
    candidates: tuple[Any, ...] = ()

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


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    label: str
    unit: str
    entries: tuple[_Entry, ...]
    _starts: tuple[dt.date, ...] = field(repr=False, default=())

    def at(self, on_date: dt.date) -> tuple[Any, str]:
        """(value or Unknown, source) in force on ``on_date``."""
        i = bisect.bisect_right(self._starts, on_date) - 1
        if i < 0:
            first = self._starts[0].strftime("%d/%m/%Y")
            return Unknown(self.name, on_date, f"aucune valeur connue avant le {first}"), ""
        e = self.entries[i]
        if e.valid_until is not None and on_date > e.valid_until:
            until = e.valid_until.strftime("%d/%m/%Y")
            return Unknown(self.name, on_date, f"valeur connue seulement jusqu'au {until}"), e.source
        if e.unknown:
            return Unknown(self.name, on_date, e.reason or "valeur inconnue", e.candidates), e.source
        return e.value, e.source


@dataclass(frozen=True, slots=True)
class SectorScale:
    joint_committee: str
    function: str
    valid_from: dt.date
    monthly_full_time: float
    source: str


class ParameterSet:
    """A versioned rule set: the parameters plus the configured sector scales."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = str(data["version"])
        self._params: dict[str, Parameter] = {}
        self._scales: dict[tuple[str, str], list[SectorScale]] = {}
        for name, spec in data.items():
            if name == "version":
                continue
            if name == "sector_scales":
                self._load_scales(spec)
                continue
            self._params[name] = _parse_parameter(name, spec)

    def _load_scales(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            s = SectorScale(
                joint_committee=str(row["joint_committee"]).strip(),
                function=_norm(row["function"]),
                valid_from=row["valid_from"],
                monthly_full_time=float(row["monthly_full_time"]),
                source=str(row["source"]),
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
            )
        )
    entries.sort(key=lambda e: e.valid_from)
    starts = tuple(e.valid_from for e in entries)
    if len(set(starts)) != len(starts):
        raise ValueError(f"parameter {name}: two values start on the same date")
    return Parameter(name, spec.get("label", name), spec.get("unit", ""), tuple(entries), starts)


def load(path: Path | str = DEFAULT_PATH) -> ParameterSet:
    with open(path, "rb") as f:
        return ParameterSet(tomllib.load(f))


def loads(text: str) -> ParameterSet:
    return ParameterSet(tomllib.loads(text))


@functools.cache
def default() -> ParameterSet:
    """The shipped rule set, read once."""
    return load(DEFAULT_PATH)


def value(name: str, on_date: dt.date) -> Any:
    """Module-level lookup in the shipped rule set."""
    return default().value(name, on_date)
