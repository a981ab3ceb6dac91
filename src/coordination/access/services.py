"""Consent lifecycle and journal reading. Rules are plain functions; DB functions only ``flush``.

The caller has already passed the gate (section ``consents``/``journal``); these functions check the
*content* of the request (sections, dates, channel and evidence) and write immutable rows/events.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import events as domain_events
from coordination.access.events import ConsentChanged, ConsentEnded, ConsentExpiring
from coordination.access.models import (
    ENDING_EVENT_KINDS,
    AccessJournalEntry,
    Consent,
    ConsentChannel,
    ConsentEvent,
    ConsentEventKind,
)
from coordination.access.policy import (
    ACTION_LABELS_FR,
    BASIS_LABELS_FR,
    FILE_SECTIONS,
    ROLE_LABELS_FR,
    SECTION_LABELS_FR,
    Basis,
    Section,
)
from coordination.access.principal import Principal
from coordination.access.schemas import ConsentEventOut, ConsentOut, JournalEntryOut, RenewConsent
from coordination.db.base import utcnow
from coordination.directory.models import Organisation
from coordination.errors import BadRequest, Conflict, Forbidden, NotFound
from coordination.events import DomainEvent
from coordination.formatting import date_fr
from coordination.shapes import from_row

MAX_CONSENT_DURATION = timedelta(days=3 * 365)
"""A consent always ends; three years at most, renewable (the person is asked again)."""

STATUS_LABELS_FR = {
    "active": "en vigueur",
    "withdrawn": "retiré",
    "expired": "expiré",
    "renewed": "renouvelé (remplacé)",
    "ended": "terminé (sa finalité a pris fin)",
}
EVENT_LABELS_FR = {
    ConsentEventKind.GIVEN: "donné",
    ConsentEventKind.WITHDRAWN: "retiré",
    ConsentEventKind.RENEWED: "renouvelé",
    ConsentEventKind.EXPIRED: "arrivé à échéance",
    ConsentEventKind.ENDED: "terminé, sa finalité ayant pris fin",
}

EXPIRY_NOTICE = timedelta(days=14)
"""The person is told this long before a consent reaches its end date (once per consent)."""
OWN_SPACE = "/mon-espace"
"""The person's own space (web): their consents, with one click to withdraw or renew."""


# --- pure rules ----------------------------------------------------------------------------------


def validate_sections(sections: list[str]) -> list[str]:
    allowed = {s.value for s in FILE_SECTIONS}
    cleaned = list(dict.fromkeys(s.strip() for s in sections))
    if not cleaned:
        raise BadRequest("Indiquez au moins une partie du dossier couverte par le consentement.")
    unknown = [s for s in cleaned if s not in allowed]
    if unknown:
        raise BadRequest(
            "Parties du dossier inconnues : " + ", ".join(unknown) + ".",
            code="unknown-section",
            allowed=sorted(allowed),
        )
    return cleaned


def validate_expiry(expires_at: datetime, now: datetime) -> datetime:
    if expires_at.tzinfo is None:
        raise BadRequest("La date de fin doit préciser le fuseau horaire (ex. 2026-03-31T23:59:00+02:00).")
    expires_at = expires_at.astimezone(UTC)
    if expires_at <= now:
        raise BadRequest("La date de fin du consentement doit être dans le futur.", code="consent-expiry")
    if expires_at - now > MAX_CONSENT_DURATION:
        raise BadRequest(
            "Un consentement vaut au plus trois ans ; il pourra être renouvelé.", code="consent-expiry"
        )
    return expires_at


def person_only(
    principal: Principal,
    person_id: UUID,
    evidence_document_id: UUID | None,
    what: str,
    *,
    channel: str | None = None,
) -> None:
    """A consent is the person's act: giving, renewing or withdrawing one with no signed form attached is
    hers alone. A worker (or the DPO) records what she signed on paper through :mod:`.recorded`, the signed
    form uploaded in the same step; never an id of a document already in the file (a CV would do). She
    acts herself: the ``channel``, if said, is ``self``."""
    if principal.person_id != person_id:
        raise Forbidden(
            f"Seule la personne peut {what} elle-même, dans son espace. Un travailleur enregistre seulement "
            "ce qu'elle a signé sur papier : le formulaire signé est déposé dans la même étape "
            "(multipart/form-data, champ « file », routes « …/recorded »).",
            code="consent-form-required",
        )
    if evidence_document_id is not None:
        raise BadRequest(
            "Vous agissez vous-même : aucune preuve n'est à joindre (votre action est la preuve).",
            code="consent-evidence-upload",
        )
    if channel not in (None, ConsentChannel.SELF.value):
        raise BadRequest("Vous agissez vous-même : le canal est « self ».", code="consent-channel")


