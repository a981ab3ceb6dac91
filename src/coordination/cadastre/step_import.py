"""Bulk import of trajectory steps and their outcomes, for partners who report from their own tools.

A partner (manager or operator) sends one CSV file: one line per step it runs, new (no ``etape``) or already
known (``etape`` = the step's id: its status, end, exit and outcome are updated). The steps are written by
the dossier's own services (:func:`coordination.dossier.services.trajectory.create_step` and
``update_step``), so every rule of the API applies line by line: the step's states and dates, the service and
agreement belonging to the step's organisation (the importer's), the agreement covering the step's dates and
still open (:mod:`.claims`), a partner writing only its own steps.

Every person is reached through the access gate (``trajectory``/``write``), one decision per person, journaled
and committed before anything is written; a person the gate refuses and a NISS that matches no file get the
same message (the import must not tell which NISS exist). Then all lines are written in one transaction (the
services refuse a line before touching any row, so every line's error is collected): if any line fails,
everything is rolled back (all or nothing) and the report lists, line by line and in French, what to correct.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.gate import check_access
from coordination.access.principal import Principal
from coordination.cadastre.csv_io import dict_reader, not_utf8, parse_date
from coordination.cadastre.models import Agreement, Service
from coordination.cadastre.schemas import ImportLine, ImportReport
from coordination.directory.models import Role
from coordination.dossier import schemas as dossier_schemas
from coordination.dossier.models import Person, TrajectoryStep
from coordination.dossier.niss import InvalidNiss, niss_hash, normalise_niss
from coordination.dossier.services import trajectory
from coordination.errors import Forbidden, ProblemError

MAX_LINES = 5000
COLUMNS = (
    "niss", "etape", "type", "service", "convention", "titre", "debut", "fin", "statut", "date_sortie",
    "contrat", "duree_mois", "formation_qualifiante",
)  # fmt: skip
LABELS = {
    "niss": "NISS", "etape": "étape", "type": "type", "service": "service", "convention": "convention",
    "titre": "titre", "debut": "début", "fin": "fin", "statut": "statut", "date_sortie": "date de sortie",
    "contrat": "contrat", "duree_mois": "durée (mois)", "formation_qualifiante": "formation qualifiante",
}  # fmt: skip
KINDS = {
    "formation": "training", "immersion": "immersion", "mentorat": "mentoring", "pfi": "pfi",
    "article 60": "art60", "article 61": "art61", "emploi": "job", "orientation": "orientation", "autre": "other",
}  # fmt: skip
STATUSES = {
    "prévue": "planned", "prevue": "planned", "en cours": "ongoing", "terminée": "completed",
    "terminee": "completed", "abandon": "dropped_out", "annulée": "cancelled", "annulee": "cancelled",
}  # fmt: skip
CONTRACTS = {
    "cdi": "cdi", "cdd": "cdd", "intérim": "interim", "interim": "interim", "article 60": "art60",
    "article 61": "art61", "indépendant": "independent", "independant": "independent", "autre": "other",
}  # fmt: skip
YES_NO = {"oui": True, "non": False}
SHOWN = {
    "type": tuple(KINDS), "statut": ("prévue", "en cours", "terminée", "abandon", "annulée"),
    "contrat": ("cdi", "cdd", "intérim", "article 60", "article 61", "indépendant", "autre"),
    "formation_qualifiante": ("oui", "non"),
}  # fmt: skip
FIELDS = {
    "type": "kind", "titre": "title", "debut": "start_date", "fin": "end_date", "statut": "status",
    "date_sortie": "exit_date", "contrat": "job_contract_kind", "duree_mois": "job_duration_months",
    "formation_qualifiante": "training_qualifying", "service": "service_id", "convention": "agreement_id",
}  # fmt: skip
COLUMN_OF = {v: k for k, v in FIELDS.items()}
IMPORTERS = {Role.PARTNER_MANAGER, Role.PARTNER_OPERATOR}
ROUTE_OPT = {
    "section": "trajectory",
    "action": "write",
    "gate": "un fichier de plusieurs personnes : le gate est appelé pour chaque personne du fichier "
    "(parcours, écriture) par step_import.import_steps, avant toute écriture",
}
"""What the API route and the page declare (one file names many people: the gate runs per line)."""
NO_FILE = "Aucun dossier accessible à votre organisation ne correspond à ce NISS."


def _err(column: str, message: str) -> dict[str, str]:
    return {"field": column, "message": message}


@dataclass
class Line:
    number: int
    raw: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    niss: str | None = None
    step_id: UUID | None = None
    person_id: UUID | None = None


HEADERS_FR = {column: label[0].upper() + label[1:] for column, label in LABELS.items()}
"""The template's headers (« Date de sortie »); the import reads them back, or the column names."""
FROM_HEADER = {label.lower(): column for column, label in LABELS.items()}

