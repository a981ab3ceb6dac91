"""Demo referrals in different states, made through the real services (so history, consents,
trajectory steps, notifications and journal rows are all consistent).

Call after the directory, the dossier demo and the cadastre demo::

    referrals = await seed_referral_demo(session, people, directory.users, settings=settings)
    await session.commit()

``people``: the dossier demo's persons (first one = the demo beneficiary's own file); ``users``: the
demo users (a Forem referent is required; partner operators are created, one per partner used, when the
partner has none, subject ``partenaire-<n>``, so the partner inbox can be shown). Services come from
the cadastre (any service whose organisation has an agreement in force). Flushes, never commits.
Returns the referrals created (empty when the registry has no usable service).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.principal import Principal
from coordination.clock import brussels_day
from coordination.clock import now as clock_now
from coordination.directory.models import Organisation, Role, User
from coordination.dossier.models import Person
from coordination.factories import UserFactory
from coordination.referral import rules, services
from coordination.referral.calendar import load_calendar
from coordination.referral.models import Referral
from coordination.referral.search import Fit, fits_for
from coordination.referral.tasks import run_deadlines

SCENARIOS = ("pending_consent", "accepted", "refused", "waiting_list", "withdrawn", "expired", "to_answer")
"""One referral per scenario; the seventh (``to_answer``: the person agreed, the partner has not answered
yet) goes to the second person again, to Paul's CISP, so a partner with a demo account has a referral
waiting."""
CATEGORIES = ("training", "mentoring", "job_search", "language", "immersion", "other")


async def _principal(session: AsyncSession, user: User) -> Principal:
    org = await session.get(Organisation, user.organisation_id) if user.organisation_id else None
    return Principal(
        user_id=user.id,
        display_name=user.display_name,
        role=user.role,
        organisation_id=user.organisation_id,
        organisation_kind=org.kind if org else None,
        person_id=user.person_id,
        team=user.team,
    )


async def _partner_user(session: AsyncSession, organisation_id: UUID, created: list[User]) -> User:
    user = await session.scalar(
        select(User)
        .where(User.organisation_id == organisation_id, User.role == Role.PARTNER_OPERATOR)
        .limit(1)
    )
    if user is None:
        user = UserFactory.build(
            subject=f"partenaire-{len(created) + 1}",
            display_name=f"Opérateur·rice partenaire {len(created) + 1}",
            role=Role.PARTNER_OPERATOR,
            organisation_id=organisation_id,
        )
        session.add(user)
        await session.flush()
        created.append(user)
    return user


async def _person_user(session: AsyncSession, person: Person, created: list[User]) -> User:
    """The person's own account (the demo's people sign their consent themselves, in their space)."""
    user = await session.scalar(select(User).where(User.person_id == person.id).limit(1))
    if user is None:
        user = UserFactory.build(
            subject=f"personne-{len(created) + 1}",
            display_name=person.first_name,
            role=Role.BENEFICIARY,
            person_id=person.id,
        )
        session.add(user)
        await session.flush()
        created.append(user)
    return user


async def renew_lapsed_agreements(session: AsyncSession, users: dict[str, User], today) -> list:
    """Every demo partner with an active service gets an agreement in force today (the demo's dated
    agreements lapse with the years; the Liège mentoring one did in February 2026, and a referent then
    found "0 service" for her Liège person). A renewal, through the registry's own service and keeper,
    from the 1st of January of this year to the 31st of December of the next, relative to the clock."""
    from datetime import date

    from coordination.cadastre import services as cadastre
    from coordination.cadastre.models import Agreement, Service
    from coordination.cadastre.rules import accepts_steps

    keeper_user = next((u for u in users.values() if u.role is Role.ADMIN), None)
    if keeper_user is None:
        return []
    keeper = await _principal(session, keeper_user)
    renewed = []
    org_ids = set(await session.scalars(select(Service.organisation_id).where(Service.status == "active")))
    for org_id in sorted(org_ids, key=str):
        agreements = list(await session.scalars(select(Agreement).where(Agreement.organisation_id == org_id)))
        if not agreements or any(
            accepts_steps(a.status, a.start_date, a.end_date, today, today) for a in agreements
        ):
            continue  # in force, or never funded (the demo does not invent a funding)
        last = max(agreements, key=lambda a: a.end_date)
        renewed.append(
            await cadastre.create_agreement(
                session,
                {
                    "reference": f"{last.reference}-R{today.year}",
                    "organisation_id": org_id,
                    "funder_id": last.funder_id,
                    "title": f"{last.title} (renouvellement {today.year})",
                    "kind": last.kind,
                    "start_date": date(today.year, 1, 1),
                    "end_date": date(today.year + 1, 12, 31),
                    "funding_cents": last.funding_cents,
                    "target_entrants": last.target_entrants,
                    "target_positive_exits": last.target_positive_exits,
                    "territory": list(last.territory or []),
                    "publics": list(last.publics or []),
                },
                keeper,
            )
        )
    return renewed


def _pick(
    fits: list[Fit], index: int, prefer_organisation: UUID | None = None, taken: frozenset[UUID] = frozenset()
) -> Fit | None:
    """A usable service, in the person's bassin when there is one; ``prefer_organisation`` first when it
    has one the person is not already referred to (the referral waiting for an answer goes to a partner
    with a demo account: Paul's CISP)."""
    usable = [f for f in fits if f.agreement_active and not f.full and f.service.status == "active"]
    preferred = [
        f for f in usable if f.service.organisation_id == prefer_organisation and f.service.id not in taken
    ]
    if preferred:
        return preferred[0]
    in_bassin = [f for f in usable if f.in_bassin]
    pool = in_bassin or usable
    return pool[index % len(pool)] if pool else None


async def seed_referral_demo(
    session: AsyncSession,
    people: list[Person],
    users: dict[str, User],
    *,
    settings=None,
    policies_dir: Path | None = None,
) -> list[Referral]:
    if policies_dir is None:
        from coordination.settings import get_settings

        policies_dir = Path((settings or get_settings()).policies_dir)
    referral_rules = rules.load_rules(policies_dir)
    calendar = load_calendar(policies_dir)
    referent = next((u for u in users.values() if u.role is Role.FOREM_REFERENT), None)
    if referent is None or not people:
        return []
    sender = await _principal(session, referent)
    now = clock_now()
    await renew_lapsed_agreements(session, users, brussels_day(now))
    created_users: list[User] = []
    out: list[Referral] = []
    answering = users.get("paul")  # the demo's partner operator: a referral waits for his answer

    def ctx(principal: Principal, at=None) -> services.Context:
        return services.Context(
            session=session,
            principal=principal,
            request_id="demo",
            rules=referral_rules,
            calendar=calendar,
            now=at or now,
        )

    for index, scenario in enumerate(SCENARIOS):
        # the referral waiting for an answer is the second person's: the first (Julie, the demo's own
        # account) keeps her project hidden from the CISP until she agrees to the pending referral
        person = people[(1 if scenario == "to_answer" else index) % len(people)]
        today = brussels_day(now)
        fit = _pick(
            await fits_for(session, person, today),
            index if index < len(people) else index + 1,  # a second referral: another service
            answering.organisation_id if scenario == "to_answer" and answering else None,
            frozenset(r.service_id for r in out if r.person_id == person.id),
        )
        if fit is None:
            break
        agrees = scenario in ("accepted", "refused", "waiting_list", "to_answer")
        sent_at = now - timedelta(days=30) if scenario == "expired" else now - timedelta(days=2)
        referral = await services.send(
            ctx(sender, sent_at),
            services.SendInput(
                person_id=person.id,
                service_id=fit.service.id,
                reason_category=CATEGORIES[index % len(CATEGORIES)],
                reason=f"{person.first_name} souhaite avancer vers son projet ; ce service correspond à son plan.",
                sections=[],  # what the kind of partner needs, progress included (referral_rules.toml)
                outside_bassin_reason=None if fit.in_bassin else "Démonstration : service hors bassin.",
            ),
        )
        if agrees:  # the person agrees herself, in her space (a worker records only an uploaded form)
            own = await _principal(session, await _person_user(session, person, created_users))
            await services.give_consent(ctx(own, sent_at), referral)
        partner = await _principal(
            session, await _partner_user(session, referral.to_organisation_id, created_users)
        )
        if scenario == "accepted" and referral.consent_state == rules.CONSENT_GIVEN:
            await services.accept(ctx(partner), referral, services.Acceptance(today + timedelta(days=10)))
        elif scenario == "refused":
            await services.refuse(
                ctx(partner), referral, reason="timing", text="Prochaine session en septembre."
            )
        elif scenario == "waiting_list":
            await services.waiting_list(
                ctx(partner), referral, note="Une place devrait se libérer le mois prochain."
            )
        elif scenario == "withdrawn":
            await services.withdraw(
                ctx(sender), referral, reason="La personne a trouvé une formation plus proche."
            )
        out.append(referral)
    await run_deadlines(session, referral_rules, calendar, now=now)  # the 'expired' one becomes expired
    await session.flush()
    return out
