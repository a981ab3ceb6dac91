"""Daily notices that come from time passing rather than from someone's action: first contacts overdue
(to the referent) and consents about to reach their end date (to the person). Each is idempotent (one
notice per referent link / per consent), so running the sweep twice a day tells nobody twice.

    python -m coordination.inbox.tasks          # uses the settings' database

The referral deadlines (reminders, expiry) have their own sweep: ``python -m coordination.referral.tasks``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access import services as consents
from coordination.referent import services as referents


@dataclass(frozen=True)
class NoticeSweep:
    first_contacts_overdue: int
    consents_expiring: int


async def run_notices(session: AsyncSession, now: datetime | None = None) -> NoticeSweep:
    """Flushes; the caller commits."""
    overdue = await referents.notify_overdue_first_contacts(session, now)
    expiring = await consents.notify_expiring(session, now)
    return NoticeSweep(first_contacts_overdue=overdue, consents_expiring=expiring)


async def _main() -> None:  # pragma: no cover - thin CLI wrapper
    from coordination.db.engine import Database
    from coordination.settings import get_settings

    settings = get_settings()
    db = Database(settings.effective_database_url)
    try:
        async with db.sessionmaker() as session:
            result = await run_notices(session)
            await session.commit()
        print(
            f"premiers contacts en retard signalés : {result.first_contacts_overdue}, "
            f"consentements bientôt échus signalés : {result.consents_expiring}"
        )
    finally:
        await db.dispose()


if __name__ == "__main__":  # pragma: no cover
    asyncio.run(_main())