def consent_status(consent: Consent, events: list[ConsentEvent], now: datetime) -> str:
    kinds = {e.kind for e in events}
    if ConsentEventKind.WITHDRAWN in kinds:
        return "withdrawn"
    if ConsentEventKind.RENEWED in kinds:
        return "renewed"
    if ConsentEventKind.ENDED in kinds:
        return "ended"
    if consent.expires_at <= now or ConsentEventKind.EXPIRED in kinds:
        return "expired"
    return "active"


# --- database operations -------------------------------------------------------------------------


async def organisation_exists(session: AsyncSession, organisation_id: UUID) -> None:
    if await session.get(Organisation, organisation_id) is None:
        raise BadRequest("Organisme destinataire inconnu.", code="unknown-organisation")


async def give_consent(
    session: AsyncSession,
    principal: Principal,
    person_id: UUID,
    *,
    recipient_organisation_id: UUID,
    sections: list[str],
    purpose: str,
    expires_at: datetime,
    legal_basis: str = "consent",
    channel: str | None = None,
    evidence_document_id: UUID | None = None,
    renews: Consent | None = None,
) -> Consent:
    """The person gives a consent in her own space (channel ``self``). Anyone else is refused here: see
    :func:`person_only` and :func:`coordination.access.recorded.record_consent`."""
    person_only(principal, person_id, evidence_document_id, "donner un consentement", channel=channel)
    terms = check_terms(
        recipient_organisation_id=recipient_organisation_id,
        sections=sections,
        purpose=purpose,
        expires_at=expires_at,
        legal_basis=legal_basis,
    )
    await organisation_exists(session, recipient_organisation_id)
    return await write_consent(session, principal, person_id, terms, ConsentChannel.SELF, None, renews)


@dataclass(frozen=True)
class Terms:
    """What a consent says, checked: to whom, which sections, why, on which basis, until when."""

    recipient_organisation_id: UUID
    sections: list[str]
    purpose: str
    expires_at: datetime
    legal_basis: str = "consent"


def check_terms(
    *,
    recipient_organisation_id: UUID,
    sections: list[str],
    purpose: str,
    expires_at: datetime,
    legal_basis: str = "consent",
    now: datetime | None = None,
) -> Terms:
    """The content rules of every consent, whoever gives or records it (pure)."""
    purpose = (purpose or "").strip()
    if not purpose or len(purpose) > 500:
        raise BadRequest("Indiquez la finalité du partage (500 caractères au plus).", code="consent-purpose")
    return Terms(
        recipient_organisation_id=recipient_organisation_id,
        sections=validate_sections(sections),
        purpose=purpose,
        expires_at=validate_expiry(expires_at, now or utcnow()),
        legal_basis=(legal_basis or "consent")[:80],
    )


async def write_consent(
    session: AsyncSession,
    principal: Principal,
    person_id: UUID,
    terms: Terms,
    channel: ConsentChannel,
    evidence_document_id: UUID | None,
    renews: Consent | None = None,
) -> Consent:
    """The consent row and its ``given`` event (every check already made by the caller). Records
    :class:`ConsentChanged` (``given``), unless it is a renewal's new consent (:func:`write_renewal` records
    ``renewed``)."""
    now = utcnow()
    consent = Consent(
        person_id=person_id,
        **dataclasses.asdict(terms),  # the checked terms, each a column of the same name (sections copied)
        given_at=now,
        recorded_by_user_id=principal.user_id,
        channel=channel,
        evidence_document_id=evidence_document_id,
        renews_id=renews.id if renews else None,
    )
    session.add(consent)
    await session.flush()
    session.add(
        ConsentEvent(
            consent_id=consent.id,
            kind=ConsentEventKind.GIVEN,
            at=now,
            by_user_id=principal.user_id,
            channel=channel,
            evidence_document_id=evidence_document_id,
        )
    )
    await session.flush()
    if renews is None:
        await _changed(session, principal, consent, "given")
    return consent


async def _changed(
    session: AsyncSession, principal: Principal, consent: Consent, change: str, reason: str | None = None
) -> None:
    await domain_events.record(
        session,
        ConsentChanged(
            person_id=consent.person_id,
            consent_id=consent.id,
            change=change,
            actor_user_id=principal.user_id,
            actor_person_id=principal.person_id,
            reason=reason,
        ),
    )


