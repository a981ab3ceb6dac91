"""The contract form of the visa pages, built from the visa package's ``Contract`` model itself.

Why generated from the model: everything the API can check must be enterable on the page (issue 18); a
form written by hand drifts from the model as fields are added. Here every leaf field of ``Contract`` is a
form field (a French label is required for each, a test walks the model), lists become a few numbered rows,
optional blocks are kept only when something in them is filled (or their « présent » box is ticked), and
everything left empty stays « unknown », which the checks answer with « à vérifier » rather than a guess.
Common fields keep short names (``gross_monthly``) so bookmarks, tests and the browser's autofill keep working.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from dataclasses import dataclass, field, replace
from typing import Any

import msgspec

from coordination.errors import BadRequest
from coordination.formatting import day_fr, euro_fr, hours_fr
from coordination.validation_messages import french
from coordination.visa import contract as model
from coordination.visa.checks.form import MENTION_LABELS
from coordination.visa.contract import Contract
from coordination.visa.labels import KIND_LABELS as CONTRACT_KIND_LABELS

KIND_LABELS = {
    **CONTRACT_KIND_LABELS,
    # the form says a little more than the certificate's short names
    "open_ended": "Contrat de travail à durée indéterminée",
    "article_60": "Article 60 §7 (mise à l'emploi par le CPAS)",
    "article_61": "Article 61 (mise à l'emploi chez un partenaire du CPAS)",
    "first_internship": "Stage de première expérience",
}
CATEGORY_LABELS = {"": "Je ne sais pas", "manual": "Ouvrier", "employee": "Employé"}
TRISTATE = {"": "Je ne sais pas", "true": "Oui", "false": "Non"}
ENUM_LABELS: dict[type, dict[str, str]] = {
    model.ContractKind: KIND_LABELS,
    model.WorkerCategory: {"manual": "Ouvrier", "employee": "Employé"},
    model.ScheduleType: {"fixed": "Fixe", "variable": "Variable"},
    model.BonusKind: {
        "year_end": "Prime de fin d'année",
        "regular": "Prime régulière",
        "holiday_pay": "Pécule de vacances",
        "expenses": "Remboursement de frais",
        "overtime_premium": "Sursalaire d'heures supplémentaires",
    },
    model.PayFrequency: {
        "monthly": "Une fois par mois",
        "twice_monthly": "Deux fois par mois",
        "weekly": "Chaque semaine",
        "other": "Autre",
    },
    model.WorkerCostKind: {
        "work_clothing": "Vêtements de travail",
        "clothing_cleaning": "Entretien des vêtements",
        "tools": "Outils et matériel",
        "fees": "Frais administratifs",
        "other": "Autre",
    },
    model.DeductionKind: {
        "tax": "Précompte professionnel",
        "social": "Cotisations sociales",
        "work_rule_fine": "Amende du règlement de travail",
        "damages": "Dommages et intérêts",
        "advance": "Avance sur salaire",
        "deposit": "Cautionnement",
        "other": "Autre",
    },
    model.Mention: {m.value: label for m, label in MENTION_LABELS.items()},
}
WEEKDAYS = {
    "1": "lundi",
    "2": "mardi",
    "3": "mercredi",
    "4": "jeudi",
    "5": "vendredi",
    "6": "samedi",
    "7": "dimanche",
}
PER_LABELS = {"year": "par an", "month": "par mois"}

#: Rows offered for each list of the model.
LIST_ROWS = {
    "schedule.shifts": 7,
    "pay.bonuses": 3,
    "clauses.worker_costs": 3,
    "clauses.deductions": 3,
    "earlier_fixed_term_contracts": 4,
}

#: Short form names of common fields (kept from the first version of the form).
NAMES = {
    "pay.gross_monthly": "gross_monthly",
    "pay.gross_hourly": "gross_hourly",
    "schedule.type": "schedule_type",
    "schedule.stated_in_contract": "schedule_stated",
    "schedule.notice_working_days": "notice_working_days",
    "worker.birth_date": "birth_date",
    "worker.is_student": "is_student",
    "worker.ris_beneficiary": "ris_beneficiary",
    "clauses?": "clauses_read",
    "clauses.trial?": "trial",
    "clauses.trial.working_days": "trial_days",
    "clauses.non_compete?": "non_compete",
    "clauses.non_compete.duration_months": "non_compete_months",
    "clauses.penalty": "penalty",
    "clauses.deposit_amount": "deposit_amount",
}

LABELS = {
    "kind": "Type de contrat ou de convention",
    "signature_date": "Date de signature prévue",
    "start_date": "Date de début",
    "end_date": "Date de fin",
    "employer_name": "Employeur",
    "employer_bce": "Numéro d'entreprise (BCE)",
    "joint_committee": "Commission paritaire",
    "function": "Fonction",
    "worker_category": "Catégorie",
    "weekly_hours": "Heures par semaine",
    "full_time_weekly_hours": "Temps plein de référence (heures)",
    "written_before_start": "Contrat écrit et signé avant le début du travail ?",
    "mentions?": "J'ai relu les mentions de l'écrit (cochez celles qui y figurent)",
    "mentions": "Mentions présentes dans l'écrit",
    "inspection_approval": "Autorisation du contrôle des lois sociales pour des contrats successifs ?",
    "unpaid_test_days": "Jours « d'essai » non payés prévus avant le contrat",
    "unpaid_test_productive": "Pendant ces jours, la personne produit-elle du travail ?",
    "worker.birth_date": "Date de naissance",
    "worker.age": "Âge (seulement si la date de naissance est inconnue)",
    "worker.is_student": "Étudiant·e ?",
    "worker.ris_beneficiary": "Bénéficiaire du revenu d'intégration ?",
    "worker.weekly_hours_other_employers": "Heures prestées chaque semaine chez d'autres employeurs",
    "schedule.type": "Horaire",
    "schedule.shifts.weekday": "Jour",
    "schedule.shifts.start": "Début",
    "schedule.shifts.end": "Fin",
    "schedule.shifts.break_minutes": "Pause (minutes)",
    "schedule.shifts.public_holiday": "Jour férié",
    "schedule.stated_in_contract": "Horaire indiqué dans le contrat ?",
    "schedule.variable_schedules_in_work_rules": "Horaires variables prévus au règlement de travail ?",
    "schedule.notice_working_days": "Horaire variable : prévenu combien de jours ouvrables à l'avance ?",
    "schedule.sector_notice_working_days": "Délai réduit par une CCT sectorielle (jours ouvrables)",
    "schedule.unpaid_presence_minutes_per_week": "Présence non payée par semaine (mise en place, nettoyage, attente), en minutes",
    "schedule.min_shift_derogation": "Dérogation à la durée minimale de 3 heures ?",
    "schedule.sunday_exception": "Dérogation autorisant le travail du dimanche ?",
    "schedule.sunday_compensatory_rest": "Repos compensatoire après un dimanche travaillé ?",
    "schedule.night_exception": "Dérogation autorisant le travail de nuit (20 h – 6 h) ?",
    "pay.gross_monthly": "Salaire brut mensuel (€)",
    "pay.gross_hourly": "Ou salaire brut horaire (€)",
    "pay.net_monthly": "Salaire net mensuel (€)",
    "pay.bonuses.kind": "Prime",
    "pay.bonuses.amount": "Montant (€)",
    "pay.bonuses.per": "Par",
    "pay.sector_has_youth_scale": "Le secteur a-t-il un barème jeunes ?",
    "pay.sector_minimum.monthly_full_time": "Minimum sectoriel mensuel temps plein (€)",
    "pay.sector_minimum.hourly": "Ou minimum sectoriel horaire (€)",
    "pay.sector_minimum.source": "Source du minimum sectoriel (adresse web ou référence de la CCT)",
    "pay.sector_minimum.valid_from": "Minimum sectoriel en vigueur depuis le",
    "pay.frequency": "Périodicité du paiement",
    "pay.max_days_between_payments": "Jours au plus entre deux paiements",
    "pay.payment_deadline_working_days": "Paiement au plus tard (jours ouvrables après la période)",
    "pay.deadline_set_in_work_rules": "Délai fixé par le règlement de travail ?",
    "pay.bank_transfer": "Payé par virement ?",
    "clauses?": "J'ai relu les clauses du contrat (sinon, chaque clause sera « à vérifier »)",
    "clauses.trial?": "Clause d'essai",
    "clauses.trial.working_days": "Durée de l'essai (jours ouvrables)",
    "clauses.trial.written": "Essai prévu par écrit ?",
    "clauses.trial.temporary_agency_work": "Contrat de travail intérimaire",
    "clauses.non_compete?": "Clause de non-concurrence",
    "clauses.non_compete.written": "Clause de non-concurrence écrite ?",
    "clauses.non_compete.duration_months": "Durée de la non-concurrence (mois)",
    "clauses.non_compete.beyond_belgium": "S'étend au-delà de la Belgique ?",
    "clauses.non_compete.indemnity_fraction": "Indemnité (part de la rémunération de la période, ex. 0,5)",
    "clauses.non_compete.function_listed_by_cct": "Fonction désignée par une CCT ?",
    "clauses.non_compete.effective_in_first_six_months": "Effet si le contrat finit dans les 6 premiers mois ?",
    "clauses.training_repayment?": "Clause d'écolage (remboursement de formation)",
    "clauses.training_repayment.training_hours": "Durée de la formation (heures)",
    "clauses.training_repayment.training_cost": "Coût de la formation (€)",
    "clauses.training_repayment.written_before_training": "Clause écrite avant la formation ?",
    "clauses.training_repayment.repayment_period_years": "Période de remboursement (années)",
    "clauses.training_repayment.shortage_occupation": "Métier en pénurie ?",
    "clauses.penalty": "Clause pénale (amende en cas de départ…)",
    "clauses.debt_acknowledgement": "Reconnaissance de dette imposée au travailleur",
    "clauses.extra_liability": "Responsabilité du travailleur élargie",
    "clauses.worker_costs.kind": "Frais à charge du travailleur",
    "clauses.worker_costs.monthly_amount": "Montant mensuel (€)",
    "clauses.worker_costs.description": "Précision",
    "clauses.deductions.kind": "Retenue sur salaire",
    "clauses.deductions.monthly_amount": "Montant mensuel (€)",
    "clauses.deductions.description": "Précision",
    "clauses.deposit_amount": "Caution demandée (€)",
    "clauses.overtime?": "Clause d'heures supplémentaires",
    "clauses.overtime.legal_reason": "Motif légal des heures supplémentaires",
    "clauses.overtime.max_hours_per_day": "Maximum par jour (heures)",
    "clauses.overtime.max_hours_per_week": "Maximum par semaine (heures)",
    "clauses.overtime.premium": "Sursalaire (part, ex. 0,5)",
    "clauses.overtime.sunday_holiday_premium": "Sursalaire dimanche ou jour férié (part, ex. 1)",
    "clauses.overtime.paid": "Heures supplémentaires payées ?",
    "clauses.overtime.compensatory_rest": "Repos compensatoire ?",
    "clauses.overtime_included_in_salary": "« Heures supplémentaires comprises dans le salaire »",
    "earlier_fixed_term_contracts?": "J'ai vérifié les contrats à durée déterminée antérieurs avec cet employeur (cochez même s'il n'y en a aucun)",
    "earlier_fixed_term_contracts.start_date": "Début",
    "earlier_fixed_term_contracts.end_date": "Fin",
    "earlier_fixed_term_contracts.kind": "Type",
    "replacement.reason": "Motif du remplacement",
    "replacement.replaced_person": "Personne remplacée",
    "replacement.conditions_stated": "Conditions de l'engagement indiquées ?",
    "pfi.duration_weeks": "Durée de la PFI (semaines)",
    "pfi.target_group": "Public cible (jusqu'à 52 semaines) ?",
    "pfi.employer_premium_fraction": "Prime de stagiaire payée par l'employeur (part, ex. 0,8)",
    "pfi.travel_costs_paid": "Frais de déplacement payés ?",
    "pfi.tutor": "Tuteur désigné ?",
    "pfi.accident_insurance": "Assurance accidents ?",
    "pfi.hiring_commitment_weeks": "Engagement après la formation (semaines)",
    "pfi.hiring_in_trained_job": "Engagement dans le métier appris ?",
    "pfi.dismissal_to_make_room": "Un travailleur licencié pour faire de la place ?",
    "pfi.days_worked_there_previous_3_months": "Jours prestés chez cet employeur les 3 derniers mois",
    "cip.monthly_allowance": "Allocation mensuelle de la convention d'immersion (€)",
    "article_60.employer_is_cpas": "Le CPAS est l'employeur ?",
    "article_60.planned_working_days": "Jours de travail prévus",
    "article_60.placed_with_user": "Mis à disposition d'un utilisateur ?",
    "article_60.user_allowed": "Utilisateur autorisé ?",
    "article_60.placement_agreement_written": "Convention de mise à disposition écrite ?",
    "article_61.tutoring_premium_monthly": "Prime de tutorat mensuelle (€)",
    "article_61.tutoring_months": "Durée de la prime de tutorat (mois)",
    "article_61.premium_deducted_from_pay": "La prime réduit-elle le salaire ?",
    "piis.written": "PIIS écrit ?",
    "piis.fits_aspirations_and_aptitudes": "PIIS construit sur les aspirations et aptitudes ?",
    "piis.ris_granted_on": "Revenu d'intégration accordé le",
    "piis.concluded_on": "PIIS conclu le",
    "piis.reflection_working_days": "Délai de réflexion (jours ouvrables)",
    "piis.evaluation_interval_months": "Évaluation tous les (mois)",
}

#: Fieldsets of the page, in order, by the first segment of the path.
GROUPS = [
    ("Le contrat", ("kind", "signature_date", "start_date", "end_date", "written_before_start", "mentions")),
    (
        "L'employeur et la fonction",
        ("employer_name", "employer_bce", "joint_committee", "function", "worker_category"),
    ),
    (
        "Temps de travail",
        ("weekly_hours", "full_time_weekly_hours", "schedule", "unpaid_test_days", "unpaid_test_productive"),
    ),
    ("Salaire", ("pay",)),
    ("La personne", ("worker",)),
    ("Les clauses", ("clauses",)),
    ("Contrats antérieurs avec cet employeur", ("earlier_fixed_term_contracts", "inspection_approval")),
    ("Remplacement", ("replacement",)),
    (
        "Dispositifs : PFI, immersion, articles 60 et 61, PIIS",
        ("pfi", "cip", "article_60", "article_61", "piis"),
    ),
]


ROW_TITLES = {
    "schedule.shifts": "prestation",
    "pay.bonuses": "prime",
    "clauses.worker_costs": "frais",
    "clauses.deductions": "retenue",
    "earlier_fixed_term_contracts": "contrat antérieur",
}


@dataclass(frozen=True)
class Field:
    """One form input: ``path`` in the model (list rows as ``a.b.0.c``), ``name`` in the form."""

    path: str
    name: str
    label: str
    kind: str  # text, number, date, time, tristate, checkbox, select, multi
    options: dict[str, str] | None = None
    required: bool = False
    row: int | None = None
    hint: Any = field(default=None, compare=False, repr=False)
    """The leaf's type in the model (with its bounds), to check each typed value on its own."""

    @property
    def full_label(self) -> str:
        """The label, with the row it belongs to (« Début (prestation 2) ») so every label is unique."""
        if self.row is None:
            return self.label
        head = self.path.split(f".{self.row}.")[0]
        return f"{self.label} ({ROW_TITLES[_label_key(head)]} {self.row + 1})"

    @property
    def row_start(self) -> bool:
        """First field of a list row: the template opens a new line there."""
        return self.row is not None and self.path.split(".")[-1] == _first_leaf(self.path)


