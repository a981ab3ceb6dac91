"""CSV import (validated line by line, all or nothing) and CSV export of the registry.

One file per resource (``organisations``, ``services``, ``agreements``); the export writes the same columns
the import reads, so a file can be exported, corrected in a spreadsheet and imported back. Lists are
separated by ``|``; dates are ``YYYY-MM-DD`` or ``DD/MM/YYYY``; amounts in euros (``12500,50`` or
``12500.50``); the delimiter is ``;`` (Belgian spreadsheets) or ``,``, detected from the header. Coded
values (type of partner, type of agreement, status) are written as their French label (« Appel à projets »)
and read back from the label or the code.

Import is in two passes: every line is parsed and checked (types, vocabularies, BCE, references, duplicates in
the file and uniqueness in the registry) *without writing*; only if no line has an error are the lines
applied, in one transaction. A rejected file leaves the registry exactly as it was.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.access.principal import Principal
from coordination.cadastre import rules
from coordination.cadastre import services as svc
from coordination.cadastre.models import Agreement, PartnerProfile, Service
from coordination.cadastre.schemas import ImportLine, ImportReport
from coordination.cadastre.validation import check_agreement, check_organisation, check_service
from coordination.directory.models import Organisation, OrganisationKind
from coordination.errors import ProblemError

MAX_IMPORT_LINES = 5000

COLUMNS: dict[str, tuple[str, ...]] = {
    "organisations": (
        "tax_id",
        "name",
        "partner_kind",
        "bassin",
        "alternate_name",
        "description",
        "email",
        "website",
        "legal_status",
        "status",
    ),
    "services": ("organization_tax_id", *svc.SERVICE_FIELDS),
    "agreements": (
        "reference",
        "title",
        "organization_tax_id",
        "funder",
        "kind",
        "start_date",
        "end_date",
        "funding_amount",
        "target_entrants",
        "target_positive_exits",
        "territory",
        "publics",
    ),
}
HEADERS_FR: dict[str, str] = {
    "tax_id": "Numéro BCE", "name": "Nom", "partner_kind": "Type de partenaire", "bassin": "Bassin",
    "alternate_name": "Autre nom", "description": "Description", "email": "Courriel", "website": "Site web",
    "legal_status": "Forme juridique", "status": "État", "organization_tax_id": "Numéro BCE de l'organisation",
    "url": "Adresse web", "publics": "Publics", "service_areas": "Bassins desservis", "capacity": "Capacité",
    "capacity_unit": "Unité de capacité", "eligibility_description": "Conditions d'accès",
    "application_process": "Inscription", "minimum_age": "Âge minimum", "maximum_age": "Âge maximum",
    "languages": "Langues", "reference": "Référence", "title": "Intitulé", "funder": "Financeur",
    "kind": "Type de convention", "start_date": "Début", "end_date": "Fin", "funding_amount": "Financement (€)",
    "target_entrants": "Objectif d'entrées", "target_positive_exits": "Objectif de sorties positives",
    "territory": "Territoire",
}  # fmt: skip
"""The exported files' headers, in French; the import reads them (or the English field names) back."""
FROM_HEADER = {label.casefold(): column for column, label in HEADERS_FR.items()}
SEPARATORS = (";", ",")
STATUS_LABELS_FR = {
    "active": "actif", "inactive": "inactif", "defunct": "disparu", "temporarily closed": "fermé temporairement",
}  # fmt: skip
"""Partner and service (HSDS) statuses as a spreadsheet user reads them."""
VALUE_LABELS_FR: dict[str, dict[str, str]] = {
    "partner_kind": rules.PARTNER_KIND_LABELS,
    "kind": rules.AGREEMENT_KIND_LABELS,
    "status": STATUS_LABELS_FR,
}
"""Coded columns: exported as their French label, imported from the label (any case) or the code."""
FROM_LABEL = {
    column: {label.casefold(): code for code, label in labels.items()}
    for column, labels in VALUE_LABELS_FR.items()
}