async def _load(
    session: AsyncSession, person_id: UUID, consent_id: UUID
) -> tuple[Consent, list[ConsentEvent]]:
    consent = await session.get(Consent, consent_id)
    if consent is None or consent.person_id != person_id:
        raise NotFound("Consentement introuvable.", code="consent-not-found")
    events = list(
        (await session.scalars(select(ConsentEvent).where(ConsentEvent.consent_id == consent_id))).all()
    )
    return consent, events


def require_active(consent: Consent, events: list[ConsentEvent], now: datetime | None = None) -> None:
    status = consent_status(consent, events, now or utcnow())
    if status != "active":
        raise Conflict(
            f"Ce consentement n'est plus en vigueur ({STATUS_LABELS_FR[status]}).", code="consent-ended"
        )


def require_renewable(consent: Consent, events: list[ConsentEvent], now: datetime | None = None) -> None:
    status = consent_status(consent, events, now or utcnow())
    if status in ("withdrawn", "renewed", "ended"):
        raise Conflict(
            f"Ce consentement ne peut plus être renouvelé ({STATUS_LABELS_FR[status]}).", code="consent-ended"
        )


async def load_consent(
    session: AsyncSession, person_id: UUID, consent_id: UUID
) -> tuple[Consent, list[ConsentEvent]]:
    return await _load(session, person_id, consent_id)


async def withdraw_consent(
    session: AsyncSession,
    principal: Principal,
    person_id: UUID,
    consent_id: UUID,
    *,
    channel: str | None = None,
    evidence_document_id: UUID | None = None,
    note: str | None = None,
) -> Consent:
    """The person withdraws, in one step, effective at once: the next request of the recipient, in any
    process, is refused. A worker records a withdrawal only with the person's signed request and a reason
    (:func:`coordination.access.recorded.record_withdrawal`)."""
    person_only(
        principal,
        person_id,
        evidence_document_id,
        "retirer son consentement sans formulaire signé",
        channel=channel,
    )
    consent, events = await _load(session, person_id, consent_id)
    require_active(consent, events)
    await write_withdrawal(session, principal, consent, ConsentChannel.SELF, None, note)
    return consent


async def write_withdrawal(
    session: AsyncSession,
    principal: Principal,
    consent: Consent,
    channel: ConsentChannel,
    evidence_document_id: UUID | None,
    note: str | None,
) -> None:
    session.add(
        ConsentEvent(
            consent_id=consent.id,
            kind=ConsentEventKind.WITHDRAWN,
            at=utcnow(),
            by_user_id=principal.user_id,
            channel=channel,
            evidence_document_id=evidence_document_id,
            note=(note or None) and note[:500],
        )
    )
    await session.flush()
    await _changed(session, principal, consent, "withdrawn", reason=note)


async def renew_consent(
    session: AsyncSession, principal: Principal, person_id: UUID, consent_id: UUID, renewal: RenewConsent
) -> Consent:
    """The person renews: a NEW consent with the same terms and a later end; the old one gets a
    ``renewed`` event. A worker renews only from a signed form (:func:`.recorded.record_renewal`)."""
    person_only(
        principal,
        person_id,
        renewal.evidence_document_id,
        "renouveler son consentement",
        channel=renewal.channel,
    )
    old, events = await _load(session, person_id, consent_id)
    require_renewable(old, events)
    terms = renewal_terms(old, renewal.expires_at)
    return await write_renewal(session, principal, person_id, old, terms, ConsentChannel.SELF, None)


def renewal_terms(old: Consent, expires_at: datetime) -> Terms:
    return check_terms(
        recipient_organisation_id=old.recipient_organisation_id,
        sections=list(old.sections),
        purpose=old.purpose,
        expires_at=expires_at,
        legal_basis=old.legal_basis,
    )


async def write_renewal(
    session: AsyncSession,
    principal: Principal,
    person_id: UUID,
    old: Consent,
    terms: Terms,
    channel: ConsentChannel,
    evidence_document_id: UUID | None,
) -> Consent:
    new = await write_consent(session, principal, person_id, terms, channel, evidence_document_id, old)
    session.add(
        ConsentEvent(
            consent_id=old.id,
            kind=ConsentEventKind.RENEWED,
            at=utcnow(),
            by_user_id=principal.user_id,
            successor_id=new.id,
        )
    )
    await session.flush()
    await _changed(session, principal, new, "renewed")
    return new


async def record_expiries(session: AsyncSession, now: datetime | None = None) -> int:
    """Write an ``expired`` event for consents past their end (history only; the gate compares dates)."""
    now = now or utcnow()
    ended = select(ConsentEvent.consent_id).where(
        ConsentEvent.kind.in_([*ENDING_EVENT_KINDS, ConsentEventKind.EXPIRED])
    )
    ids = (
        await session.scalars(select(Consent.id).where(Consent.expires_at <= now, Consent.id.not_in(ended)))
    ).all()
    for consent_id in ids:
        session.add(ConsentEvent(consent_id=consent_id, kind=ConsentEventKind.EXPIRED, at=now))
    await session.flush()
    return len(ids)