def _unwrap(tp: Any) -> tuple[Any, bool]:
    """(the type without ``None`` and ``Annotated``, whether ``None`` was allowed)."""
    optional = False
    if typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        optional = len(args) < len(typing.get_args(tp))
        tp = args[0]
    if typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp, optional


def _first_leaf(path: str) -> str:
    head, _, _ = path.rpartition(".")
    struct_path = _label_key(head)
    item = _ROW_TYPES[struct_path]
    return msgspec.structs.fields(item)[0].name


_ROW_TYPES: dict[str, type[msgspec.Struct]] = {
    "schedule.shifts": model.Shift,
    "pay.bonuses": model.Bonus,
    "clauses.worker_costs": model.WorkerCost,
    "clauses.deductions": model.Deduction,
    "earlier_fixed_term_contracts": model.EarlierContract,
}


def _label_key(path: str) -> str:
    return ".".join(p for p in path.split(".") if not p.isdigit())


def _name(path: str) -> str:
    return NAMES.get(path, path)


_FIXED_SELECTS = {"schedule.shifts.weekday": WEEKDAYS, "pay.bonuses.per": PER_LABELS}
_INPUT_KINDS: dict[Any, str] = {dt.date: "date", dt.time: "time", int: "number", float: "number"}


def _toggle(path: str, key: str) -> Field:
    """The checkbox saying whether an optional part (a list, a group) is filled in at all."""
    return Field(path + "?", _name(path + "?"), LABELS[key + "?"], "checkbox")


