"""Pure rules of the file: state transitions, outcome coherence, configured item lists, retention.

No database, no HTTP: each rule is a function tested in milliseconds (tests/unit/dossier). Services call
them before writing, so a refused change never reaches a flush. Errors carry French messages because they
become the ``detail`` of a 4xx problem.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from coordination.dossier.models import (
    COMMITMENT_PARTIES,
    COMMITMENT_STATUSES,
    DOCUMENT_CATEGORIES,
    JOB_CONTRACT_KINDS,
    OBJECTIVE_STATUSES,
    STEP_KINDS,
    STEP_STATUSES,
)


class RuleViolation(ValueError):
    """A change the rules refuse; ``str()`` is French, ``code`` is stable for clients."""

    def __init__(self, message: str, code: str = "rule-violation") -> None:
        super().__init__(message)
        self.code = code


# --- state machines --------------------------------------------------------------------------------

STEP_TRANSITIONS: dict[str, frozenset[str]] = {
    "planned": frozenset({"ongoing", "cancelled"}),
    "ongoing": frozenset({"completed", "dropped_out"}),
    "completed": frozenset(),
    "dropped_out": frozenset(),
    "cancelled": frozenset(),
}
"""A step starts planned; once finished (completed, dropped out, cancelled) its status is final."""

OBJECTIVE_TRANSITIONS: dict[str, frozenset[str]] = {
    "proposed": frozenset({"agreed", "abandoned"}),
    "agreed": frozenset({"in_progress", "achieved", "abandoned"}),
    "in_progress": frozenset({"achieved", "abandoned"}),
    "achieved": frozenset(),
    "abandoned": frozenset(),
}

COMMITMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"done", "not_done", "cancelled"}),
    "done": frozenset(),
    "not_done": frozenset({"pending"}),
    "cancelled": frozenset(),
}

STATUS_LABELS = {
    "planned": "prévue",
    "ongoing": "en cours",
    "completed": "terminée",
    "dropped_out": "abandon",
    "cancelled": "annulée",
    "proposed": "proposé",
    "agreed": "convenu",
    "in_progress": "en cours",
    "achieved": "atteint",
    "abandoned": "abandonné",
    "pending": "à faire",
    "done": "tenu",
    "not_done": "non tenu",
}

STEP_KIND_LABELS = {
    "orientation": "Orientation",
    "training": "Formation",
    "immersion": "Stage d'immersion",
    "mentoring": "Mentorat",
    "pfi": "Formation professionnelle individuelle (PFI)",
    "art60": "Article 60 §7",
    "art61": "Article 61",
    "job": "Emploi",
    "other": "Autre étape",
}

PARTY_LABELS = {"person": "la personne", "forem": "le Forem", "cpas": "le CPAS", "partner": "le partenaire"}


def check_transition(kind: str, current: str, new: str) -> None:
    """Refuse a status change the state machine of ``kind`` (step, objective, commitment) does not allow."""
    table, values, what = {
        "step": (STEP_TRANSITIONS, STEP_STATUSES, "de l'étape"),
        "objective": (OBJECTIVE_TRANSITIONS, OBJECTIVE_STATUSES, "de l'objectif"),
        "commitment": (COMMITMENT_TRANSITIONS, COMMITMENT_STATUSES, "de l'engagement"),
    }[kind]
    if new not in values:
        raise RuleViolation(f"Statut {what} inconnu : « {new} ».", "unknown-status")
    if new == current:
        return
    if new not in table[current]:
        raise RuleViolation(
            f"Le statut {what} ne peut pas passer de « {STATUS_LABELS.get(current, current)} » "
            f"à « {STATUS_LABELS.get(new, new)} ».",
            "invalid-transition",
        )


@dataclass(frozen=True, slots=True)
class StepFacts:
    """The fields of a step the coherence rule looks at (a proposed state, before it is written)."""

    kind: str
    status: str
    start_date: date | None = None
    end_date: date | None = None
    exit_date: date | None = None
    job_contract_kind: str | None = None
    job_duration_months: int | None = None
    training_qualifying: bool | None = None


def check_step(facts: StepFacts) -> None:
    """Outcome coherence: a contract kind only for a job-like step, 'qualifying' only for a training."""
    if facts.kind not in STEP_KINDS:
        raise RuleViolation(f"Type d'étape inconnu : « {facts.kind} ».", "unknown-step-kind")
    if facts.status not in STEP_STATUSES:
        raise RuleViolation(f"Statut d'étape inconnu : « {facts.status} ».", "unknown-status")
    if facts.start_date and facts.end_date and facts.end_date < facts.start_date:
        raise RuleViolation("La date de fin précède la date de début.", "dates-order")
    if facts.exit_date and facts.start_date and facts.exit_date < facts.start_date:
        raise RuleViolation("La date de sortie précède la date de début.", "dates-order")
    job_like = facts.kind in {"job", "art60", "art61"}
    if facts.job_contract_kind is not None:
        if not job_like:
            raise RuleViolation(
                "Un type de contrat ne s'indique que pour un emploi (emploi, article 60, article 61).",
                "outcome-mismatch",
            )
        if facts.job_contract_kind not in JOB_CONTRACT_KINDS:
            raise RuleViolation(
                f"Type de contrat inconnu : « {facts.job_contract_kind} ».", "unknown-contract"
            )
    if facts.job_duration_months is not None and (not job_like or facts.job_duration_months < 0):
        raise RuleViolation(
            "La durée du contrat (en mois) ne s'indique que pour un emploi.", "outcome-mismatch"
        )
    if facts.training_qualifying is not None and facts.kind not in {"training", "pfi"}:
        raise RuleViolation(
            "Le caractère qualifiant ne s'indique que pour une formation.", "outcome-mismatch"
        )


def check_commitment_party(party: str, organisation_kind: str | None) -> None:
    """The committed organisation must be of the party's kind; the person commits without organisation."""
    if party not in COMMITMENT_PARTIES:
        raise RuleViolation(f"Partie inconnue : « {party} ».", "unknown-party")
    if party == "person":
        if organisation_kind is not None:
            raise RuleViolation(
                "Un engagement de la personne ne désigne pas d'organisation.", "party-mismatch"
            )
        return
    if organisation_kind is None:
        raise RuleViolation(
            f"Un engagement pris par {PARTY_LABELS[party]} doit désigner l'organisation qui s'engage.",
            "party-mismatch",
        )
    if organisation_kind != party:
        raise RuleViolation(
            f"L'organisation désignée n'est pas du type « {PARTY_LABELS[party]} ».", "party-mismatch"
        )


