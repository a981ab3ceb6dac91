"""Pure rules of referrals: statuses and transitions, who may answer, deadlines, reminders, outcomes.

No database here. The configurable values (deadline, reminders, reason lists, alert thresholds) come
from ``policies/referral_rules.toml`` through :class:`ReferralRules`.
"""

from __future__ import annotations

import statistics
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import msgspec

from coordination.access.policy import SECTION_LABELS_FR, Section
from coordination.clock import BRUSSELS as BRUSSELS  # re-exported: cadastre.referral_figures reads it here
from coordination.referral.calendar import HolidayCalendar

SENT = "sent"
ACCEPTED = "accepted"
REFUSED = "refused"
WAITING_LIST = "waiting_list"
WITHDRAWN = "withdrawn"
EXPIRED = "expired"
STATUSES = (SENT, ACCEPTED, REFUSED, WAITING_LIST, WITHDRAWN, EXPIRED)
OPEN_STATUSES = (SENT, WAITING_LIST)
"""Still waiting for a final answer: the partner may answer, the referent or the person may withdraw."""
ENDED_STATUSES = (REFUSED, WITHDRAWN, EXPIRED)
"""A referral in one of these has ended: the consent given for it ends with it (the gate reads this)."""

STATUS_LABELS_FR = {
    SENT: "envoyée, en attente de réponse",
    ACCEPTED: "acceptée",
    REFUSED: "refusée",
    WAITING_LIST: "sur liste d'attente",
    WITHDRAWN: "retirée",
    EXPIRED: "sans réponse dans le délai",
}

TRANSITIONS: dict[str, frozenset[str]] = {
    SENT: frozenset({ACCEPTED, REFUSED, WAITING_LIST, WITHDRAWN, EXPIRED}),
    WAITING_LIST: frozenset({ACCEPTED, REFUSED, WITHDRAWN}),
    ACCEPTED: frozenset(),
    REFUSED: frozenset(),
    WITHDRAWN: frozenset(),
    EXPIRED: frozenset(),
}
"""A waiting list is an answer: the deadline no longer runs, the partner confirms or refuses later."""

CONSENT_REQUESTED = "requested"
CONSENT_GIVEN = "given"
CONSENT_DECLINED = "declined"
CONSENT_WITHDRAWN = "withdrawn"
CONSENT_EXPIRED = "expired"
CONSENT_ENDED = "ended"
"""The consent ended with the referral's purpose (refused, withdrawn by the worker, expired): the access
package recorded an ``ended`` event; the partner no longer sees the file."""
CONSENT_STATES = (CONSENT_REQUESTED, CONSENT_GIVEN, CONSENT_DECLINED, CONSENT_WITHDRAWN, CONSENT_ENDED)
CONSENT_LABELS_FR = {
    CONSENT_REQUESTED: "demandé à la personne, pas encore donné",
    CONSENT_GIVEN: "donné",
    CONSENT_DECLINED: "refusé par la personne",
    CONSENT_WITHDRAWN: "retiré",
    CONSENT_EXPIRED: "arrivé à échéance",
    CONSENT_ENDED: "terminé avec l'orientation (le partenaire n'a plus accès)",
}

HISTORY_LABELS_FR = {
    "sent": "Orientation envoyée",
    "consent_requested": "Consentement demandé à la personne",
    "consent_given": "Consentement donné",
    "consent_declined": "Consentement refusé par la personne",
    "consent_withdrawn": "Consentement retiré",
    "consent_ended": "Consentement terminé avec l'orientation",
    "accepted": "Orientation acceptée",
    "refused": "Orientation refusée",
    "waiting_list": "Mise sur liste d'attente",
    "withdrawn": "Orientation retirée",
    "expired": "Délai de réponse dépassé",
    "reminder": "Rappel envoyé au partenaire",
}

SENDER_ROLES = frozenset({"forem_referent", "forem_eadviser", "cpas_social_worker"})
PARTNER_ROLES = frozenset({"partner_operator", "partner_manager"})