def _list_fields(path: str, key: str, tp: Any, optional: bool) -> list[Field]:
    """A list: several choices of an enumeration in one input, or a fixed number of rows of a struct."""
    (item,) = typing.get_args(tp)
    item, _ = _unwrap(item)
    if isinstance(item, type) and issubclass(item, enum.Enum):
        return [_toggle(path, key), Field(path, path, LABELS[key], "multi", ENUM_LABELS[item])]
    out = [_toggle(path, key)] if optional and key + "?" in LABELS else []
    for i in range(LIST_ROWS[key]):
        out.extend(_fields_of(item, f"{path}.{i}.", i))
    return out


def _struct_fields(path: str, key: str, tp: type, row: int | None) -> list[Field]:
    """A nested group, behind its toggle when it is optional (the worker is always filled in)."""
    out = [_toggle(path, key)] if path != "worker" and key + "?" in LABELS else []
    return out + _fields_of(tp, path + ".", row)


def _leaf(path: str, key: str, tp: Any, optional: bool, required: bool, row: int | None) -> Field:
    """One input for a plain value, its kind chosen by the value's type."""
    label = LABELS[key]
    if tp is bool:
        kind = "tristate" if optional else "checkbox"
        return Field(path, _name(path), label, kind, TRISTATE if optional else None, row=row)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return Field(path, _name(path), label, "select", ENUM_LABELS[tp], required, row)
    if key in _FIXED_SELECTS:
        return Field(path, path, label, "select", _FIXED_SELECTS[key], row=row)
    return Field(path, _name(path), label, _INPUT_KINDS.get(tp, "text"), row=row)


