"""Synthetic demo data: organisations, users of every role, people at different stages.

Every name and number here is invented; NISS numbers are generated with valid check digits so the demo
exercises the same validation as real input. Loading is idempotent: a second ``coordination demo`` on the
same database leaves the data as it is.
"""

from __future__ import annotations

from sqlalchemy import select

from coordination.db.engine import Database
from coordination.demo.directory import DEMO_USERS, seed_directory
from coordination.directory.models import User
from coordination.settings import Settings


async def load_demo_data(settings: Settings) -> list[str]:
    """Load the demo once; return one line per demo user (subject, name, role) for the console."""
    db = Database(settings.effective_database_url)
    try:
        async with db.sessionmaker() as session:
            already = await session.scalar(select(User.id).where(User.subject == DEMO_USERS[0].subject))
            if already is None:
                directory = await seed_directory(session)
                await _seed_domains(session, settings, directory)
                await session.commit()
        return [f"{u.subject:<12} {u.display_name} ({u.role_label})" for u in DEMO_USERS]
    finally:
        await db.dispose()


async def _seed_domains(session, settings: Settings, directory) -> None:
    """Each domain package seeds its own part, through its own services."""
    from coordination.cadastre.demo import seed_cadastre_demo
    from coordination.dossier.demo import seed_dossier_demo_from_directory
    from coordination.referent.demo import seed_referent_demo

    registry = await seed_cadastre_demo(session)
    await seed_dossier_demo_from_directory(session, settings, directory, registry)
    await seed_referent_demo(session, directory)
