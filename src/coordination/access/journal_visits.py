"""The journal as people read it: one line per visit, not one per section.

The journal stores one row per section and decision (the hash chain depends on it and does not change);
one opening of a file by a referent writes a dozen rows in the same request. A person asks only "who
looked at my file, when, and why": this module groups the stored rows of one request (same request id,
same user, same decision) into a :class:`Visit` that says who, from which organisation, when, on which
basis, and which parts were seen, in plain words. Refusals are separate visits (``decision == "deny"``)
so a page shows them apart, with the reason.

Read side only: nothing here writes or hashes a row. Used by the person's journal page, the
data-protection officer's view and the person's PDF export, so the three group the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import String, cast, desc, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.models import AccessJournalEntry, Consent
from coordination.access.policy import ROLE_LABELS_FR, SECTION_LABELS_FR, Section
from coordination.access.services import journal_action_label, journal_basis_label
from coordination.clock import BRUSSELS
from coordination.formatting import MONTHS
from coordination.shapes import from_row

E = AccessJournalEntry

MONTHS_FR = MONTHS
"""The French month names of :mod:`coordination.formatting` (one list for the pages, the PDFs and the
journal's export)."""

VISIT_VERBS_FR = {
    "read": "a consulté",
    "write": "a modifié",
    "upload": "a déposé un document dans",
    "export": "a exporté",
    "decide": "a pris une décision sur",
    "delete": "a supprimé un élément de",
    "list": "a vu le dossier dans une liste, avec",
}
"""What the visitor did, as a verb the person reads (``list``: a line of a worklist or a search)."""

DENIED_VERBS_FR = {
    "read": "a demandé à consulter",
    "write": "a demandé à modifier",
    "upload": "a demandé à déposer un document dans",
    "export": "a demandé à exporter",
    "decide": "a demandé à décider sur",
    "delete": "a demandé à supprimer un élément de",
    "list": "a cherché des dossiers dans une liste, avec",
}

REFUSAL_EXPLAINED_FR = (
    "Une demande refusée n'a rien montré : la personne n'avait pas de base (mandat, consentement, "
    "référent) pour cette partie de votre dossier. Cela arrive aussi quand une page ouvre toutes les "
    "parties d'un dossier et que certaines ne sont pas accessibles."
)


def moment_fr(at: datetime) -> str:
    """« 6 décembre 2026 à 00:10 », in Europe/Brussels: the one format of pages and PDFs."""
    local = at.astimezone(BRUSSELS)
    return f"{local.day} {MONTHS_FR[local.month - 1]} {local.year} à {local:%H:%M}"


def section_words(section: str | None) -> str:
    if not section:
        return "un document"
    try:
        return SECTION_LABELS_FR[Section(section)]
    except ValueError:
        return section


@dataclass
class VisitRow:
    """One stored row, for the details on demand."""

    seq: int
    at: datetime
    section: str
    action: str
    basis: str | None
    purpose: str | None
    reason: str | None


@dataclass
class Visit:
    """The rows of one request by one user with one decision, on one file."""

    person_id: UUID
    request_id: str
    at: datetime
    user_id: UUID
    user_name: str
    role: str
    organisation_id: UUID | None
    organisation_name: str | None
    decision: str
    actions: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)
    purposes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    rows: list[VisitRow] = field(default_factory=list)

    @property
    def when(self) -> str:
        return moment_fr(self.at)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS_FR.get(self.role, self.role)

    @property
    def who(self) -> str:
        org = f", {self.organisation_name}" if self.organisation_name else ""
        return f"{self.user_name} ({self.role_label}{org})"

    @property
    def what(self) -> str:
        """« a consulté identité, plan d'action et parcours »."""
        verbs = DENIED_VERBS_FR if self.decision == "deny" else VISIT_VERBS_FR
        parts = [verbs.get(a, a) for a in self.actions]
        return f"{' et '.join(parts)} : {_and_list(self.sections)}"

    @property
    def why(self) -> str:
        if self.decision == "deny":
            return "; ".join(self.reasons) or "refusé : aucune base pour cette partie"
        if self.purposes:
            return "; ".join(f"Consentement : {p}" for p in self.purposes)
        return "; ".join(self.bases) or "—"

    @property
    def sentence(self) -> str:
        return f"{self.when} — {self.who} {self.what}. Base : {self.why}."

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "when": self.when,
            "who": self.who,
            "user_name": self.user_name,
            "role_label": self.role_label,
            "organisation_name": self.organisation_name,
            "decision": self.decision,
            "what": self.what,
            "sections": self.sections,
            "why": self.why,
            "rows": len(self.rows),
        }