def _fields_of(struct: type, prefix: str = "", row: int | None = None) -> list[Field]:
    out: list[Field] = []
    hints = typing.get_type_hints(struct, include_extras=True)
    for f in msgspec.structs.fields(struct):
        path = f"{prefix}{f.name}"
        tp, optional = _unwrap(hints[f.name])
        key = _label_key(path)
        if typing.get_origin(tp) is list:
            out.extend(_list_fields(path, key, tp, optional))
        elif isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            out.extend(_struct_fields(path, key, tp, row))
        else:
            required = f.required and row is None and prefix == ""
            out.append(replace(_leaf(path, key, tp, optional, required, row), hint=hints[f.name]))
    return out


FIELDS: list[Field] = _fields_of(Contract)
BY_PATH = {f.path: f for f in FIELDS}
BY_NAME = {f.name: f for f in FIELDS}


def groups() -> list[tuple[str, list[Field]]]:
    """The fields by fieldset, for the template."""
    out = []
    for title, heads in GROUPS:
        out.append((title, [f for f in FIELDS if f.path.split(".")[0].rstrip("?") in heads]))
    return out


# --- form → Contract ------------------------------------------------------------------------------


def _text(form: dict[str, Any], name: str) -> str | None:
    value = str(form.get(name) or "").strip()
    return value or None