def may_write_progress(step_organisation_id, writer_organisation_id) -> bool:
    """A partner writes progress only on steps its own organisation runs."""
    return writer_organisation_id is not None and step_organisation_id == writer_organisation_id


def is_stale(last_activity: date | None, today: date, days: int) -> bool:
    """A file nobody touched for ``days`` days (no event at all counts as stale)."""
    return last_activity is None or (today - last_activity).days >= days


# --- rules as data ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IcfItem:
    code: str
    domain: str
    label: str
    description: str


@dataclass(frozen=True, slots=True)
class IcfCatalogue:
    version: str
    qualifiers: dict[int, str]
    items: tuple[IcfItem, ...]

    def get(self, code: str) -> IcfItem | None:
        return next((item for item in self.items if item.code == code), None)

    def check(self, code: str, qualifier: int) -> IcfItem:
        item = self.get(code)
        if item is None:
            raise RuleViolation(f"Item d'évaluation inconnu : « {code} ».", "unknown-item")
        if qualifier not in self.qualifiers:
            raise RuleViolation("Le qualificatif doit être compris entre 0 et 4.", "qualifier-range")
        return item


def parse_icf(data: dict) -> IcfCatalogue:
    items = tuple(
        IcfItem(code=i["code"], domain=i["domain"], label=i["label"], description=i.get("description", ""))
        for i in data["items"]
    )
    codes = [i.code for i in items]
    if len(codes) != len(set(codes)):
        raise ValueError("icf_items.toml: duplicate item code")
    return IcfCatalogue(
        version=str(data["version"]),
        qualifiers={int(k): v for k, v in data["qualifiers"].items()},
        items=items,
    )


@lru_cache(maxsize=4)
def load_icf(policies_dir: Path) -> IcfCatalogue:
    return parse_icf(tomllib.loads((policies_dir / "icf_items.toml").read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class RetentionRule:
    code: str
    label: str
    years: int
    basis: str


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    version: str
    rules: dict[str, RetentionRule]
    categories: dict[str, str]

    def for_category(self, category: str) -> RetentionRule:
        if category not in DOCUMENT_CATEGORIES:
            raise RuleViolation(f"Catégorie de document inconnue : « {category} ».", "unknown-category")
        return self.rules[self.categories.get(category, self.categories["other"])]

    def retain_until(self, category: str, deposited: date) -> date:
        years = self.for_category(category).years
        try:
            return deposited.replace(year=deposited.year + years)
        except ValueError:  # 29 February
            return deposited.replace(year=deposited.year + years, day=28)


def parse_retention(data: dict) -> RetentionPolicy:
    rules = {
        code: RetentionRule(code=code, label=r["label"], years=int(r["years"]), basis=r["basis"])
        for code, r in data["rules"].items()
    }
    categories = dict(data["categories"])
    for category, rule in categories.items():
        if rule not in rules:
            raise ValueError(f"retention.toml: category {category} names unknown rule {rule}")
    return RetentionPolicy(version=str(data["version"]), rules=rules, categories=categories)


@lru_cache(maxsize=4)
def load_retention(policies_dir: Path) -> RetentionPolicy:
    return parse_retention(tomllib.loads((policies_dir / "retention.toml").read_text(encoding="utf-8")))
