"""The contract form of the visa pages: French labels, and form fields → the visa package's ``Contract``.

The form covers the fields a social worker reads off a contract in a few minutes; everything left empty is
« unknown », which the checks answer with « à vérifier » rather than a guess.
"""

from __future__ import annotations

from typing import Any

import msgspec

from coordination.errors import BadRequest
from coordination.visa.contract import Contract

KIND_LABELS = {
    "open_ended": "Contrat de travail à durée indéterminée",
    "fixed_term": "Contrat à durée déterminée",
    "defined_work": "Contrat pour un travail nettement défini",
    "replacement": "Contrat de remplacement",
    "student": "Contrat d'occupation d'étudiant",
    "pfi": "Formation professionnelle individuelle en entreprise (PFI)",
    "cip": "Convention d'immersion professionnelle",
    "article_60": "Article 60 §7 (mise à l'emploi par le CPAS)",
    "article_61": "Article 61 (mise à l'emploi chez un partenaire du CPAS)",
    "transition_internship": "Stage de transition",
    "first_internship": "Stage de première expérience",
}
CATEGORY_LABELS = {"": "Je ne sais pas", "manual": "Ouvrier", "employee": "Employé"}
TRISTATE = {"": "Je ne sais pas", "true": "Oui", "false": "Non"}

TEXT_FIELDS = ("employer_name", "employer_bce", "joint_committee", "function")
DATE_FIELDS = ("signature_date", "start_date", "end_date")
NUMBER_FIELDS = ("weekly_hours", "full_time_weekly_hours", "unpaid_test_days")


def _text(form: dict[str, Any], name: str) -> str | None:
    value = str(form.get(name) or "").strip()
    return value or None


def _number(form: dict[str, Any], name: str) -> float | None:
    value = _text(form, name)
    if value is None:
        return None
    try:
        return float(value.replace(",", ".").replace("\u202f", "").replace(" ", ""))
    except ValueError as exc:
        raise BadRequest(f"« {value} » n'est pas un nombre (champ {name}).") from exc


def _bool(form: dict[str, Any], name: str) -> bool | None:
    return {"true": True, "false": False}.get(str(form.get(name) or ""))


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        cleaned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v is not None and v != {}}
    return value


def contract_from_form(form: dict[str, Any]) -> Contract:
    raw: dict[str, Any] = {"kind": _text(form, "kind")}
    for name in TEXT_FIELDS + DATE_FIELDS:
        raw[name] = _text(form, name)
    for name in NUMBER_FIELDS:
        raw[name] = _number(form, name)
    raw["worker_category"] = _text(form, "worker_category")
    raw["written_before_start"] = _bool(form, "written_before_start")
    raw["schedule"] = {
        "type": _text(form, "schedule_type") or "fixed",
        "stated_in_contract": _bool(form, "schedule_stated"),
        "notice_working_days": _number(form, "notice_working_days"),
    }
    raw["pay"] = {
        "gross_monthly": _number(form, "gross_monthly"),
        "gross_hourly": _number(form, "gross_hourly"),
    }
    raw["worker"] = {
        "birth_date": _text(form, "birth_date"),
        "is_student": _bool(form, "is_student"),
        "ris_beneficiary": _bool(form, "ris_beneficiary"),
    }
    if form.get("clauses_read"):
        clauses: dict[str, Any] = {
            "penalty": bool(form.get("penalty")),
            "deposit_amount": _number(form, "deposit_amount"),
        }
        if form.get("trial"):
            clauses["trial"] = {"working_days": _number(form, "trial_days"), "written": True}
        if form.get("non_compete"):
            clauses["non_compete"] = {
                "written": True,
                "duration_months": _number(form, "non_compete_months"),
            }
        raw["clauses"] = clauses
    raw = _prune(raw)
    if raw.get("schedule") == {"type": "fixed"}:
        raw.pop("schedule")
    if "kind" not in raw:
        raise BadRequest("Choisissez le type de contrat.")
    try:
        return msgspec.convert(raw, Contract, strict=False)
    except msgspec.ValidationError as exc:
        raise BadRequest(f"Le contrat décrit n'est pas valide : {exc}.") from exc


def key_terms(contract: dict[str, Any]) -> list[tuple[str, str]]:
    """The contract's main terms, for the visa page."""
    pay = contract.get("pay") or {}
    rows = [
        ("Type", KIND_LABELS.get(contract.get("kind", ""), contract.get("kind", "—"))),
        ("Employeur", contract.get("employer_name") or "—"),
        ("Numéro d'entreprise (BCE)", contract.get("employer_bce") or "—"),
        ("Commission paritaire", contract.get("joint_committee") or "—"),
        ("Fonction", contract.get("function") or "—"),
        ("Début", contract.get("start_date") or "—"),
        ("Fin", contract.get("end_date") or "—"),
        ("Heures par semaine", str(contract.get("weekly_hours") or "—")),
        ("Horaire temps plein de référence", str(contract.get("full_time_weekly_hours") or "—")),
        ("Salaire brut mensuel", f"{pay['gross_monthly']} €" if pay.get("gross_monthly") else "—"),
        ("Salaire brut horaire", f"{pay['gross_hourly']} €" if pay.get("gross_hourly") else "—"),
    ]
    return rows


def _flag(value: Any) -> str:
    return "" if value is None else ("true" if value else "false")


def _num(value: Any) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def form_values(contract: dict[str, Any]) -> dict[str, Any]:
    """A stored contract back into the form's fields (to correct a request returned for correction)."""
    values: dict[str, Any] = {"kind": contract.get("kind", "")}
    for name in TEXT_FIELDS + DATE_FIELDS:
        values[name] = contract.get(name) or ""
    for name in NUMBER_FIELDS:
        values[name] = _num(contract.get(name))
    values["worker_category"] = contract.get("worker_category") or ""
    values["written_before_start"] = _flag(contract.get("written_before_start"))
    schedule = contract.get("schedule") or {}
    values["schedule_type"] = schedule.get("type") or "fixed"
    values["schedule_stated"] = _flag(schedule.get("stated_in_contract"))
    values["notice_working_days"] = _num(schedule.get("notice_working_days"))
    pay = contract.get("pay") or {}
    values["gross_monthly"] = _num(pay.get("gross_monthly"))
    values["gross_hourly"] = _num(pay.get("gross_hourly"))
    worker = contract.get("worker") or {}
    values["birth_date"] = worker.get("birth_date") or ""
    values["is_student"] = _flag(worker.get("is_student"))
    values["ris_beneficiary"] = _flag(worker.get("ris_beneficiary"))
    clauses = contract.get("clauses")
    if clauses is not None:
        values["clauses_read"] = "1"
        values["penalty"] = "1" if clauses.get("penalty") else ""
        values["deposit_amount"] = _num(clauses.get("deposit_amount"))
        trial = clauses.get("trial")
        if trial:
            values["trial"] = "1"
            values["trial_days"] = _num(trial.get("working_days"))
        non_compete = clauses.get("non_compete")
        if non_compete:
            values["non_compete"] = "1"
            values["non_compete_months"] = _num(non_compete.get("duration_months"))
    return values