class FieldError(ValueError):
    """One typed value the model cannot take, said in French for the field it was typed in."""


def _number(value: str, label: str) -> float:
    try:
        return float(value.replace(",", ".").replace("\u202f", "").replace("\u00a0", "").replace(" ", ""))
    except ValueError as exc:
        raise FieldError(f"« {value} » n'est pas un nombre : écrivez par exemple 2111,89.") from exc


def _value(f: Field, form: dict[str, Any]) -> Any:
    if f.kind == "checkbox":
        return True if form.get(f.name) else None
    if f.kind == "multi":
        raw = form.get(f.name)
        values = raw if isinstance(raw, list) else [raw] if raw else []
        return [v for v in values if v] or None
    text = _text(form, f.name)
    if text is None:
        return None
    if f.kind == "tristate":
        return {"true": True, "false": False}.get(text)
    if f.kind == "number":
        return _number(text, f.label)
    if f.path.endswith("weekday"):
        if text not in WEEKDAYS:
            raise FieldError("Choisissez un jour de la semaine.")
        return int(text)
    if f.kind == "time" and len(text) == 5:
        return text + ":00"  # the browser sends HH:MM
    return text


def _leaf_error(f: Field, value: Any) -> str | None:
    """Why this one value does not fit its field of the model (a negative amount, a date that is not a
    date, an unknown choice), in French; ``None`` when it fits."""
    if f.hint is None or f.kind in ("checkbox", "multi"):
        return None
    try:
        msgspec.convert(value, f.hint, strict=False)
    except msgspec.ValidationError as exc:
        message = french(str(exc))
        return message[:1].upper() + message[1:] + "."
    return None