def _and_list(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " et " + words[-1]


@dataclass(frozen=True)
class VisitFilter:
    """What the reader asked for: one file (or all, for the DPO), a period of Brussels days, an
    organisation, a decision, and whether the reader's own accesses count."""

    person_id: UUID | None = None
    organisation_id: UUID | None = None
    since: date | None = None
    until: date | None = None
    decision: str | None = None
    exclude_user_id: UUID | None = None

    def conditions(self) -> list[Any]:
        found: list[Any] = []
        if self.person_id is not None:
            found.append(E.person_id == self.person_id)
        if self.organisation_id is not None:
            found.append(E.organisation_id == self.organisation_id)
        if self.since is not None:
            found.append(E.at >= _start_of(self.since))
        if self.until is not None:
            found.append(E.at < _start_of(self.until + timedelta(days=1)))
        if self.decision is not None:
            found.append(E.decision == self.decision)
        if self.exclude_user_id is not None:
            found.append(E.user_id != self.exclude_user_id)
        return found


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BRUSSELS)


def _group_key():
    """Rows of one request share its id; a row written without one (a task) is a visit alone."""
    return func.coalesce(func.nullif(E.request_id, ""), cast(E.id, String))


async def read_visits(
    session: AsyncSession, where: VisitFilter, *, limit: int | None = None, offset: int = 0
) -> tuple[list[Visit], int]:
    """The visits matching ``where``, newest first, and how many there are (a page is cut in visits,
    never in the middle of one)."""
    key = _group_key().label("k")
    groups = (
        select(E.person_id, key, E.user_id, E.decision, func.max(E.at).label("last"))
        .where(*where.conditions())
        .group_by(E.person_id, key, E.user_id, E.decision)
    )
    total = int(await session.scalar(select(func.count()).select_from(groups.subquery())) or 0)
    ordered = groups.order_by(desc("last"), desc(key))
    if limit is not None:
        ordered = ordered.limit(limit).offset(offset)
    chosen = (await session.execute(ordered)).all()
    if not chosen:
        return [], total
    rows = await _rows_of(session, where, [(g.person_id, g.k) for g in chosen])
    purposes = await _purposes(session, rows)
    order = [(g.person_id, g.k, g.user_id, g.decision) for g in chosen]
    wanted = set(order)
    visits: dict[tuple, Visit] = {}
    for entry, k in rows:
        ident = (entry.person_id, k, entry.user_id, entry.decision)
        if ident not in wanted:
            continue  # same request id, another user or decision: not on this page
        if ident not in visits:
            visits[ident] = _new_visit(entry)
        _add(visits[ident], entry, purposes.get(entry.consent_id) if entry.consent_id else None)
    return [visits[i] for i in order if i in visits], total


_EXPORT_COLUMNS = (
    E.id,
    E.person_id,
    E.seq,
    E.at,
    E.user_id,
    E.user_name,
    E.organisation_id,
    E.organisation_name,
    E.role,
    E.section,
    E.document_id,
    E.action,
    E.decision,
    E.basis,
    E.consent_id,
    E.request_id,
    E.reason,
)


async def all_visits(session: AsyncSession, person_id: UUID) -> list[Visit]:
    """Every visit of one file (the PDF export)."""
    return (await export_journal(session, person_id, with_rows=False))[1]


