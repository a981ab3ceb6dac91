"""What every referral use case needs: the request's session, who acts, in which request (the scope the
gate journals, :class:`~coordination.access.scope.RequestScope`), under which rules and holiday calendar,
at which instant.

Built once per request by a dependency (:mod:`coordination.referral.dependencies` for the API, the same
provider with the signed-in user for the pages) rather than by each handler, so the API and the pages
hand the services the same thing, and a service asks the gate through ``ctx.require`` rather than handing
the session, the principal and the request id to it by hand. The daily sweep builds no context (no one
acts): it keeps taking its session (:mod:`coordination.referral.tasks`). The instant is read once: a use
case that writes several rows dates them all alike, and "today" is the Brussels day of that instant
(:mod:`coordination.clock`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.access.principal import Principal
from coordination.access.scope import RequestScope
from coordination.referral import rules
from coordination.referral.calendar import HolidayCalendar, load_calendar
from coordination.settings import Settings


@dataclass(frozen=True)
class Context(RequestScope):
    """The request (session, who, request id), which rules, which calendar, when."""

    rules: rules.ReferralRules
    calendar: HolidayCalendar
    now: datetime | None = None

    @property
    def at(self) -> datetime:
        return self.now or clock.now()

    @property
    def today(self) -> date:
        return clock.brussels_day(self.at)


def referral_rules(settings: Settings) -> rules.ReferralRules:
    """The rules of ``policies/referral_rules.toml`` (read once per folder, cached by the loader)."""
    return rules.load_rules(Path(settings.policies_dir))


def build_context(
    session: AsyncSession, principal: Principal, settings: Settings, request_id: str
) -> Context:
    policies = Path(settings.policies_dir)
    return Context(
        session=session,
        principal=principal,
        request_id=request_id,
        rules=rules.load_rules(policies),
        calendar=load_calendar(policies),
        now=clock.now(),
    )
