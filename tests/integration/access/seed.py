"""Small builders for organisations, users and persons (direct rows: the access tests need facts).

Each is the shared factory (``coordination.factories``) with what the access tests need: organisations and
people outside any bassin, every person named "Prénom Nom", mandates asserted on 1 January 2025, consents
on paper given sixty days ago.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid4

from coordination.access.models import (
    Consent,
    ConsentChannel,
    ConsentEvent,
    ConsentEventKind,
    Mandate,
    MandateKind,
)
from coordination.access.principal import Principal
from coordination.db.base import utcnow
from coordination.directory.models import Organisation, OrganisationKind, Role, User
from coordination.dossier.models import Person
from coordination.factories import (
    ConsentFactory,
    MandateFactory,
    OrganisationFactory,
    PersonFactory,
    ReferentLinkFactory,
    UserFactory,
)
from coordination.referent.models import ReferentLink


def org(session, kind: OrganisationKind, name: str | None = None) -> Organisation:
    o = OrganisationFactory.build(name=name or f"{kind.value} {uuid4().hex[:6]}", kind=kind, bassin=None)
    session.add(o)
    return o


def person(
    session, *, forem_registered=False, ris_cpas_id: UUID | None = None, forem_id: UUID | None = None
) -> Person:
    """A person; ``forem_registered``/``ris_cpas_id`` add the matching mandate assertions (the Forem one
    to ``forem_id``, or to a Forem organisation made for it)."""
    p = PersonFactory.build(first_name="Prénom", last_name="Nom", bassin=None)
    session.add(p)
    if forem_registered:
        if forem_id is None:
            forem_id = org(session, OrganisationKind.FOREM).id
        mandate(session, p, MandateKind.FOREM_REGISTRATION, forem_id)
    if ris_cpas_id is not None:
        mandate(session, p, MandateKind.RIS, ris_cpas_id)
    return p


def mandate(session, p: Person, kind: MandateKind, organisation_id: UUID) -> Mandate:
    m = MandateFactory.build(
        person_id=p.id,
        kind=kind,
        organisation_id=organisation_id,
        started_on=date(2025, 1, 1),
        ground="Fixture de test",
        asserted_by_name="Test",
    )
    session.add(m)
    return m


def user(
    session, role: Role, organisation: Organisation | None, *, person_id=None, team=None, subject=None
) -> User:
    u = UserFactory.build(
        subject=subject or f"{role.value}-{uuid4().hex[:8]}",
        display_name=f"{role.value.replace('_', ' ').title()}",
        role=role,
        organisation_id=organisation.id if organisation else None,
        person_id=person_id,
        team=team,
    )
    session.add(u)
    return u


def principal_of(u: User, organisation: Organisation | None) -> Principal:
    return Principal(
        user_id=u.id,
        display_name=u.display_name,
        role=u.role,
        organisation_id=organisation.id if organisation else None,
        organisation_kind=organisation.kind if organisation else None,
        person_id=u.person_id,
        team=u.team,
    )


def consent(
    session, person_id, organisation_id, sections, recorded_by, *, days=30, state="active"
) -> Consent:
    now = utcnow()
    c = ConsentFactory.build(
        person_id=person_id,
        recipient_organisation_id=organisation_id,
        sections=list(sections),
        purpose="Accompagnement",
        legal_basis="consent",
        given_at=now - timedelta(days=60),
        expires_at=now + timedelta(days=days) if state != "expired" else now - timedelta(days=1),
        recorded_by_user_id=recorded_by,
        channel=ConsentChannel.PAPER,
        evidence_document_id=uuid4(),
    )
    session.add(c)
    if state == "withdrawn":
        session.add(
            ConsentEvent(consent_id=c.id, kind=ConsentEventKind.WITHDRAWN, at=now, by_user_id=recorded_by)
        )
    return c


def referent_link(session, person_id, organisation_id, *, user_id=None, team=None) -> ReferentLink:
    link = ReferentLinkFactory.build(
        person_id=person_id,
        referent_user_id=user_id,
        team=team,
        organisation_id=organisation_id,
        reason="orientation",
    )
    session.add(link)
    return link