class RuleViolation(Exception):
    def __init__(self, message: str, code: str, status: int = 409) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise RuleViolation(
            f"Cette orientation est {STATUS_LABELS_FR[current]} : elle ne peut plus passer à "
            f"« {STATUS_LABELS_FR[target]} ».",
            "referral-state",
        )


def section_labels_fr(sections: list[str]) -> str:
    """« identité, parcours » : the sections a consent opens, as the person and the partner read them."""
    return ", ".join(SECTION_LABELS_FR[Section(s)] for s in sections)


@dataclass(frozen=True)
class ReferralRules:
    version: str
    deadline_working_days: int
    reminders_before: tuple[int, ...]
    consent_default_months: int
    consent_always_sections: tuple[str, ...]
    min_referrals: int
    max_refusal_rate: float
    max_median_response_days: float
    reason_categories: dict[str, str] = field(default_factory=dict)
    step_kinds: dict[str, str] = field(default_factory=dict)
    refusal_reasons: dict[str, str] = field(default_factory=dict)
    consent_sections_by_kind: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """``[consent.sections_by_partner_kind]``: what a kind of partner needs, asked by default."""

    def default_sections(self, partner_kind: str | None) -> tuple[str, ...]:
        """The sections asked by default for a service of this kind of partner (``default`` otherwise)."""
        by_kind = self.consent_sections_by_kind
        return by_kind.get(partner_kind or "", by_kind.get("default", DEFAULT_CONSENT_SECTIONS))

    def check_reason_category(self, code: str) -> str:
        if code not in self.reason_categories:
            raise RuleViolation(
                _unknown_choice(
                    "la catégorie du motif", "Catégorie de motif inconnue", code, self.reason_categories
                ),
                "unknown-reason-category",
                400,
            )
        return code

    def check_refusal(self, code: str, text: str | None) -> tuple[str, str | None]:
        if code not in self.refusal_reasons:
            raise RuleViolation(
                _unknown_choice("le motif du refus", "Motif de refus inconnu", code, self.refusal_reasons),
                "unknown-refusal-reason",
                400,
            )
        text = (text or "").strip() or None
        if code == "other" and not text:
            raise RuleViolation("Précisez la raison du refus.", "refusal-text-required", 400)
        return code, text

    def deadline(self, sent_on: date, calendar: HolidayCalendar) -> date:
        return calendar.add_working_days(sent_on, self.deadline_working_days)

    def due_reminders(
        self, deadline: date, today: date, already: list[int], calendar: HolidayCalendar
    ) -> list[int]:
        """Reminders (working days before the deadline) due today and not yet sent, all of them: a late
        sweep sends ONE notification and marks every passed reminder as sent (no burst)."""
        if today > deadline:
            return []
        due = [n for n in self.reminders_before if n not in already]
        return sorted(n for n in due if today >= calendar.subtract_working_days(deadline, n))

    def step_kind(self, category: str) -> str:
        return self.step_kinds.get(category, "other")


def parse_rules(data: dict) -> ReferralRules:
    deadline = data.get("deadline", {})
    consent = data.get("consent", {})
    alerts = data.get("alerts", {})
    return ReferralRules(
        version=str(data.get("version", "")),
        deadline_working_days=int(deadline.get("working_days", 10)),
        reminders_before=tuple(
            sorted({int(n) for n in deadline.get("reminders_before", [3, 1])}, reverse=True)
        ),
        consent_default_months=int(consent.get("default_months", 6)),
        consent_always_sections=tuple(consent.get("always_sections", ["trajectory"])),
        min_referrals=int(alerts.get("min_referrals", 5)),
        max_refusal_rate=float(alerts.get("max_refusal_rate", 0.5)),
        max_median_response_days=float(alerts.get("max_median_response_days", 10.0)),
        reason_categories=dict(data.get("reason_categories", {})),
        step_kinds=dict(data.get("step_kinds", {})),
        refusal_reasons=dict(data.get("refusal_reasons", {})),
        consent_sections_by_kind=_sections_by_kind(consent.get("sections_by_partner_kind", {})),
    )


DEFAULT_CONSENT_SECTIONS = ("identity", "project", "plan", "progress")
NEVER_BY_DEFAULT = frozenset({"social", "health"})
"""Only the person gives these, herself: a rule file asking them by default is refused at load."""


