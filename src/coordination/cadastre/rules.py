"""Pure rules of the registry: BCE/KBO numbers, vocabularies, agreement life cycle, who may do what.

No database here: everything is unit-tested in milliseconds.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta

from stdnum.be import vat as belgian_vat
from stdnum.exceptions import InvalidChecksum, ValidationError

from coordination.access.principal import Principal
from coordination.clock import brussels_day
from coordination.directory.models import OrganisationKind, Role

PARTNER_KINDS = ("cisp", "mire", "ale", "eta", "mentoring_association", "cpas", "employer", "other")
PARTNER_KIND_LABELS = {
    "cisp": "Centre d'insertion socioprofessionnelle (CISP)",
    "mire": "Mission régionale pour l'emploi (MIRE)",
    "ale": "Agence locale pour l'emploi (ALE)",
    "eta": "Entreprise de travail adapté (ETA)",
    "mentoring_association": "Association de mentorat",
    "cpas": "CPAS",
    "employer": "Employeur",
    "other": "Autre",
}
AGREEMENT_KINDS = ("public_contract", "call_for_projects", "partnership", "call_for_expressions_of_interest")
AGREEMENT_KIND_LABELS = {
    "public_contract": "Marché public",
    "call_for_projects": "Appel à projets",
    "partnership": "Partenariat",
    "call_for_expressions_of_interest": "Appel à manifestation d'intérêt",
}
AGREEMENT_STATUSES = ("active", "closed")
CLOSED_REASONS = ("expired", "terminated")
SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")
"""HSDS 3.0 ``service.status`` values."""
PARTNER_STATUSES = ("active", "inactive")

ALERT_WITHIN_DAYS = 90
"""Default horizon of the "agreement nearing its end" alert."""

_BCE_CLEAN = re.compile(r"[\s.\-/]")


def normalise_bce(raw: str) -> str:
    """``BE 0403.170.701`` → ``0403170701`` (separators, country prefix and spaces removed)."""
    value = _BCE_CLEAN.sub("", raw.strip().upper())
    if value.startswith("BE"):
        value = value[2:]
    if len(value) == 9 and value.isdigit():  # old 9-digit numbers gain a leading 0
        value = "0" + value
    return value


def bce_error(raw: str) -> str | None:
    """French reason why ``raw`` is not a valid BCE/KBO number, or ``None`` if it is.

    10 digits, starting with 0 or 1; the last two are ``97 - (first eight mod 97)``.
    """
    value = normalise_bce(raw)
    if len(value) != 10 or not value.isdigit():
        return "Le numéro BCE doit compter 10 chiffres (ex. 0403.170.701)."
    if value[0] not in "01":
        return "Le numéro BCE doit commencer par 0 ou 1."
    try:
        belgian_vat.validate(value)  # python-stdnum: the BCE number is the VAT number without "BE"
    except InvalidChecksum:
        return "Le numéro BCE est invalide : les chiffres de contrôle (modulo 97) ne correspondent pas."
    except ValidationError:
        return "Le numéro BCE est invalide."
    return None


def is_valid_bce(raw: str) -> bool:
    return bce_error(raw) is None


def bce_with_check(first_eight: int) -> str:
    """A valid number from its first eight digits (demo data, tests)."""
    return f"{first_eight:08d}{97 - first_eight % 97:02d}"


def format_bce(value: str) -> str:
    """``0403170701`` → ``0403.170.701`` (as printed on official documents)."""
    return f"{value[:4]}.{value[4:7]}.{value[7:]}"


# --- agreements --------------------------------------------------------------------------------


def changed_since_verification(assured_at: datetime | None, updated_at: datetime) -> bool:
    """« modifié depuis la vérification »: any edit after the verification's instant (both UTC), at once."""
    return assured_at is None or updated_at > assured_at


def verification_overdue(
    assured_at: datetime | None, created_at: datetime, now: datetime, max_months: int
) -> bool:
    """Not verified for ``max_months`` calendar months (counted on Brussels days); a record never
    verified counts from its creation."""
    since = brussels_day(assured_at or created_at)
    today = brussels_day(now)
    month0 = since.month - 1 + max_months
    year, month = since.year + month0 // 12, month0 % 12 + 1
    due = date(year, month, min(since.day, calendar.monthrange(year, month)[1]))
    return today >= due


def effective_status(status: str, end_date: date, today: date) -> str:
    """An active agreement whose end date has passed is closed, whether or not the closing ran yet."""
    if status == "active" and end_date < today:
        return "closed"
    return status


def accepts_steps(status: str, start_date: date, end_date: date, on_date: date, today: date) -> bool:
    """A new trajectory step may be attached to an agreement only while it runs and on a date it covers."""
    return effective_status(status, end_date, today) == "active" and start_date <= on_date <= end_date


def ending_soon(status: str, end_date: date, today: date, within_days: int = ALERT_WITHIN_DAYS) -> bool:
    return effective_status(status, end_date, today) == "active" and end_date <= today + timedelta(
        days=within_days
    )


def alert_level(days_left: int) -> str:
    """``urgent`` under 30 days, ``warning`` otherwise (inside the alert horizon)."""
    return "urgent" if days_left < 30 else "warning"


def prorated_funding(
    funding_cents: int | None,
    agreement_start: date,
    agreement_end: date,
    period_start: date,
    period_end: date,
) -> int | None:
    """The share of an agreement's funding that falls into ``[period_start, period_end]`` (by days)."""
    if funding_cents is None:
        return None
    days = (agreement_end - agreement_start).days + 1
    overlap = (min(agreement_end, period_end) - max(agreement_start, period_start)).days + 1
    if days <= 0 or overlap <= 0:
        return 0
    return round(funding_cents * overlap / days)


# --- who may do what (registry routes guard on role: they never touch a person's file) -----------

READER_ROLES = frozenset(Role) - {Role.BENEFICIARY}
"""Every professional may browse the registry (the open-data export is public anyway)."""
EVALUATION_ROLES = frozenset({Role.REGULATOR, Role.ADMIN})
"""Effectiveness figures: regulators and Forem's registry keepers; aggregates only."""


def is_keeper(principal: Principal) -> bool:
    """Forem keeps the registry (régisseur-ensemblier): its administrators."""
    return principal.role is Role.ADMIN and principal.organisation_kind in (OrganisationKind.FOREM, None)


def may_edit_organisation(principal: Principal, organisation_id) -> bool:
    """Keepers edit every entry; a partner manager edits their own organisation's entry only."""
    if is_keeper(principal):
        return True
    return principal.role is Role.PARTNER_MANAGER and principal.organisation_id == organisation_id
