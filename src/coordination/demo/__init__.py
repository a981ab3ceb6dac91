"""Synthetic demo data: organisations, users of every role, people at different stages.

Every name and number here is invented; NISS numbers are generated with valid check digits so the demo
exercises the same validation as real input. Each domain package seeds its own part through its own
code; this module only orders them. Loading is idempotent: a second ``coordination demo`` on the same
database leaves the data as it is.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from coordination import clock
from coordination.db.engine import Database
from coordination.demo.directory import DEMO_USERS, ROLE_LABELS, seed_directory, seed_partner_users
from coordination.directory.models import Role, User
from coordination.settings import Settings
from coordination.wiring import wire


async def load_demo_data(settings: Settings, *, store=None, database: Database | None = None) -> list[str]:
    """Load the demo once; return one line per demo user (subject, name, role) for the console. Wires the
    domain events itself: the demo is an entry point of its own (the command line, the browser tests).
    ``database``: the caller's (the tests'), kept open; otherwise one for the settings, closed after."""
    wire()
    db = database or Database(settings.effective_database_url)
    try:
        async with db.sessionmaker() as session:
            already = await session.scalar(select(User.id).where(User.subject == DEMO_USERS[0].subject))
            if already is None:
                await seed_everything(session, settings, store=store)
                await session.commit()
            users = (await session.scalars(select(User).order_by(User.role, User.subject))).all()
        return [f"{u.subject:<14} {u.display_name} ({ROLE_LABELS[u.role]})" for u in users]
    finally:
        if database is None:
            await db.dispose()


async def seed_everything(session, settings: Settings, *, store=None) -> None:
    """Directory, registry, files, referents, consents, referrals, visas, a year of evaluated steps —
    flushed, not committed."""
    from coordination.cadastre.demo import seed_cadastre_demo, seed_evaluation_demo
    from coordination.dossier.demo import seed_dossier_demo
    from coordination.keys import niss_hash_key
    from coordination.referent.demo import seed_referent_demo
    from coordination.referral.demo import seed_referral_demo
    from coordination.storage.factory import build_store
    from coordination.visa.demo import seed_visa_demo

    directory = await seed_directory(session)
    registry = await seed_cadastre_demo(session)
    partners = registry["organisations"]
    users = {**directory.users, **await seed_partner_users(session, partners)}
    organisations = {**directory.organisations, **partners}
    people = await seed_dossier_demo(
        session,
        organisations,
        users,
        niss_key=niss_hash_key(settings),
        store=store if store is not None else build_store(settings),
    )
    await seed_referent_demo(session, users)
    await _seed_own_consent(session, users, partners)
    await seed_referral_demo(session, people, users, settings=settings)
    await seed_visa_demo(session, people, users, settings=settings)
    await seed_evaluation_demo(session, partners, clock.today(), niss_hash_key(settings))


async def _seed_own_consent(session, users: dict[str, User], partners) -> None:
    """The demo beneficiary has shared their trajectory and progress with the CISP, by their own action."""
    from coordination.access.principal import Principal
    from coordination.access.services import give_consent

    julie = users["julie"]
    principal = Principal(
        user_id=julie.id, display_name=julie.display_name, role=Role.BENEFICIARY, person_id=julie.person_id
    )
    await give_consent(
        session,
        principal,
        julie.person_id,
        recipient_organisation_id=partners["cisp-envol"].id,
        sections=["trajectory", "progress"],
        purpose="Suivi de ma préformation au CISP L'Envol",
        expires_at=clock.now() + timedelta(days=180),
    )