TEMPLATE_MEDIA_TYPE = "text/csv; charset=utf-8"
TEMPLATE_HEADERS = {"Content-Disposition": 'attachment; filename="modele-import-etapes.csv"'}
"""How the template is served (the API and the page alike): a CSV download with a French file name."""


def template() -> str:
    """The header line (in French) and one example, ``;``-separated, UTF-8 with BOM (opens in Excel as is)."""
    example = ["85073003328", "", "formation", "", "", "Préformation logistique", "06/01/2025", "28/03/2025",
               "terminée", "", "", "", "oui"]  # fmt: skip
    header = [HEADERS_FR[column] for column in COLUMNS]
    return "\ufeff" + ";".join(header) + "\r\n" + ";".join(example) + "\r\n"


# --- reading (pure) --------------------------------------------------------------------------------


def read_lines(content: bytes) -> tuple[list[Line], list[ImportLine]]:
    reader = dict_reader(content)
    if reader is None:
        return [], not_utf8()
    header = [FROM_HEADER.get(h.strip().lower(), h.strip().lower()) for h in (reader.fieldnames or [])]
    problems = [_err(h, f"Colonne inconnue « {h} ».") for h in header if h not in COLUMNS]
    if "niss" not in header:
        problems.append(_err("niss", "Colonne obligatoire absente « niss »."))
    if problems:
        return [], [ImportLine(line=1, ok=False, errors=problems)]
    reader.fieldnames = header
    lines = []
    for number, row in enumerate(reader, start=2):
        if None in row:
            return [], [
                ImportLine(line=number, ok=False, errors=[_err("ligne", "Trop de colonnes sur cette ligne.")])
            ]
        cleaned = {k: (v or "").strip() for k, v in row.items()}
        if any(cleaned.values()):
            lines.append(Line(number, cleaned))
        if len(lines) > MAX_LINES:
            return [], [
                ImportLine(line=number, ok=False, errors=[_err("fichier", f"Au plus {MAX_LINES} lignes.")])
            ]
    if not lines:
        return [], [
            ImportLine(line=1, ok=False, errors=[_err("fichier", "Le fichier ne contient aucune ligne.")])
        ]
    return lines, []


def parse_line(line: Line) -> None:
    """Fill ``line.values`` (API field names) and ``line.errors`` (French, per column)."""
    _parse_identity(line)
    _parse_vocabularies(line)
    _parse_dates_and_numbers(line)


def _parse_identity(line: Line) -> None:
    """Whose step (NISS) and which one (an existing step's id, or the kind of a new one)."""
    raw = line.raw
    try:
        line.niss = normalise_niss(raw.get("niss", ""))
    except InvalidNiss:
        line.errors.append(_err("niss", "NISS invalide (11 chiffres, clé de contrôle)."))
    if raw.get("etape"):
        try:
            line.step_id = UUID(raw["etape"])
        except ValueError:
            line.errors.append(_err("etape", "Identifiant d'étape invalide."))
    elif not raw.get("type"):
        line.errors.append(_err("type", "Le type est obligatoire pour une nouvelle étape."))


