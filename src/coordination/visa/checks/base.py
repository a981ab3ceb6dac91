"""Shared vocabulary of the visa checks: statuses, severities, results and the per-check context.

Why a context object: each check must report the inputs it used (so a social worker can see what the verdict
rests on) and the source of every legal value it read; recording them as the check reads them keeps each
check a short pure function and makes it impossible to forget an input.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from coordination.formatting import day_fr
from coordination.visa.contract import Clauses, Contract, ContractKind
from coordination.visa.parameters import ParameterSet, Unknown


class Labelled(enum.StrEnum):
    """A word of the checklist's vocabulary with its French label, declared together (``label_fr``)."""

    label_fr: str

    def __new__(cls, value: str, label_fr: str = "") -> Labelled:  # Status("conforme") looks the word up
        member = str.__new__(cls, value)
        member._value_ = value
        member.label_fr = label_fr
        return member


class Status(Labelled):
    CONFORME = "conforme", "Conforme"
    NON_CONFORME = "non_conforme", "Non conforme"
    A_VERIFIER = "a_verifier", "À vérifier"
    SANS_OBJET = "sans_objet", "Sans objet"


class Severity(Labelled):
    BLOCKING = "blocking", "Bloquant"
    WARNING = "warning", "Avertissement"


STATUS_LABELS_FR = {s: s.label_fr for s in Status}
SEVERITY_LABELS_FR = {s: s.label_fr for s in Severity}


class CheckResult(msgspec.Struct, kw_only=True):
    id: str
    title: str
    status: Status
    severity: Severity
    explanation: str
    reference: str
    inputs: dict[str, Any] = msgspec.field(default_factory=dict)
    sources: list[str] = msgspec.field(default_factory=list)


class Ctx:
    """What one check sees: the contract, the legal reference date, the rule set, and a recorder."""

    __slots__ = (
        "_fails",
        "_unknowns",
        "age",
        "contract",
        "inputs",
        "on_date",
        "params",
        "severity",
        "sources",
    )

    def __init__(
        self, contract: Contract, on_date: dt.date, params: ParameterSet, age: int | None, severity: Severity
    ) -> None:
        self.contract = contract
        self.on_date = on_date
        self.params = params
        self.age = age
        self.severity = severity
        self.inputs: dict[str, Any] = {}
        self.sources: list[str] = []
        self._fails: list[str] = []
        self._unknowns: list[str] = []

    def use(self, name: str, value: Any) -> Any:
        """Record an input the check relies on and return it."""
        self.inputs[name] = value
        return value

    def param(self, name: str) -> Any:
        """The legal value in force on the reference date (or Unknown), recording its source."""
        value, source = self.params.value_with_source(name, self.on_date)
        if source and source not in self.sources:
            self.sources.append(source)
        self.inputs[f"param:{name}"] = None if isinstance(value, Unknown) else value
        return value

    def fail(self, message: str) -> None:
        self._fails.append(message)

    def unknown(self, message: str) -> None:
        self._unknowns.append(message)

    def missing(self, label: str) -> None:
        self._unknowns.append(f"information manquante: {label}")

    def unknown_law(self, u: Unknown, what: str) -> None:
        self._unknowns.append(f"{what}: valeur légale inconnue au {day_fr(u.on_date)} ({u.reason})")

    def stop_missing(self, label: str) -> Outcome:
        """The check cannot go further without this information: « à vérifier » (with what it found)."""
        self.missing(label)
        return self.verdict("")

    def stop_unknown_law(self, u: Unknown, what: str) -> Outcome:
        """The check cannot go further without this legal value: « à vérifier » (with what it found)."""
        self.unknown_law(u, what)
        return self.verdict("")

    def flag(
        self, name: str, value: bool | None, missing: str, failure: str, want: bool = True
    ) -> bool | None:
        """A yes/no fact the law wants to be ``want``: recorded; the other answer fails, no answer is a
        missing information (never a silent pass)."""
        self.use(name, value)
        if value is None:
            self.missing(missing)
        elif value is not want:
            self.fail(failure)
        return value

    def need(self, name: str, value: Any, missing: str) -> Any:
        """A value the check needs: recorded; no value is a missing information (« à vérifier »)."""
        self.use(name, value)
        if value is None:
            self.missing(missing)
        return value

    @property
    def has_findings(self) -> bool:
        return bool(self._fails or self._unknowns)

    def verdict(self, ok_message: str) -> Outcome:
        if self._fails:
            text = "; ".join(self._fails)
            if self._unknowns:
                text += ". À vérifier aussi: " + "; ".join(self._unknowns)
            return Outcome(Status.NON_CONFORME, _sentence(text))
        if self._unknowns:
            return Outcome(Status.A_VERIFIER, _sentence("À vérifier: " + "; ".join(self._unknowns)))
        return Outcome(Status.CONFORME, ok_message)


