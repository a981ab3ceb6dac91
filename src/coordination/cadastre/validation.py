"""Field checks shared by the API and the CSV import: each returns ``[(field, French message), …]``."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from coordination.cadastre.rules import (
    AGREEMENT_KINDS,
    PARTNER_KINDS,
    PARTNER_STATUSES,
    SERVICE_STATUSES,
    bce_error,
)
from coordination.errors import ProblemError

Problems = list[tuple[str, str]]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LANG = re.compile(r"^[a-z]{2}$")


def unprocessable(problems: Problems, code: str, lead: str) -> ProblemError:
    """422: every problem in the French ``detail`` (after ``lead``) and, per field, in ``errors``."""
    detail = " ; ".join(message for _, message in problems)
    return ProblemError(
        422, code, f"{lead} : {detail}", errors=[{"field": f, "message": m} for f, m in problems]
    )


def _choice(problems: Problems, field: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        problems.append((field, f"Valeur inconnue « {value} » (attendu : {', '.join(allowed)})."))


def check_organisation(values: dict[str, Any], *, partial: bool = False) -> Problems:
    problems: Problems = []
    if (not partial or "name" in values) and not (values.get("name") or "").strip():
        problems.append(("name", "Le nom est obligatoire."))
    if not partial or "partner_kind" in values:
        if values.get("partner_kind") is None:
            problems.append(("partner_kind", "Le type d'organisation est obligatoire."))
        _choice(problems, "partner_kind", values.get("partner_kind"), PARTNER_KINDS)
    _choice(problems, "status", values.get("status"), PARTNER_STATUSES)
    if values.get("tax_id"):
        reason = bce_error(values["tax_id"])
        if reason:
            problems.append(("tax_id", reason))
    if values.get("email") and not _EMAIL.match(values["email"]):
        problems.append(("email", "Adresse électronique invalide."))
    if values.get("website") and not str(values["website"]).startswith(("https://", "http://")):
        problems.append(("website", "Le site doit commencer par https:// ou http://."))
    return problems


def check_service(values: dict[str, Any], *, partial: bool = False) -> Problems:
    problems: Problems = []
    if (not partial or "name" in values) and not (values.get("name") or "").strip():
        problems.append(("name", "Le nom du service est obligatoire."))
    _choice(problems, "status", values.get("status"), SERVICE_STATUSES)
    for lang in values.get("languages") or []:
        if not _LANG.match(lang):
            problems.append(
                ("languages", f"Code de langue invalide « {lang} » (deux lettres : fr, nl, de, en…).")
            )
    lo, hi = values.get("minimum_age"), values.get("maximum_age")
    if lo is not None and hi is not None and lo > hi:
        problems.append(("maximum_age", "L'âge maximum est inférieur à l'âge minimum."))
    if values.get("email") and not _EMAIL.match(values["email"]):
        problems.append(("email", "Adresse électronique invalide."))
    if values.get("capacity") is not None and values["capacity"] < 0:
        problems.append(("capacity", "La capacité ne peut pas être négative."))
    return problems


def check_agreement(values: dict[str, Any], *, partial: bool = False) -> Problems:
    problems: Problems = []
    if not partial:
        for field, label in (
            ("reference", "La référence"),
            ("title", "L'intitulé"),
            ("kind", "Le type de convention"),
            ("start_date", "La date de début"),
            ("end_date", "La date de fin"),
        ):
            if values.get(field) in (None, ""):
                problems.append((field, f"{label} est obligatoire."))
    _choice(problems, "kind", values.get("kind"), AGREEMENT_KINDS)
    start, end = values.get("start_date"), values.get("end_date")
    if isinstance(start, date) and isinstance(end, date) and end < start:
        problems.append(("end_date", "La date de fin précède la date de début."))
    funding = values.get("funding_cents")
    if funding is not None and funding < 0:
        problems.append(("funding_amount", "Le montant ne peut pas être négatif."))
    for field in ("target_entrants", "target_positive_exits"):
        if values.get(field) is not None and values[field] < 0:
            problems.append((field, "Le volume visé ne peut pas être négatif."))
    return problems