def _parse_vocabularies(line: Line) -> None:
    raw = line.raw
    vocabularies: dict[str, dict[str, Any]] = {
        "type": KINDS,
        "statut": STATUSES,
        "contrat": CONTRACTS,
        "formation_qualifiante": YES_NO,
    }
    for column, vocabulary in vocabularies.items():
        value = raw.get(column, "")
        if not value:
            continue
        if value.lower() not in vocabulary:
            allowed = ", ".join(SHOWN[column])
            line.errors.append(_err(column, f"Valeur « {value} » non reconnue (attendu : {allowed})."))
        else:
            line.values[FIELDS[column]] = vocabulary[value.lower()]


def _parse_dates_and_numbers(line: Line) -> None:
    raw = line.raw
    for column in ("debut", "fin", "date_sortie"):
        if raw.get(column):
            try:
                line.values[FIELDS[column]] = parse_date(raw[column])
            except ValueError as exc:
                line.errors.append(_err(column, str(exc)))
    if raw.get("duree_mois"):
        try:
            line.values["job_duration_months"] = int(raw["duree_mois"])
        except ValueError:
            line.errors.append(_err("duree_mois", "Nombre entier de mois attendu."))
    if raw.get("titre"):
        line.values["title"] = raw["titre"]


# --- resolving and writing -------------------------------------------------------------------------


async def _service(session: AsyncSession, organisation_id: UUID, raw: str) -> UUID | None:
    """A service by id (any: the claims check refuses another organisation's), else by name among the
    importer's services."""
    try:
        return UUID(raw)
    except ValueError:
        pass
    return await session.scalar(
        select(Service.id).where(
            Service.organisation_id == organisation_id, func.lower(Service.name) == raw.lower()
        )
    )


async def _agreement(session: AsyncSession, raw: str) -> UUID | None:
    try:
        return UUID(raw)
    except ValueError:
        return await session.scalar(select(Agreement.id).where(Agreement.reference == raw))


async def _resolve(session: AsyncSession, organisation_id: UUID, line: Line, key: bytes) -> None:
    if line.niss:
        line.person_id = await session.scalar(
            select(Person.id).where(Person.niss_hash == niss_hash(line.niss, key))
        )
        if line.person_id is None:
            line.errors.append(_err("niss", NO_FILE))
    if line.raw.get("service"):
        line.values["service_id"] = await _service(session, organisation_id, line.raw["service"])
        if line.values["service_id"] is None:
            line.errors.append(
                _err(
                    "service",
                    f"Votre organisation ne propose pas de service « {line.raw['service']} » au cadastre.",
                )
            )
    if line.raw.get("convention"):
        line.values["agreement_id"] = await _agreement(session, line.raw["convention"])
        if line.values["agreement_id"] is None:
            line.errors.append(
                _err("convention", f"La convention « {line.raw['convention']} » ne figure pas au cadastre.")
            )


def _problem_errors(exc: ProblemError) -> list[dict[str, str]]:
    listed = exc.extra.get("errors") or []
    if listed:
        return [
            _err(COLUMN_OF.get(e.get("field", ""), e.get("field", "ligne")), e.get("message", exc.detail))
            for e in listed
        ]
    return [_err("ligne", exc.detail)]


def _convert(values: dict[str, Any], shape: type) -> Any:
    try:
        return msgspec.convert(values, shape, strict=False)
    except msgspec.ValidationError as exc:
        path = str(exc).rsplit("$.", 1)[-1].rstrip("`") if "$." in str(exc) else ""
        column = COLUMN_OF.get(path, "ligne")
        raise ProblemError(422, "invalid-line", f"Valeur invalide pour « {LABELS.get(column, column)} ».",
                           errors=[{"field": path or "ligne", "message": f"Valeur invalide pour « {LABELS.get(column, column)} »."}]) from exc  # fmt: skip


