"""The demo seed makes referrals in different states through the real services."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from coordination.clock import today as brussels_today
from coordination.demo.directory import seed_directory
from coordination.directory.models import OrganisationKind
from coordination.dossier.demo import seed_dossier_demo
from coordination.factories import AgreementFactory, OrganisationFactory, ServiceFactory, add_all
from coordination.inbox.models import Notification
from coordination.referral.demo import seed_referral_demo
from coordination.referral.models import Referral


async def test_seed_referral_demo(database, settings) -> None:
    today = brussels_today()
    async with database.sessionmaker() as s:
        directory = await seed_directory(s)
        partners = []
        for name, bassin in (("CISP Le Trusquin", "Charleroi"), ("MIRE Liège", "Liège")):
            org = OrganisationFactory.build(name=name, kind=OrganisationKind.PARTNER, bassin=bassin)
            partners.append(org)
            service = ServiceFactory.build(
                organisation_id=org.id, name=f"Accompagnement {bassin}", service_areas=[bassin], capacity=20,
                languages=[],
            )  # fmt: skip
            agreement = AgreementFactory.build(
                reference=f"CONV-{bassin}",
                organisation_id=org.id,
                funder_id=directory.organisations["forem"].id,
                start_date=today - timedelta(days=100),
                end_date=today + timedelta(days=300),
                territory=[bassin],
            )
            await add_all(s, [org, service, agreement])
        orgs = {**directory.organisations, **{f"p{i}": o for i, o in enumerate(partners)}}
        people = await seed_dossier_demo(s, orgs, directory.users, niss_key=b"k" * 32)
        referrals = await seed_referral_demo(s, people, directory.users, settings=settings)
        await s.commit()
        assert len(referrals) == 7
        statuses = sorted((await s.scalars(select(Referral.status))).all())
        assert set(statuses) >= {"sent", "refused", "waiting_list", "withdrawn", "expired"}
        # a partner has a referral to answer: the person agreed, no answer yet
        assert any(r.status == "sent" and r.consent_state == "given" for r in referrals)
        # every referral asks what the service needs to work with the person, progress included
        assert all("progress" in r.requested_sections for r in referrals)
        assert await s.scalar(select(func.count()).select_from(Notification)) > 6
