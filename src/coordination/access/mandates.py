"""Mandate facts: who may assert that Forem or a CPAS holds a legal mandate on a person's file.

A mandate opens the whole file to an organisation, so it is never an editable field of the file: it is an
assertion by the organisation that holds it (DOMAIN.md, "Who may assert which fact"):

* "registered job seeker at Forem": asserted and ended only by a Forem worker;
* "CPAS X pays the integration income (RIS)": asserted and ended only by a worker of CPAS X.

Nobody else, the person included, can write them. Each assertion is a dated, attributed row (who, which
organisation, from when, on which ground, through which source), shown in the person's space and in the
timeline; the gate reads the current rows. The :class:`Asserter` is what a future data feed (Forem's
register, a CPAS's RIS decisions) would pass instead of a worker: the rules are the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import events
from coordination.access.events import MandateChanged
from coordination.access.mandate_schemas import MandateOut
from coordination.access.models import Mandate, MandateKind
from coordination.access.principal import Principal
from coordination.clock import brussels_day
from coordination.db.base import utcnow
from coordination.directory.models import Organisation, OrganisationKind, Role
from coordination.dossier.models import Person
from coordination.dossier.services.common import record_event
from coordination.errors import BadRequest, Conflict, Forbidden, NotFound
from coordination.formatting import day_fr
from coordination.shapes import from_row

KIND_LABELS_FR = {
    MandateKind.FOREM_REGISTRATION: "inscrit·e comme demandeur·euse d'emploi au Forem",
    MandateKind.RIS: "revenu d'intégration (RIS) payé par le CPAS",
}
ASSERTING_ROLES = {
    MandateKind.FOREM_REGISTRATION: (
        OrganisationKind.FOREM,
        frozenset({Role.FOREM_REFERENT, Role.FOREM_EADVISER}),
    ),
    MandateKind.RIS: (OrganisationKind.CPAS, frozenset({Role.CPAS_SOCIAL_WORKER})),
}
"""For each fact: the kind of organisation that holds the mandate, and the roles of its workers who may
assert or end it (always for their own organisation)."""
OWN_SPACE = "/mon-espace"


@dataclass(frozen=True)
class Asserter:
    """Who asserts a mandate fact: a worker of the mandated organisation (``worker``: the signed-in
    principal), or (later) a data feed acting for it (no worker). ``source``: ``worker`` or ``feed:<name>``."""

    organisation_id: UUID
    organisation_kind: OrganisationKind
    name: str
    source: str = "worker"
    worker: Principal | None = None
    """Also the timeline's actor (a feed has none)."""

    @classmethod
    def of(cls, principal: Principal) -> Asserter:
        if principal.organisation_id is None or principal.organisation_kind is None:
            raise Forbidden(
                "Seul un organisme mandaté peut déclarer ou clore un mandat légal.", code="mandate-forbidden"
            )
        return cls(
            principal.organisation_id, principal.organisation_kind, principal.display_name, worker=principal
        )

    @property
    def user_id(self) -> UUID | None:
        return self.worker.user_id if self.worker else None

    @property
    def role(self) -> Role | None:
        return self.worker.role if self.worker else None


# --- pure rules ------------------------------------------------------------------------------------


def check_asserter(asserter: Asserter, kind: MandateKind, organisation_id: UUID) -> None:
    """Only the mandated organisation asserts or ends its own mandate; 403 otherwise. Forem is one
    register: any Forem office may end a registration another office recorded; a RIS is one CPAS's."""
    holder_kind, roles = ASSERTING_ROLES[kind]
    other_cpas = kind is MandateKind.RIS and asserter.organisation_id != organisation_id
    if asserter.organisation_kind is not holder_kind or other_cpas:
        who = (
            "un·e travailleur·euse du Forem"
            if kind is MandateKind.FOREM_REGISTRATION
            else ("un·e travailleur·euse du CPAS qui paie ce revenu d'intégration")
        )
        raise Forbidden(
            f"Seul·e {who} peut déclarer ou clore ce mandat ({KIND_LABELS_FR[kind]}).",
            code="mandate-forbidden",
        )
    if asserter.source == "worker" and asserter.role not in roles:
        raise Forbidden("Votre rôle ne permet pas de déclarer un mandat légal.", code="mandate-forbidden")


def check_dates(day: date, today: date, *, after: date | None = None) -> None:
    if day > today:
        raise BadRequest("La date ne peut pas être dans le futur.", code="mandate-date")
    if day.year < 1950:
        raise BadRequest("La date est invalide.", code="mandate-date")
    if after is not None and day < after:
        raise BadRequest("La fin ne peut pas précéder le début du mandat.", code="mandate-date")