def _set(tree: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = tree
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


def _build(node: Any) -> Any:
    """Nested dicts → the model's shape: numbered rows become lists (empty rows dropped), a block is kept
    when something in it is filled or its « présent » box (key ``x?``) is ticked."""
    if not isinstance(node, dict):
        return node
    present = {k[:-1] for k, v in node.items() if k.endswith("?") and v}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.endswith("?"):
            continue
        built = _build(value)
        if isinstance(built, dict) and built and all(k.isdigit() for k in built):
            rows = [built[k] for k in sorted(built, key=int) if built[k]]
            if rows or key in present:
                out[key] = rows
            continue
        if built in (None, {}):
            if key in present:
                out[key] = [] if key in {"earlier_fixed_term_contracts", "mentions"} else {}
            continue
        out[key] = built
    for key in present - set(out):
        out[key] = [] if key in {"earlier_fixed_term_contracts", "mentions"} else {}
    return out


FORM_INVALID = "form-invalid"


def form_invalid(errors: dict[str, str]) -> BadRequest:
    """The French 400 of a form with wrong fields; ``extra["fields"]`` maps each field's form name to
    its message, so the page shows each message next to its field (and keeps everything typed)."""
    count = len(errors)
    head = "Un champ est à corriger" if count == 1 else f"{count} champs sont à corriger"
    labels = " ; ".join(
        f"« {BY_NAME[name].full_label} » : {msg[:1].lower()}{msg[1:]}" if name in BY_NAME else msg
        for name, msg in errors.items()
    )
    return BadRequest(f"{head} : {labels}", code=FORM_INVALID, fields=errors)


def contract_from_form(form: dict[str, Any]) -> Contract:
    """The typed contract, or a French 400 naming each wrong field (``extra["fields"]``: form name →
    message; the page shows the form again, as typed, with each message under its field)."""
    tree: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in FIELDS:
        try:
            value = _value(f, form)
        except FieldError as exc:
            errors[f.name] = str(exc)
            continue
        if value is None:
            continue
        problem = _leaf_error(f, value)
        if problem:
            errors[f.name] = problem
            continue
        _set(tree, f.path, value)
    if not _text(form, "kind"):
        errors["kind"] = "Choisissez le type de contrat."
    if errors:
        raise form_invalid(errors)
    raw = _build(tree)
    if raw.get("schedule") == {"type": "fixed"}:
        raw.pop("schedule")
    try:
        return msgspec.convert(raw, Contract, strict=False)
    except msgspec.ValidationError as exc:
        raise form_invalid({_field_of(str(exc)): _sentence(str(exc))}) from exc


_RULE_FIELDS = (
    ("la date de signature", "signature_date"),
    ("la date de début", "start_date"),
    ("la date de fin", "end_date"),
    ("minimum sectoriel : indiquez sa source", "pay.sector_minimum.source"),
    ("minimum sectoriel", "pay.sector_minimum.monthly_full_time"),
)


def _field_of(message: str) -> str:
    """The form field a whole-contract error belongs to: for the model's own consistency rules (raised on
    a block, not a field) the field their message starts with, else the field of msgspec's path."""
    text = french(message)
    path, sep, rest = text.partition(" : ")
    body = rest if sep and not path.startswith("minimum sectoriel") else text
    for words, field_path in _RULE_FIELDS:
        if body.startswith(words):
            return BY_PATH[field_path].name
    if sep:
        f = BY_PATH.get(path.replace("[", ".").replace("]", ""))
        if f is not None:
            return f.name
    return "kind"


def _sentence(message: str) -> str:
    text = french(message)
    path, sep, rest = text.partition(" : ")
    body = rest if sep and (path.replace("[", ".").replace("]", "") in BY_PATH or "." in path) else text
    if body.startswith("minimum sectoriel : "):
        body = body[len("minimum sectoriel : ") :]
    return body[:1].upper() + body[1:] + ("" if body.endswith(".") else ".")


def _readable(message: str) -> str:
    """msgspec's path (``$.pay.gross_monthly``) replaced by the field's French label."""
    text = french(message)
    path, sep, rest = text.partition(" : ")
    if sep:
        key = _label_key(path.replace("[", ".").replace("]", ""))
        label = LABELS.get(key) or LABELS.get(key + "?")
        if label:
            return f"« {label} » : {rest}"
    return text


# --- Contract → form (to correct a returned request) ------------------------------------------------


def _flat(value: Any, path: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        _flat_group(value, path, out)
    elif isinstance(value, list):
        _flat_list(value, path, out)
    else:
        _flat_leaf(value, path, out)


def _tick_toggle(path: str, out: dict[str, Any]) -> None:
    if path + "?" in BY_PATH:
        out[BY_PATH[path + "?"].name] = "1"


def _flat_group(value: dict[str, Any], path: str, out: dict[str, Any]) -> None:
    if path:
        _tick_toggle(path, out)
    for k, v in value.items():
        _flat(v, f"{path}.{k}" if path else k, out)


def _flat_list(value: list[Any], path: str, out: dict[str, Any]) -> None:
    _tick_toggle(path, out)
    f = BY_PATH.get(path)
    if f is not None and f.kind == "multi":
        out[f.name] = [str(v) for v in value]
        return
    for i, item in enumerate(value):
        _flat(item, f"{path}.{i}", out)


def _flat_leaf(value: Any, path: str, out: dict[str, Any]) -> None:
    f = BY_PATH.get(path)
    if f is None or value is None:
        return
    if f.kind == "tristate":
        out[f.name] = "true" if value else "false"
    elif f.kind == "checkbox":
        out[f.name] = "1" if value else ""
    elif isinstance(value, float):
        out[f.name] = str(int(value)) if value.is_integer() else str(value)
    elif isinstance(value, str) and f.kind == "time":
        out[f.name] = value[:5]
    else:
        out[f.name] = str(value)


def form_values(contract: dict[str, Any]) -> dict[str, Any]:
    """A stored contract back into the form's fields."""
    out: dict[str, Any] = {}
    _flat(contract, "", out)
    return out


def _hours(value: Any) -> str:
    return hours_fr(value) if isinstance(value, int | float) else "—"


def key_terms(contract: dict[str, Any]) -> list[tuple[str, str]]:
    """The contract's main terms, for the visa page: French labels, dates in words, amounts in euros."""
    pay = contract.get("pay") or {}
    sector = pay.get("sector_minimum") or {}
    frequency = ENUM_LABELS[model.PayFrequency].get(pay.get("frequency") or "", "—")
    rows = [
        ("Type", KIND_LABELS.get(contract.get("kind", ""), contract.get("kind", "—"))),
        ("Employeur", contract.get("employer_name") or "—"),
        ("Numéro d'entreprise (BCE)", contract.get("employer_bce") or "—"),
        ("Commission paritaire", contract.get("joint_committee") or "—"),
        ("Fonction", contract.get("function") or "—"),
        ("Signature", day_fr(contract.get("signature_date"))),
        ("Début", day_fr(contract.get("start_date"))),
        ("Fin", day_fr(contract.get("end_date")) if contract.get("end_date") else "—"),
        ("Heures par semaine", _hours(contract.get("weekly_hours"))),
        ("Temps plein de référence", _hours(contract.get("full_time_weekly_hours"))),
        ("Salaire brut mensuel", euro_fr(pay.get("gross_monthly"))),
        ("Salaire brut horaire", euro_fr(pay.get("gross_hourly"), 4) if pay.get("gross_hourly") else "—"),
        ("Périodicité du paiement", frequency),
    ]
    if sector:
        amount = sector.get("monthly_full_time") or sector.get("hourly")
        rows.append(("Minimum sectoriel saisi", f"{euro_fr(amount)} — source : {sector.get('source', '—')}"))
    return rows