def _sections_by_kind(table: dict) -> dict[str, tuple[str, ...]]:
    found = {}
    for kind, sections in table.items():
        listed = tuple(dict.fromkeys(str(s) for s in sections))
        if NEVER_BY_DEFAULT & set(listed):
            raise ValueError(
                f"referral_rules.toml: {kind} asks {sorted(NEVER_BY_DEFAULT & set(listed))} by default"
            )
        found[str(kind)] = listed
    return found


@lru_cache(maxsize=4)
def load_rules(policies_dir: Path) -> ReferralRules:
    with (Path(policies_dir) / "referral_rules.toml").open("rb") as handle:
        return parse_rules(tomllib.load(handle))


def consented_sections(requested: list[str], always: tuple[str, ...]) -> list[str]:
    """The sections the consent covers: what the referent asked for, plus the trajectory the partner
    writes its step in. Order kept, duplicates removed."""
    return list(dict.fromkeys([*requested, *always]))


# --- outcomes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnsweredReferral:
    """What the outcome figures need of one referral (no person, no name)."""

    status: str
    sent_at: datetime
    answered_at: datetime | None
    refusal_reason: str | None


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """A service's or a partner's referral figures; the API's ``OutcomeOut`` shows them field for field."""

    received: int
    answered: int
    accepted: int
    refused: int
    waiting_list: int
    withdrawn: int
    expired: int
    pending: int
    acceptance_rate: float | None
    refusal_rate: float | None
    median_response_days: float | None
    refusal_reasons: dict[str, int]


def outcome(referrals: list[AnsweredReferral]) -> Outcome:
    """Acceptance and refusal rates are over referrals the partner answered (accepted or refused) or let
    expire: a withdrawn referral or one still pending says nothing about the partner."""
    counts = Counter(r.status for r in referrals)
    decided = counts[ACCEPTED] + counts[REFUSED] + counts[EXPIRED]
    delays = [
        (r.answered_at - r.sent_at).total_seconds() / 86400 for r in referrals if r.answered_at is not None
    ]
    return Outcome(
        received=len(referrals),
        answered=len(delays),
        accepted=counts[ACCEPTED],
        refused=counts[REFUSED],
        waiting_list=counts[WAITING_LIST],
        withdrawn=counts[WITHDRAWN],
        expired=counts[EXPIRED],
        pending=counts[SENT],
        acceptance_rate=round(counts[ACCEPTED] / decided, 4) if decided else None,
        refusal_rate=round(counts[REFUSED] / decided, 4) if decided else None,
        median_response_days=round(statistics.median(delays), 2) if delays else None,
        refusal_reasons=dict(Counter(r.refusal_reason for r in referrals if r.refusal_reason)),
    )


def alerts_for(result: Outcome, rules: ReferralRules) -> list[tuple[str, str]]:
    """(code, French message) for every threshold crossed; nothing below ``min_referrals`` decisions."""
    decided = result.accepted + result.refused + result.expired
    found: list[tuple[str, str]] = []
    if decided < rules.min_referrals:
        return found
    if result.refusal_rate is not None and result.refusal_rate > rules.max_refusal_rate:
        found.append(
            (
                "refusal-rate",
                f"Taux de refus de {result.refusal_rate:.0%} (seuil : {rules.max_refusal_rate:.0%}) "
                f"sur {decided} orientations.",
            )
        )
    if (
        result.median_response_days is not None
        and result.median_response_days > rules.max_median_response_days
    ):
        found.append(
            (
                "response-time",
                f"Délai médian de réponse de {result.median_response_days:.1f} jours "
                f"(seuil : {rules.max_median_response_days:.1f} jours).",
            )
        )
    return found


def _unknown_choice(what: str, unknown: str, code: str, choices: dict[str, str]) -> str:
    """French: nothing chosen on a page, or a code the rules do not list (each choice by its label, for the
    person, and its code, for the API)."""
    if not (code or "").strip():
        return f"Choisissez {what}."
    listed = " ; ".join(f"« {label} » ({key})" for key, label in choices.items())
    return f"{unknown}. Choisissez parmi : {listed}."