def _ground(text: str) -> str:
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise BadRequest(
            "Indiquez le fondement de la déclaration (décision, inscription…).", code="mandate-ground"
        )
    return cleaned[:300]


# --- database --------------------------------------------------------------------------------------


async def _person_exists(session: AsyncSession, person_id: UUID) -> None:
    if await session.scalar(select(Person.id).where(Person.id == person_id)) is None:
        raise NotFound(
            "Dossier introuvable : aucune personne ne porte cet identifiant.", code="person-not-found"
        )


async def _current(session: AsyncSession, person_id: UUID, kind: MandateKind) -> Mandate | None:
    return await session.scalar(
        select(Mandate).where(
            Mandate.person_id == person_id, Mandate.kind == kind, Mandate.ended_at.is_(None)
        )
    )


async def assert_mandate(
    session: AsyncSession,
    asserter: Asserter,
    person_id: UUID,
    *,
    kind: MandateKind,
    started_on: date,
    ground: str,
) -> Mandate:
    """The asserter's organisation holds ``kind`` on the person from ``started_on``. One current assertion
    per kind: a second one (another CPAS, say) waits until the holder ends its own."""
    check_asserter(asserter, kind, asserter.organisation_id)
    now = utcnow()
    check_dates(started_on, brussels_day(now))
    reason = _ground(ground)
    await _person_exists(session, person_id)
    current = await _current(session, person_id, kind)
    if current is not None:
        if current.organisation_id == asserter.organisation_id or kind is MandateKind.FOREM_REGISTRATION:
            raise Conflict("Ce mandat est déjà enregistré et en cours.", code="mandate-exists")
        raise Conflict(
            "Un autre CPAS est enregistré comme payant le revenu d'intégration : lui seul peut clore sa "
            "déclaration avant que la vôtre soit enregistrée.",
            code="mandate-held-elsewhere",
        )
    mandate = Mandate(
        person_id=person_id,
        kind=kind,
        organisation_id=asserter.organisation_id,
        started_on=started_on,
        ground=reason,
        source=asserter.source,
        asserted_by_user_id=asserter.user_id,
        asserted_by_name=asserter.name[:200],
        asserted_at=now,
    )
    session.add(mandate)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent assertion of the same kind won
        raise Conflict("Ce mandat vient d'être enregistré par ailleurs.", code="mandate-exists") from exc
    await _journal_change(session, asserter, mandate, "asserted", f"depuis le {day_fr(started_on)}")
    return mandate


async def end_mandate(
    session: AsyncSession,
    asserter: Asserter,
    person_id: UUID,
    mandate_id: UUID,
    *,
    ended_on: date,
    ground: str,
) -> Mandate:
    """The holder ends its own mandate (registration ended, RIS stopped): effective on the next request."""
    mandate = await session.get(Mandate, mandate_id)
    if mandate is None or mandate.person_id != person_id:
        raise NotFound("Mandat introuvable.", code="mandate-not-found")
    check_asserter(asserter, mandate.kind, mandate.organisation_id)
    if mandate.ended_at is not None:
        raise Conflict("Ce mandat est déjà clos.", code="mandate-ended")
    now = utcnow()
    check_dates(ended_on, brussels_day(now), after=mandate.started_on)
    mandate.ended_at = now
    mandate.ended_on = ended_on
    mandate.ended_by_user_id = asserter.user_id
    mandate.ended_by_name = asserter.name[:200]
    mandate.end_ground = _ground(ground)
    await session.flush()
    await _journal_change(session, asserter, mandate, "ended", f"au {day_fr(ended_on)}")
    return mandate


_CHANGE_VERBS_FR = {"asserted": "déclaré", "ended": "clos"}


async def _journal_change(
    session: AsyncSession, asserter: Asserter, mandate: Mandate, change: str, when_fr: str
) -> None:
    """The file's history line (« Mandat déclaré par … » / « Mandat clos par … ») and the domain event
    of a mandate's change: both changes leave the same two traces, worded alike."""
    org_name = await _organisation_name(session, mandate.organisation_id)
    record_event(
        session,
        asserter.worker,
        person_id=mandate.person_id,
        section="identity",
        kind=f"mandate_{change}",
        summary=f"Mandat {_CHANGE_VERBS_FR[change]} par {org_name} : {KIND_LABELS_FR[mandate.kind]}, "
        f"{when_fr}.",
        subject_id=mandate.id,
    )
    await events.record(
        session, MandateChanged(person_id=mandate.person_id, mandate_id=mandate.id, change=change)
    )


