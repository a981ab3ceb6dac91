"""Daily notices that come from time passing rather than from someone's action: first contacts overdue
(to the referent) and consents about to reach their end date (to the person). Each is idempotent (one
notice per referent link / per consent), so running the sweep twice a day tells nobody twice.

Run daily by ``coordination tasks`` (the task registry, :mod:`coordination.tasks`; ``--only consents`` or
``--only first-contacts`` for one step); the referral deadlines are the ``referrals`` step.
"""

from __future__ import annotations

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
