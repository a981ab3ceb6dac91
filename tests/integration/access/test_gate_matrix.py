"""The generated matrix of issue 3 through each database: a covering sample of role × section × action ×
{own org, other org} × consent state (every role meets every org/consent pair, every section and every
action; ``tests/fixtures/access_matrix.py``). The full product is decided without a database in
``tests/unit/access/test_gate_matrix_decisions.py``.

The expected decision comes from the table in ``tests/fixtures/access_matrix.py``, written from the domain
rules in plain words, NOT from ``policy.csv``. Zero unexpected allows, zero unexpected denials, and exactly
one journal row per decision (allowed or denied), with the decision that was taken.

"own org": the file concerns the caller's organisation (Forem: a current registration asserted; CPAS: its
RIS beneficiary, asserted by that CPAS; the person: their own file) and the consent, if any, is addressed to
the caller's organisation. "other org": the person is attached elsewhere (not registered / another CPAS /
another person's file) and the consent is addressed to another organisation. "former" (an ended mandate) is
checked on the pure decision only.

Consents are recorded on paper by a worker of an organisation that is never their recipient (issue 15).
After the run every organisation is renamed: the journal rows keep the names they were written with.
"""

from __future__ import annotations

from collections import defaultdict
from uuid import uuid4

from sqlalchemy import select, update

from coordination.access import journal
from coordination.access.gate import check_access
from coordination.access.models import AccessJournalEntry, Mandate
from coordination.db.base import utcnow
from coordination.directory.models import Organisation, OrganisationKind, Role
from coordination.errors import Forbidden
from tests.fixtures.access_matrix import ACTIONS, FILE, ROLE_ORG_KIND, database_sample, expected
from tests.integration.access import seed


async def test_generated_matrix(database):
    async with database.sessionmaker() as session:
        recording_org = seed.org(session, OrganisationKind.PARTNER, "Asbl qui enregistre les formulaires")
        recorder = seed.user(session, Role.PARTNER_OPERATOR, recording_org)
        orgs = {}
        for role, kind in ROLE_ORG_KIND.items():
            orgs[role] = (seed.org(session, kind), seed.org(session, kind))  # (caller's, another)
        await session.flush()
        # One person per (role, org, consent state, section); principals per role (per person for the person).
        cases, ended_mandates = [], []
        callers = {}
        for role in Role:
            own_org = orgs.get(role, (None, None))[0]
            callers[role] = seed.user(session, role, own_org) if role is not Role.BENEFICIARY else None
        for role, org, state, section in database_sample():
            own_org, other_org = orgs.get(role, (None, None))
            caller_user = callers[role]
            target = other_org if org == "other" else own_org
            forem_role = role in (Role.FOREM_REFERENT, Role.FOREM_EADVISER)
            p = seed.person(
                session,
                forem_registered=(org != "other" and forem_role),
                forem_id=own_org.id if forem_role else None,
                ris_cpas_id=target.id if role is Role.CPAS_SOCIAL_WORKER else None,
            )
            if org == "former":
                ended_mandates.append(p.id)
            if role is Role.BENEFICIARY:
                if org == "own":
                    caller_user = seed.user(session, role, None, person_id=p.id)
                else:
                    caller_user = seed.user(session, role, None, person_id=uuid4())
            cases.append((role, org, state, section, p, caller_user, own_org))
        elsewhere = seed.org(session, OrganisationKind.PARTNER)
        await session.flush()
        await session.execute(
            update(Mandate).where(Mandate.person_id.in_(ended_mandates)).values(ended_at=utcnow())
        )
        for role, org, state, section, p, _, own_org in cases:
            recipient = (own_org if org != "other" else orgs.get(role, (None, None))[1]) or elsewhere
            if state in ("active", "expired", "withdrawn"):
                seed.consent(session, p.id, recipient.id, [section], recorder.id, state=state)
            elif state == "other_section":
                others = [s for s in sorted(FILE) if s != section][:3]
                seed.consent(session, p.id, recipient.id, others, recorder.id)
        await session.commit()

        unexpected_allows, unexpected_denials, decisions = [], [], defaultdict(list)
        for role, org, state, section, p, caller_user, own_org in cases:
            principal = seed.principal_of(caller_user, own_org if role is not Role.BENEFICIARY else None)
            for action in ACTIONS:
                want = expected(role.value, section, action, org, state)
                try:
                    decision = await check_access(
                        session,
                        principal,
                        person_id=p.id,
                        section=section,
                        action=action,
                        request_id="matrix",
                    )
                    got = decision.allowed
                    await session.commit()
                except Forbidden:
                    got = False
                decisions[p.id].append((section, action, "allow" if got else "deny"))
                case = (role.value, section, action, org, state)
                if got and not want:
                    unexpected_allows.append(case)
                if want and not got:
                    unexpected_denials.append(case)

        assert unexpected_allows == [], (
            f"{len(unexpected_allows)} unexpected allows: {unexpected_allows[:20]}"
        )
        assert unexpected_denials == [], (
            f"{len(unexpected_denials)} unexpected denials: {unexpected_denials[:20]}"
        )
        total = sum(len(v) for v in decisions.values())
        assert total == len(database_sample()) * len(ACTIONS)

        rows = (
            await session.execute(
                select(
                    AccessJournalEntry.person_id,
                    AccessJournalEntry.section,
                    AccessJournalEntry.action,
                    AccessJournalEntry.decision,
                ).order_by(AccessJournalEntry.person_id, AccessJournalEntry.seq)
            )
        ).all()
        journaled = defaultdict(list)
        for row in rows:
            journaled[row.person_id].append((row.section, row.action, row.decision))
        missing = {pid: d for pid, d in decisions.items() if journaled.get(pid) != d}
        assert not missing, f"journal rows missing or wrong for {len(missing)} files"
        assert len(rows) == total

        # every organisation renamed: past rows keep the names they were written with, and still verify
        names = {o.id: o.name for o in (await session.scalars(select(Organisation))).all()}
        await session.execute(update(Organisation).values(name=Organisation.name + " (renommé)"))
        await session.commit()
        kept = (
            await session.execute(
                select(AccessJournalEntry.organisation_id, AccessJournalEntry.organisation_name)
            )
        ).all()
        assert all(name == names.get(org_id) for org_id, name in kept)
        assert (await journal.verify_chain(session)).ok