async def _organisation_name(session: AsyncSession, organisation_id: UUID) -> str:
    name = await session.scalar(select(Organisation.name).where(Organisation.id == organisation_id))
    return name or "un organisme"


async def current_mandates(session: AsyncSession, person_ids: list[UUID]) -> dict[UUID, list[Mandate]]:
    """The current assertions of each person (for lists and summaries)."""
    found: dict[UUID, list[Mandate]] = {pid: [] for pid in person_ids}
    if not person_ids:
        return found
    rows = await session.scalars(
        select(Mandate).where(Mandate.person_id.in_(person_ids), Mandate.ended_at.is_(None))
    )
    for mandate in rows:
        found[mandate.person_id].append(mandate)
    return found


def sentence(mandate: Mandate, org_name: str | None) -> str:
    org = org_name or "un organisme"
    said = (
        f"{mandate.asserted_by_name} ({org}) a déclaré le {day_fr(brussels_day(mandate.asserted_at))} : "
        f"{KIND_LABELS_FR[mandate.kind]}, depuis le {day_fr(mandate.started_on)} (fondement : {mandate.ground})."
    )
    if mandate.ended_at is not None and mandate.ended_on is not None:
        said += (
            f" Clos au {day_fr(mandate.ended_on)} par {mandate.ended_by_name} (motif : {mandate.end_ground})."
        )
    return said


async def list_mandates(session: AsyncSession, person_id: UUID) -> list[MandateOut]:
    """Every assertion on the person, current first, then the history (newest first)."""
    rows = (
        await session.execute(
            select(Mandate, Organisation.name)
            .join(Organisation, Organisation.id == Mandate.organisation_id)
            .where(Mandate.person_id == person_id)
            .order_by(Mandate.ended_at.is_not(None), Mandate.asserted_at.desc())
        )
    ).all()
    return [mandate_out(m, name) for m, name in rows]


def mandate_out(mandate: Mandate, org_name: str | None) -> MandateOut:
    return from_row(
        mandate,
        MandateOut,
        kind=mandate.kind.value,
        label=KIND_LABELS_FR[mandate.kind],
        organisation_name=org_name,
        current=mandate.ended_at is None,
        sentence=sentence(mandate, org_name),
    )


@dataclass(frozen=True)
class MandateStatus:
    """What the current assertions say of one person, for summaries and orientation."""

    forem_registered_on: date | None = None
    """Start of the current Forem registration; None when the person is not registered."""
    ris_cpas_id: UUID | None = None

    @property
    def forem_registered(self) -> bool:
        return self.forem_registered_on is not None


def status_of(current: list[Mandate]) -> MandateStatus:
    forem = next((m for m in current if m.kind is MandateKind.FOREM_REGISTRATION), None)
    ris = next((m for m in current if m.kind is MandateKind.RIS), None)
    return MandateStatus(
        forem_registered_on=forem.started_on if forem else None,
        ris_cpas_id=ris.organisation_id if ris else None,
    )


async def statuses(session: AsyncSession, person_ids: list[UUID]) -> dict[UUID, MandateStatus]:
    return {pid: status_of(found) for pid, found in (await current_mandates(session, person_ids)).items()}


async def status(session: AsyncSession, person_id: UUID) -> MandateStatus:
    return (await statuses(session, [person_id]))[person_id]


def current_clause(person_id_column, kind: MandateKind):
    """SQL: the person (``person_id_column``) has a current assertion of ``kind`` (list filters)."""
    from sqlalchemy import exists

    return exists().where(
        Mandate.person_id == person_id_column, Mandate.kind == kind, Mandate.ended_at.is_(None)
    )


def seed_mandate(
    session: AsyncSession,
    person_id: UUID,
    kind: MandateKind,
    organisation_id: UUID,
    *,
    started_on: date,
    by_user_id: UUID | None = None,
    by_name: str = "Données de démonstration",
    ground: str = "Situation de départ des données de démonstration",
    source: str = "seed",
) -> Mandate:
    """A mandate row for demo data, tests and benchmark loaders, which build a world directly; it checks
    no rule (:func:`assert_mandate` is the only path for users and feeds). Added, not flushed."""
    mandate = Mandate(
        person_id=person_id,
        kind=kind,
        organisation_id=organisation_id,
        started_on=started_on,
        ground=ground,
        source=source,
        asserted_by_user_id=by_user_id,
        asserted_by_name=by_name,
        asserted_at=utcnow(),
    )
    session.add(mandate)
    return mandate