async def _apply(session: AsyncSession, principal: Principal, line: Line, person_id: UUID) -> str:
    if line.step_id is None:
        data = _convert(
            {"organisation_id": principal.organisation_id, **line.values}, dossier_schemas.StepCreate
        )
        await trajectory.create_step(session, principal, person_id, data)
        return "created"
    step = await session.get(TrajectoryStep, line.step_id)
    if step is None or step.person_id != person_id:
        raise ProblemError(422, "unknown-step", "Cette étape n'existe pas dans le dossier de cette personne.",
                           errors=[{"field": "etape", "message": "Cette étape n'existe pas dans le dossier de cette personne."}])  # fmt: skip
    changes = {k: v for k, v in line.values.items() if k != "kind"}
    if "kind" in line.values and line.values["kind"] != step.kind:
        raise ProblemError(422, "kind-changed", "Le type d'une étape existante ne change pas.",
                           errors=[{"field": "kind", "message": "Le type d'une étape existante ne change pas."}])  # fmt: skip
    await trajectory.update_step(session, principal, step, _convert(changes, dossier_schemas.StepUpdate))
    return "updated"


async def import_steps(
    session: AsyncSession, principal: Principal, content: bytes, niss_key: bytes, request_id: str
) -> ImportReport:
    """All or nothing. When ``imported`` is false the caller rolls back (the API by raising, the page
    explicitly); the gate's decisions are committed here, before any write."""
    if principal.role not in IMPORTERS or principal.organisation_id is None:
        raise Forbidden(
            "L'import des étapes est réservé aux partenaires, pour leurs propres étapes.", "import-role"
        )
    lines, header_errors = read_lines(content)
    if header_errors:
        return _report(len(lines), header_errors, "Le fichier ne peut pas être lu : corrigez l'en-tête.")
    for line in lines:
        parse_line(line)
        await _resolve(session, principal.organisation_id, line, niss_key)
    # the gate: one decision per person, journaled and committed before anything is written
    allowed: dict[UUID, bool] = {}
    for person_id in dict.fromkeys(line.person_id for line in lines if line.person_id):
        decision = await check_access(session, principal, person_id=person_id, section="trajectory",
                                      action="write", request_id=request_id, raise_on_deny=False)  # fmt: skip
        allowed[person_id] = decision.allowed
    # commit: the gate's decisions are kept even when a line fails and the import is rolled back
    await session.commit()
    report = []
    for line in lines:
        if line.person_id is not None and not allowed[line.person_id]:
            line.errors.append(_err("niss", NO_FILE))
        who = line.person_id
        if line.errors or who is None:  # no person without an error saying why (NISS, no file)
            errors = line.errors or [_err("niss", NO_FILE)]
            report.append(ImportLine(line=line.number, ok=False, errors=_labelled(errors)))
            continue
        try:
            # the dossier's services check everything before they add or change a row: a refused line
            # leaves the session as it was (no savepoint needed; SQLite's driver would commit on release)
            action = await _apply(session, principal, line, who)
        except ProblemError as exc:
            report.append(ImportLine(line=line.number, ok=False, errors=_labelled(_problem_errors(exc))))
            continue
        report.append(ImportLine(line=line.number, ok=True, action=action))
    failed = sum(1 for r in report if not r.ok)
    if failed:
        message = f"Aucune ligne importée : {failed} ligne(s) à corriger sur {len(lines)}."
    else:
        message = f"{len(lines)} ligne(s) importée(s)."
    return _report(len(lines), report, message, imported=not failed)


def _labelled(errors: list[dict[str, str]]) -> list[dict[str, str]]:
    """Errors named by the file's columns (``debut``, not ``start_date``)."""
    return [_err(COLUMN_OF.get(e["field"], e["field"]), e["message"]) for e in errors]


def _report(lines: int, report: list[ImportLine], message: str, imported: bool = False) -> ImportReport:
    errors = sum(1 for r in report if not r.ok)
    return ImportReport(resource="etapes", imported=imported, lines=lines, valid_lines=lines - errors if lines else 0,
                        errors=errors, message=message, report=report)  # fmt: skip


def report_text(report: ImportReport) -> list[str]:
    """The report in French, one sentence per error: « Ligne 3, début : Date invalide … »."""
    out = []
    for line in report.report:
        for error in line.errors:
            out.append(
                f"Ligne {line.line}, {LABELS.get(error['field'], error['field'])} : {error['message']}"
            )
    return out


__all__ = ["COLUMNS", "import_steps", "report_text", "template"]