async def end_for_purpose(
    session: AsyncSession,
    consent_id: UUID,
    by_user_id: UUID | None,
    reason_fr: str,
    *,
    now: datetime | None = None,
    told_by_caller: bool = False,
) -> bool:
    """End a consent whose purpose has ended (the referral it was given for was refused, withdrawn by the
    worker, or expired): an ``ended`` event with who (``by_user_id``; ``None`` for a scheduled sweep) and
    why (``reason_fr``). The consent row and its history stay as they were; the recipient loses access on
    its very next request (the gate reads consent events on every request).

    Not a withdrawal: the person did not take it back, and the history says so. Returns ``False`` (and
    writes nothing) when the consent is no longer in force anyway. Records :class:`ConsentEnded` (the person
    is told in her inbox, unless ``told_by_caller``: the caller's own message says it)."""
    reason = (reason_fr or "").strip()
    if not reason:
        raise ValueError("end_for_purpose() needs the reason, in French")
    consent = await session.get(Consent, consent_id)
    if consent is None:
        raise NotFound("Consentement introuvable.", code="consent-not-found")
    events = list(
        (await session.scalars(select(ConsentEvent).where(ConsentEvent.consent_id == consent_id))).all()
    )
    now = now or utcnow()
    if consent_status(consent, events, now) != "active":
        return False
    session.add(
        ConsentEvent(
            consent_id=consent.id,
            kind=ConsentEventKind.ENDED,
            at=now,
            by_user_id=by_user_id,
            note=reason[:500],
        )
    )
    await domain_events.record(
        session,
        ConsentEnded(
            person_id=consent.person_id, consent_id=consent.id, reason=reason, told_by_caller=told_by_caller
        ),
    )
    await session.flush()
    return True


async def notify_expiring(
    session: AsyncSession, now: datetime | None = None, notice: timedelta = EXPIRY_NOTICE
) -> int:
    """Record :class:`ConsentExpiring` once per consent in force that reaches its end date within
    ``notice`` (the person is told); returns how many. Idempotent (a consent already announced in the
    outbox is skipped); run it daily."""
    now = now or utcnow()
    ended = select(ConsentEvent.consent_id).where(ConsentEvent.kind.in_(ENDING_EVENT_KINDS))
    told = select(DomainEvent.subject_id).where(
        DomainEvent.kind == ConsentExpiring.kind, DomainEvent.subject_id.is_not(None)
    )
    rows = (
        await session.scalars(
            select(Consent)
            .where(
                Consent.expires_at > now,
                Consent.expires_at <= now + notice,
                Consent.given_at <= now,
                Consent.id.not_in(ended),
                Consent.id.not_in(told),
            )
            .order_by(Consent.expires_at)
        )
    ).all()
    for consent in rows:
        await domain_events.record(
            session, ConsentExpiring(person_id=consent.person_id, consent_id=consent.id)
        )
    await session.flush()
    return len(rows)


def _evidence_words(consent: Consent) -> str:
    if consent.channel is ConsentChannel.SELF:
        return "votre propre action dans votre espace"
    where = "formulaire signé" if consent.channel is ConsentChannel.PAPER else "note d'entretien signée"
    return f"{where} (document {consent.evidence_document_id})"


async def list_consents(session: AsyncSession, person_id: UUID) -> list[ConsentOut]:
    now = utcnow()
    rows = (
        await session.execute(
            select(Consent, Organisation.name)
            .join(Organisation, Organisation.id == Consent.recipient_organisation_id)
            .where(Consent.person_id == person_id)
            .order_by(Consent.given_at.desc())
        )
    ).all()
    ids = [c.id for c, _ in rows]
    events: dict[UUID, list[ConsentEvent]] = {i: [] for i in ids}
    if ids:
        for event in await session.scalars(
            select(ConsentEvent).where(ConsentEvent.consent_id.in_(ids)).order_by(ConsentEvent.at)
        ):
            events[event.consent_id].append(event)
    result = []
    for consent, org_name in rows:
        history = [
            from_row(
                e,
                ConsentEventOut,
                kind=e.kind.value,
                label=EVENT_LABELS_FR[e.kind],
                channel=e.channel.value if e.channel else None,
            )
            for e in events[consent.id]
        ]
        status = consent_status(consent, events[consent.id], now)
        if status == "expired" and not any(e.kind == "expired" for e in history):
            history.append(
                ConsentEventOut(
                    kind="expired", label=EVENT_LABELS_FR[ConsentEventKind.EXPIRED], at=consent.expires_at
                )
            )
        result.append(
            from_row(
                consent,
                ConsentOut,
                recipient_organisation_name=org_name,
                section_labels=[SECTION_LABELS_FR[Section(s)] for s in consent.sections],
                channel=consent.channel.value,
                evidence=_evidence_words(consent),
                status=status,
                status_label=STATUS_LABELS_FR[status],
                history=history,
            )
        )
    return result


