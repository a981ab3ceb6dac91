"""CSV import of referent assignments, judged line by line.

Columns (header required, ``,`` or ``;``): ``person_id``, ``adviser_id``, ``reason``. Each accepted line opens
the person's active link inside a SAVEPOINT; a refused line (unknown person or adviser, access denied, a
second active referent, adviser full, missing reason) writes nothing and is reported with its line number
and a French explanation. No line ever replaces an active referent: that is a handover, not an import.
"""

from __future__ import annotations

import contextlib
import csv
import io
from uuid import UUID

from coordination.access.scope import RequestScope
from coordination.dossier.models import Person
from coordination.errors import BadRequest, ProblemError, Unprocessable
from coordination.referent.models import Adviser
from coordination.referent.policies import ReferentPolicies
from coordination.referent.roles import ADVISER_ROLES, require_role
from coordination.referent.schemas import ImportLineOut
from coordination.referent.services import SECTION, Opening, active_link, open_link, portfolio_size

REQUIRED = ("person_id", "adviser_id", "reason")
MAX_LINES = 5000


class _Refused(Exception):
    def __init__(self, code: str, detail: str) -> None:
        self.code, self.detail = code, detail


def parse(text: str) -> list[tuple[int, dict[str, str]]]:
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise BadRequest("Le fichier CSV est vide.", "csv-empty")
    dialect: type[csv.Dialect] = csv.excel
    with contextlib.suppress(csv.Error):  # not sniffable: the default dialect (comma)
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;")
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)  # a lone \r ends a line too
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise BadRequest(
            f"En-tête CSV incomplet : colonnes manquantes {', '.join(missing)} (attendu : {', '.join(REQUIRED)}).",
            "csv-header",
        )
    rows = [
        (reader.line_num, {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None})
        for row in reader
    ]
    if len(rows) > MAX_LINES:
        raise BadRequest(f"Trop de lignes : {len(rows)} (au plus {MAX_LINES} par import).", "csv-too-long")
    return rows


def _uuid(value: str, what: str) -> UUID:
    try:
        return UUID(value)
    except ValueError as exc:
        raise _Refused("invalid-id", f"Identifiant de {what} invalide : « {value} ».") from exc


async def import_upload(scope: RequestScope, policies: ReferentPolicies, raw: bytes) -> list[ImportLineOut]:
    """The API's CSV body (advisers only): decoded as UTF-8, then :func:`import_csv`."""
    require_role(scope.principal, ADVISER_ROLES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unprocessable("Le fichier CSV doit être encodé en UTF-8.", "csv-encoding") from exc
    return await import_csv(scope, policies, text)


async def import_csv(scope: RequestScope, policies: ReferentPolicies, text: str) -> list[ImportLineOut]:
    """Each line judged on its own: the gate (``trajectory``/write, journaled, refused lines too), the
    adviser, the one active referent, the adviser's capacity; an accepted line opens the link."""
    session, principal = scope.session, scope.principal
    reports: list[ImportLineOut] = []
    seen: set[UUID] = set()
    for line, row in parse(text):
        try:
            person_id = _uuid(row.get("person_id", ""), "personne")
            adviser_id = _uuid(row.get("adviser_id", ""), "conseiller")
            reason = row.get("reason", "")
            if not reason:
                raise _Refused("reason-required", "Le motif de l'attribution est obligatoire.")
            if person_id in seen:
                raise _Refused(
                    "referent-already-active",
                    "Cette personne figure déjà plus haut dans le fichier : un seul référent.",
                )
            person = await session.get(Person, person_id)
            if person is None:
                raise _Refused("person-not-found", "Dossier introuvable.")
            decision = await scope.decide(person_id, SECTION, "write")
            if not decision.allowed:
                raise _Refused("access-denied", decision.reason or "Accès refusé.")
            adviser = await session.get(Adviser, adviser_id)
            if adviser is None or not adviser.active:
                raise _Refused("unknown-adviser", f"Conseiller inconnu ou inactif : « {adviser_id} ».")
            if await active_link(session, person_id) is not None:
                raise _Refused(
                    "referent-already-active",
                    "Cette personne a déjà un référent actif : un import ne remplace jamais un référent "
                    "(faites une passation documentée).",
                )
            if await portfolio_size(session, adviser.id) >= adviser.capacity:
                raise _Refused(
                    "adviser-over-capacity",
                    f"{adviser.display_name} a atteint sa capacité ({adviser.capacity}).",
                )
            try:
                async with session.begin_nested():
                    await open_link(session, principal, policies, Opening(person, adviser, reason))
            except ProblemError as exc:
                raise _Refused(exc.code, exc.detail) from exc
            seen.add(person_id)
            reports.append(ImportLineOut(line=line, person_id=str(person_id), status="created"))
        except _Refused as refused:
            reports.append(
                ImportLineOut(
                    line=line,
                    person_id=row.get("person_id", ""),
                    status="refused",
                    code=refused.code,
                    detail=refused.detail,
                )
            )
    return reports