async def export_journal(
    session: AsyncSession, person_id: UUID, *, with_rows: bool = True
) -> tuple[list[dict[str, Any]], list[Visit]]:
    """The whole journal of one file for the export: the stored rows (as the API's journal entries, with
    the French sentence and purpose) and the same rows grouped into visits, from ONE read of plain
    columns (a year of journal is thousands of rows: no ORM object per row)."""
    rows = (
        await session.execute(select(*_EXPORT_COLUMNS).where(E.person_id == person_id).order_by(E.seq.desc()))
    ).all()
    consent_ids = {r.consent_id for r in rows if r.consent_id}
    purposes: dict[UUID, str] = {}
    if consent_ids:
        found = await session.execute(select(Consent.id, Consent.purpose).where(Consent.id.in_(consent_ids)))
        purposes = {cid: purpose for cid, purpose in found}
    visits: dict[tuple, Visit] = {}
    out: list[dict[str, Any]] = []
    for r in rows:
        purpose = purposes.get(r.consent_id) if r.consent_id else None
        ident = (r.request_id or str(r.id), r.user_id, r.decision)
        visit = visits.get(ident)
        if visit is None:
            visit = visits[ident] = _new_visit(r)
        _add(visit, r, purpose)
        if with_rows:
            basis_label = journal_basis_label(r.basis)
            out.append(
                {
                    "id": str(r.id),
                    "person_id": str(r.person_id),
                    "seq": r.seq,
                    "at": r.at.isoformat(),
                    "user_id": str(r.user_id),
                    "user_name": r.user_name,
                    "organisation_id": str(r.organisation_id) if r.organisation_id else None,
                    "organisation_name": r.organisation_name,
                    "role": r.role,
                    "role_label": ROLE_LABELS_FR.get(r.role, r.role),
                    "section": r.section,
                    "section_label": section_words(r.section) if r.section else None,
                    "document_id": str(r.document_id) if r.document_id else None,
                    "action": r.action,
                    "action_label": journal_action_label(r.action),
                    "decision": r.decision,
                    "basis": r.basis,
                    "basis_label": basis_label,
                    "consent_id": str(r.consent_id) if r.consent_id else None,
                    "request_id": r.request_id,
                    "reason": r.reason,
                    "when": moment_fr(r.at),
                    "sentence": row_sentence(r, basis_label),
                    "purpose": (
                        f"Consentement : {purpose}" if purpose else basis_label or r.reason or "Refusé"
                    ),
                }
            )
    return out, sorted(visits.values(), key=lambda v: v.at, reverse=True)


async def _rows_of(session: AsyncSession, where: VisitFilter, idents: list[tuple]) -> list[Any]:
    key = _group_key().label("k")
    people = {i[0] for i in idents}
    keys = {i[1] for i in idents}
    query = (
        select(E, key)
        .where(*where.conditions(), E.person_id.in_(people), _group_key().in_(keys))
        .order_by(E.at.desc(), E.seq.desc())
    )
    return list((await session.execute(query)).all())


async def _purposes(session: AsyncSession, rows: list[Any]) -> dict[UUID, str]:
    ids = {entry.consent_id for entry, _ in rows if entry.consent_id}
    if not ids:
        return {}
    found = await session.execute(select(Consent.id, Consent.purpose).where(Consent.id.in_(ids)))
    return {cid: purpose for cid, purpose in found}


def row_sentence(r: Any, basis_label: str | None) -> str:
    """One stored row in French, dated in the one format of the application."""
    org = f", {r.organisation_name}" if r.organisation_name else ""
    who = f"{r.user_name} ({ROLE_LABELS_FR.get(r.role, r.role)}{org})"
    what = f"{journal_action_label(r.action)} de « {section_words(r.section)} »"
    if r.decision == "allow":
        return f"{who} : {what}, le {moment_fr(r.at)}. Base : {basis_label or '—'}."
    return f"{who} a demandé : {what}, le {moment_fr(r.at)}. Refusé."


def _new_visit(entry: Any) -> Visit:
    """The visit an entry opens: its identity fields read from the row, its lists filled by :func:`_add`."""
    return from_row(entry, Visit)


def _add(visit: Visit, entry: Any, purpose: str | None) -> None:
    visit.at = max(visit.at, entry.at)
    section = section_words(entry.section)
    basis = journal_basis_label(entry.basis)
    for bucket, value in (
        (visit.actions, entry.action),
        (visit.sections, section),
        (visit.bases, basis),
        (visit.purposes, purpose),
        (visit.reasons, entry.reason if entry.decision == "deny" else None),
    ):
        if value and value not in bucket:
            bucket.append(value)
    visit.rows.append(
        VisitRow(
            seq=entry.seq,
            at=entry.at,
            section=section,
            action=journal_action_label(entry.action),
            basis=basis,
            purpose=purpose,
            reason=entry.reason,
        )
    )


async def organisations_seen(session: AsyncSession, person_id: UUID | None) -> list[tuple[UUID, str]]:
    """The organisations in a journal (the filter's choices), by name as the rows recorded it."""
    query = select(E.organisation_id, func.max(E.organisation_name)).where(E.organisation_id.is_not(None))
    if person_id is not None:
        query = query.where(E.person_id == person_id)
    rows = (await session.execute(query.group_by(E.organisation_id))).all()
    return sorted(((oid, name or "Organisme") for oid, name in rows), key=lambda r: r[1].lower())


__all__ = [
    "REFUSAL_EXPLAINED_FR",
    "Visit",
    "VisitFilter",
    "all_visits",
    "moment_fr",
    "organisations_seen",
    "read_visits",
]