def column_of(header: str) -> str:
    """The field a header names: a French label (any case) or the field itself."""
    cleaned = header.strip()
    return FROM_HEADER.get(cleaned.casefold(), cleaned)


REQUIRED: dict[str, tuple[str, ...]] = {
    "organisations": ("tax_id", "name", "partner_kind"),
    "services": ("organization_tax_id", "name"),
    "agreements": ("reference", "title", "organization_tax_id", "funder", "kind", "start_date", "end_date"),
}
LIST_FIELDS = {"publics", "service_areas", "languages", "territory"}
INT_FIELDS = {"capacity", "minimum_age", "maximum_age", "target_entrants", "target_positive_exits"}
DATE_FIELDS = {"start_date", "end_date"}


# --- parsing (pure) ------------------------------------------------------------------------------


def parse_date(raw: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:  # a calendar date, no instant: the time zone given only to say so
            return datetime.strptime(raw, fmt).replace(tzinfo=UTC).date()
        except ValueError:
            continue
    raise ValueError("Date invalide (attendu AAAA-MM-JJ ou JJ/MM/AAAA).")


def parse_euros(raw: str) -> int:
    text = raw.replace("€", "").replace(" ", "").replace("\u00a0", "")
    if "," in text and "." in text:
        text = text.replace(".", "")  # 12.500,50
    text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError("Montant invalide (ex. 12500,50).") from exc
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("Montant invalide : deux décimales au plus.")
    return int(amount * 100)


def parse_cell(column: str, raw: str) -> Any:
    raw = raw.strip()
    if column in LIST_FIELDS:
        return [item.strip() for item in raw.split("|") if item.strip()]
    if raw == "":
        return None
    if column in INT_FIELDS:
        try:
            return int(raw)
        except ValueError as exc:
            raise ValueError("Nombre entier attendu.") from exc
    if column in DATE_FIELDS:
        return parse_date(raw)
    if column == "funding_amount":
        return parse_euros(raw)
    if column in FROM_LABEL:
        return FROM_LABEL[column].get(raw.casefold(), raw)
    return raw


def _err(field_name: str, message: str) -> dict[str, str]:
    return {"field": field_name, "message": message}


def not_utf8() -> list[ImportLine]:
    """The report of a file that is not UTF-8 text."""
    return [ImportLine(line=1, ok=False, errors=[_err("fichier", "Le fichier doit être encodé en UTF-8.")])]


def dict_reader(content: bytes) -> csv.DictReader | None:
    """The file's rows, split on ``;`` or ``,`` (whichever its first line uses more); None unless UTF-8
    (a byte-order mark is welcome: spreadsheets write one)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return csv.DictReader(io.StringIO(text), delimiter=delimiter)


def read_rows(content: bytes, resource: str) -> tuple[list[tuple[int, dict[str, str]]], list[ImportLine]]:
    """Decode and split the file. Header problems are reported on line 1 and stop the import."""
    reader = dict_reader(content)
    if reader is None:
        return [], not_utf8()
    header = [column_of(h) for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    known, required = set(COLUMNS[resource]), REQUIRED[resource]
    problems = [_err(h, f"Colonne inconnue « {h} ».") for h in header if h not in known]
    problems += [_err(c, f"Colonne obligatoire absente « {c} ».") for c in required if c not in header]
    if problems:
        return [], [ImportLine(line=1, ok=False, errors=problems)]
    rows = []
    for index, row in enumerate(reader, start=2):
        if None in row:
            return [], [
                ImportLine(line=index, ok=False, errors=[_err("ligne", "Trop de colonnes sur cette ligne.")])
            ]
        cleaned = {k.strip(): unneutralise(v or "") for k, v in row.items() if k}
        if any(v.strip() for v in cleaned.values()):
            rows.append((index, cleaned))
        if len(rows) > MAX_IMPORT_LINES:
            return [], [
                ImportLine(
                    line=index, ok=False, errors=[_err("fichier", f"Au plus {MAX_IMPORT_LINES} lignes.")]
                )
            ]
    return rows, []


def _one_per_field(errors: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: set[str] = set()
    kept = []
    for error in errors:
        if error["field"] not in seen:
            seen.add(error["field"])
            kept.append(error)
    return kept


def parse_row(resource: str, row: dict[str, str]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    values: dict[str, Any] = {}
    errors = []
    for column, raw in row.items():
        try:
            values[column] = parse_cell(column, raw)
        except ValueError as exc:
            errors.append(_err(column, str(exc)))
    for column in REQUIRED[resource]:
        if (
            column in values
            and values[column] in (None, [])
            and not any(e["field"] == column for e in errors)
        ):
            errors.append(_err(column, "Valeur obligatoire."))
    if "funding_amount" in values:
        values["funding_cents"] = values.pop("funding_amount")
    return values, errors


# --- import --------------------------------------------------------------------------------------


@dataclass
class _Plan:
    line: int
    values: dict[str, Any]
    existing: Any = None
    errors: list[dict[str, str]] = field(default_factory=list)


async def import_csv(session: AsyncSession, resource: str, content: bytes, actor: Principal) -> ImportReport:
    if not rules.is_keeper(actor):
        raise ProblemError(403, "forbidden", "Seul le Forem, gestionnaire du cadastre, importe des fichiers.")
    rows, header_problems = read_rows(content, resource)
    if header_problems:
        return _report(resource, header_problems, imported=False, total=0)
    checker = _CHECKERS[resource]
    plans = []
    seen: dict[str, int] = {}
    for line, row in rows:
        values, errors = parse_row(resource, row)
        plan = _Plan(line, values, errors=errors)
        await checker(session, plan)
        plan.errors = _one_per_field(plan.errors)
        key = _key(resource, values)
        if key in seen:
            plan.errors.append(_err(_KEY_FIELD[resource], f"Doublon de la ligne {seen[key]}."))
        elif key:
            seen[key] = line
        plans.append(plan)
    lines = [ImportLine(line=p.line, ok=not p.errors, errors=p.errors) for p in plans]
    if not plans:
        return _report(
            resource,
            [ImportLine(line=1, ok=False, errors=[_err("fichier", "Aucune ligne à importer.")])],
            False,
            0,
        )
    if any(p.errors for p in plans):
        return _report(resource, lines, imported=False, total=len(plans))
    for plan, report_line in zip(plans, lines, strict=True):
        report_line.action = await _APPLY[resource](session, plan, actor)
    return _report(resource, lines, imported=True, total=len(plans))


def _report(resource: str, lines: list[ImportLine], imported: bool, total: int) -> ImportReport:
    bad = sum(1 for line in lines if not line.ok)
    if imported:
        message = f"{total} ligne(s) importée(s)."
    else:
        message = f"Import refusé : {bad} ligne(s) en erreur. Rien n'a été enregistré ; corrigez le fichier et réessayez."
    return ImportReport(
        resource=resource,
        imported=imported,
        lines=total,
        valid_lines=total - bad if total else 0,
        errors=bad,
        message=message,
        report=lines,
    )


_KEY_FIELD = {"organisations": "tax_id", "services": "name", "agreements": "reference"}


def _key(resource: str, values: dict[str, Any]) -> str | None:
    if resource == "organisations":
        return rules.normalise_bce(values["tax_id"]) if values.get("tax_id") else None
    if resource == "services":
        bce = rules.normalise_bce(values.get("organization_tax_id") or "")
        return f"{bce}/{(values.get('name') or '').strip().lower()}" if values.get("name") else None
    return values.get("reference")


async def _org_by_bce(session: AsyncSession, raw: str | None) -> Organisation | None:
    if not raw or rules.bce_error(raw):
        return None
    return await session.scalar(
        select(Organisation)
        .join(PartnerProfile, PartnerProfile.organisation_id == Organisation.id)
        .where(Organisation.bce_number == rules.normalise_bce(raw))
    )


async def _check_org(session: AsyncSession, plan: _Plan) -> None:
    problems = check_organisation(plan.values)
    plan.errors += [_err(f, m) for f, m in problems]
    if problems:
        return
    bce = rules.normalise_bce(plan.values["tax_id"])
    org = await session.scalar(select(Organisation).where(Organisation.bce_number == bce))
    if org is not None:
        has_profile = await session.scalar(
            select(PartnerProfile.id).where(PartnerProfile.organisation_id == org.id)
        )
        if not has_profile:
            plan.errors.append(
                _err("tax_id", "Ce numéro BCE appartient à une organisation de l'annuaire hors cadastre.")
            )
        plan.existing = org
    if plan.values["partner_kind"] == "cpas" and (org is None or org.kind is not OrganisationKind.CPAS):
        plan.errors.append(
            _err("partner_kind", "Un CPAS s'inscrit au cadastre depuis sa fiche de l'annuaire.")
        )


async def _line_organisation(session: AsyncSession, plan: _Plan) -> Organisation | None:
    """The registry organisation a service or agreement line names by BCE number (``organization_tax_id``),
    written into its values; a line naming none gets the error."""
    org = await _org_by_bce(session, plan.values.get("organization_tax_id"))
    if org is None:
        plan.errors.append(_err("organization_tax_id", "Aucune organisation du cadastre avec ce numéro BCE."))
    else:
        plan.values["organisation_id"] = org.id
    return org


async def _check_service(session: AsyncSession, plan: _Plan) -> None:
    values = plan.values
    plan.errors += [_err(f, m) for f, m in check_service(values)]
    org = await _line_organisation(session, plan)
    if org is None:
        return
    plan.existing = await session.scalar(
        select(Service).where(Service.organisation_id == org.id, Service.name == values["name"])
    )


async def _check_agreement(session: AsyncSession, plan: _Plan) -> None:
    values = plan.values
    plan.errors += [_err(f, m) for f, m in check_agreement(values)]
    org = await _line_organisation(session, plan)
    funder_raw = values.get("funder") or ""
    funder_filter = (
        Organisation.bce_number == rules.normalise_bce(funder_raw)
        if not rules.bce_error(funder_raw)
        else Organisation.name == funder_raw
    )
    funders = (
        await session.scalars(
            select(Organisation).where(
                funder_filter, Organisation.kind.in_([OrganisationKind.FOREM, OrganisationKind.CPAS])
            )
        )
    ).all()
    if len(funders) != 1:
        plan.errors.append(
            _err(
                "funder",
                "Le Forem ou le CPAS signataire est introuvable (numéro BCE ou nom exact de l'annuaire).",
            )
        )
    else:
        values["funder_id"] = funders[0].id
    plan.existing = await session.scalar(
        select(Agreement).where(Agreement.reference == values.get("reference"))
    )
    if plan.existing is not None and org is not None and plan.existing.organisation_id != org.id:
        plan.errors.append(
            _err("reference", "Cette référence appartient à la convention d'une autre organisation.")
        )


_CHECKERS: dict[str, Callable] = {
    "organisations": _check_org,
    "services": _check_service,
    "agreements": _check_agreement,
}


def _only(values: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in allowed}


async def _apply_org(session: AsyncSession, plan: _Plan, actor: Principal) -> str:
    values = _only(plan.values, COLUMNS["organisations"])
    if plan.existing is not None:
        await svc.update_organisation(svc.Edit(session, actor, clock.today()), plan.existing.id, values)
        return "updated"
    await svc.create_organisation(session, values, actor)
    return "created"


async def _apply_service(session: AsyncSession, plan: _Plan, actor: Principal) -> str:
    values = _only(plan.values, svc.SERVICE_FIELDS)
    values = {k: v for k, v in values.items() if v is not None or k not in ("status", "capacity_unit")}
    if plan.existing is not None:
        await svc.update_service(svc.Edit(session, actor, clock.today()), plan.existing.id, values)
        return "updated"
    await svc.create_service(session, plan.values["organisation_id"], values, actor)
    return "created"


async def _apply_agreement(session: AsyncSession, plan: _Plan, actor: Principal) -> str:
    values = _only(plan.values, (*svc.AGREEMENT_FIELDS, "reference", "organisation_id", "funder_id"))
    if plan.existing is not None:
        values.pop("reference")
        await svc.update_agreement(svc.Edit(session, actor, clock.today()), plan.existing.id, values)
        return "updated"
    await svc.create_agreement(session, values, actor)
    return "created"


_APPLY: dict[str, Callable] = {
    "organisations": _apply_org,
    "services": _apply_service,
    "agreements": _apply_agreement,
}


# --- export --------------------------------------------------------------------------------------


def _cell(value: Any, column: str, decimal_comma: bool = True) -> str:
    """A value as a spreadsheet user reads it: French labels for codes, a decimal comma beside ``;``
    (Belgian spreadsheets), dates as ``AAAA-MM-JJ`` (every spreadsheet reads them as dates, whatever its
    language; the import also takes ``JJ/MM/AAAA``)."""
    if value is None:
        return ""
    if column in LIST_FIELDS:
        return "|".join(value)
    if column == "funding_amount":
        amount = f"{Decimal(value) / 100:.2f}"
        return amount.replace(".", ",") if decimal_comma else amount
    if column in VALUE_LABELS_FR:
        return VALUE_LABELS_FR[column].get(str(value), str(value))
    return str(value)


async def export_rows(session: AsyncSession, resource: str) -> list[dict[str, Any]]:
    if resource == "organisations":
        return [
            {
                "tax_id": org.bce_number,
                "name": org.name,
                "bassin": org.bassin,
                **{f: getattr(profile, f) for f in COLUMNS["organisations"] if hasattr(profile, f)},
            }
            for org, profile in await svc.list_organisations(session)
        ]
    bce_of = dict((await session.execute(select(Organisation.id, Organisation.bce_number))).all())
    if resource == "services":
        return [
            {
                "organization_tax_id": bce_of.get(s.organisation_id),
                **{f: getattr(s, f) for f in svc.SERVICE_FIELDS},
            }
            for s in await svc.list_services(session)
        ]
    names = dict((await session.execute(select(Organisation.id, Organisation.name))).all())
    return [
        {
            "reference": a.reference,
            "title": a.title,
            "organization_tax_id": bce_of.get(a.organisation_id),
            "funder": bce_of.get(a.funder_id) or names.get(a.funder_id),
            "kind": a.kind,
            "start_date": a.start_date.isoformat(),
            "end_date": a.end_date.isoformat(),
            "funding_amount": a.funding_cents,
            "target_entrants": a.target_entrants,
            "target_positive_exits": a.target_positive_exits,
            "territory": a.territory or [],
            "publics": a.publics or [],
        }
        for a in await svc.list_agreements(session)
    ]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would run as a formula (``=HYPERLINK(…)``, ``+…``, ``-…``, ``@…``) gets a
    leading apostrophe, which spreadsheets show as text (OWASP "CSV injection"); plain numbers stay."""
    if cell.startswith(_FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def unneutralise(cell: str) -> str:
    """The reverse on import, so an exported file imports back unchanged."""
    if cell.startswith("'") and cell[1:].startswith(_FORMULA_START):
        return cell[1:]
    return cell


def to_csv(resource: str, rows: list[dict[str, Any]], separator: str = ";") -> str:
    """UTF-8 with BOM (Excel reads the accents), French headers, formulas neutralised, ``;`` (Belgian
    spreadsheets) or ``,``; the import reads such a file back unchanged."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    columns = COLUMNS[resource]
    writer.writerow([HEADERS_FR[c] for c in columns])
    decimal_comma = separator == ";"
    for row in rows:
        writer.writerow([neutralise(_cell(row.get(c), c, decimal_comma)) for c in columns])
    return "\ufeff" + out.getvalue()