def _sentence(text: str) -> str:
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status
    explanation: str
    severity: Severity | None = None  # overrides the check's default severity (e.g. unpaid overtime)


def not_applicable(reason: str) -> Outcome:
    return Outcome(Status.SANS_OBJET, reason)


CheckFn = Callable[[Ctx], Outcome]


@dataclass(frozen=True, slots=True)
class CheckSpec:
    id: str
    severity: Severity
    title: str
    reference: str
    fn: CheckFn


REGISTRY: dict[str, CheckFn] = {}
"""The checks by id; their titles, weights and legal references are the table ``checks.LAW``."""


def check(id: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check under its row of ``checks.LAW``; ids are stable (stored visas refer to them)."""

    def deco(fn: CheckFn) -> CheckFn:
        if id in REGISTRY:
            raise ValueError(f"duplicate check id {id}")
        REGISTRY[id] = fn
        return fn

    return deco


def only_for(kind: ContractKind, otherwise: str) -> Callable[[CheckFn], CheckFn]:
    """A check of one kind of contract (a scheme, a student's contract…): « sans objet » for the others,
    saying so in ``otherwise`` (« Pas une PFI. »)."""

    def deco(fn: CheckFn) -> CheckFn:
        @functools.wraps(fn)
        def run(ctx: Ctx) -> Outcome:
            if ctx.contract.kind != kind:
                return not_applicable(otherwise)
            return fn(ctx)

        return run

    return deco


def on_part(name: str, missing: str, *params: str) -> Callable[[Callable[..., Outcome]], CheckFn]:
    """A check of one block of the contract (its clauses, a scheme's conditions), given the block and the
    legal values ``params`` (read first, so they are recorded whatever follows): without the block it
    can only say it is missing (« à vérifier »)."""

    def deco(fn: Callable[..., Outcome]) -> CheckFn:
        @functools.wraps(fn)
        def run(ctx: Ctx) -> Outcome:
            values = [ctx.param(p) for p in params]
            part = getattr(ctx.contract, name)
            if part is None:
                return ctx.stop_missing(missing)
            return fn(ctx, part, *values)

        return run

    return deco


on_clauses: Callable[[Callable[[Ctx, Clauses], Outcome]], CheckFn] = on_part("clauses", "clauses du contrat")
"""A check of the contract's clauses."""


def on_clause(name: str, absent: str) -> Callable[[Callable[[Ctx, Any], Outcome]], CheckFn]:
    """A check of one clause: the clauses are needed (:data:`on_clauses`); a contract without this one
    passes, saying so in ``absent`` (« Pas de clause d'écolage. »)."""

    def deco(fn: Callable[[Ctx, Any], Outcome]) -> CheckFn:
        @on_clauses
        @functools.wraps(fn)
        def run(ctx: Ctx, clauses: Clauses) -> Outcome:
            clause = getattr(clauses, name)
            return ctx.verdict(absent) if clause is None else fn(ctx, clause)

        return run

    return deco


def eur(amount: float) -> str:
    """Format an amount the Belgian way: 2.111,89 €."""
    s = f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{s} €"


def hours(h: float) -> str:
    """Format hours as 12 h 40."""
    total = round(h * 60)
    hh, mm = divmod(total, 60)
    return f"{hh} h {mm:02d}" if mm else f"{hh} h"