def consent_out(consents: list[ConsentOut], consent_id: UUID) -> ConsentOut:
    return next(c for c in consents if c.id == consent_id)


# --- the journal, readable -------------------------------------------------------------------------


JOURNAL_ACTION_LABELS_FR = {
    **{action.value: label for action, label in ACTION_LABELS_FR.items()},
    "list": "affichage dans une liste",
}
"""Journal actions: the gate's actions, and ``list`` (a file shown as a line of a list or search)."""


def journal_action_label(action: str) -> str:
    return JOURNAL_ACTION_LABELS_FR.get(action, action)


JOURNAL_BASIS_LABELS_FR = {
    "partner": "personne suivie par l'organisme (étape ou orientation acceptée)",
}
"""Journal bases beyond the gate's: why a line of a list was shown without a file basis (a partner's own
step or accepted referral shows a minimal card)."""


def journal_basis_label(basis: str | None) -> str | None:
    if not basis:
        return None
    try:
        return BASIS_LABELS_FR[Basis(basis)]
    except (ValueError, KeyError):
        return JOURNAL_BASIS_LABELS_FR.get(basis, basis)


def _when_fr(at: datetime) -> str:
    """« le 6 décembre 2026 à 14:05 » in Europe/Brussels (:func:`coordination.formatting.date_fr`)."""
    return "le " + date_fr(at)


def journal_sentence(entry: Any, organisation_name: str | None) -> str:
    who = entry.user_name
    role = ROLE_LABELS_FR.get(entry.role, entry.role)
    org = f", {organisation_name}" if organisation_name else ""
    action = journal_action_label(entry.action)
    section = SECTION_LABELS_FR[Section(entry.section)] if entry.section else "document"
    what = f"{action} de « {section} »"
    if entry.document_id:
        what += f" (document {entry.document_id})"
    when = _when_fr(entry.at)
    if entry.decision == "allow":
        basis = journal_basis_label(entry.basis) or "—"
        return f"{who} ({role}{org}) : {what}, {when}. Base : {basis}."
    return f"{who} ({role}{org}) a demandé : {what}, {when}. Refusé."


async def read_journal(
    session: AsyncSession, *, person_id: UUID | None, limit: int, offset: int, after: tuple | None = None
) -> tuple[list[JournalEntryOut], int]:
    """Newest first. ``after``: the sort key of the last row already shown (keyset pagination): ``(seq,)``
    in one person's chain, ``(at, id)`` across all files."""
    # the organisation's name as stored in the row (as it was at the time of access), never looked up now:
    # a later rename must not change who the person reads accessed her file
    query = select(AccessJournalEntry, AccessJournalEntry.organisation_name)
    count = select(func.count()).select_from(AccessJournalEntry)
    if person_id is not None:
        query = query.where(AccessJournalEntry.person_id == person_id).order_by(AccessJournalEntry.seq.desc())
        count = count.where(AccessJournalEntry.person_id == person_id)
        if after is not None:
            query = query.where(AccessJournalEntry.seq < after[0])
    else:
        query = query.order_by(AccessJournalEntry.at.desc(), AccessJournalEntry.id.desc())
        if after is not None:
            columns = (AccessJournalEntry.at, AccessJournalEntry.id)
            key = tuple_(*(literal(v, type_=c.type) for v, c in zip(after, columns, strict=True)))
            query = query.where(tuple_(*columns) < key)
    rows = (await session.execute(query.limit(limit).offset(offset))).all()
    total = int(await session.scalar(count) or 0)
    items = []
    for entry, org_name in rows:
        items.append(
            from_row(
                entry,
                JournalEntryOut,
                organisation_name=org_name,
                role_label=ROLE_LABELS_FR.get(entry.role, entry.role),
                section_label=SECTION_LABELS_FR[Section(entry.section)] if entry.section else None,
                action_label=journal_action_label(entry.action),
                basis_label=journal_basis_label(entry.basis),
                sentence=journal_sentence(entry, org_name),
            )
        )
    return items, total
