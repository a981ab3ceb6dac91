"""Litestar dependencies of the referral routes, declared once per controller (``dependencies=...``).

The API and the pages share the providers of the rules and of the context; only the principal differs
(the verified token's on the API, the signed-in session's on the pages: the pages pass their own
``principal`` provider, see :data:`coordination.web.referral_pages.PAGE_DEPENDENCIES`)."""

from __future__ import annotations

from datetime import date

from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.principal import Principal
from coordination.referral.context import Context, build_context, referral_rules
from coordination.referral.outcomes import Period
from coordination.referral.rules import ReferralRules
from coordination.settings import Settings


def provide_referral_rules(settings: Settings) -> ReferralRules:
    return referral_rules(settings)


def provide_period(since: date | None = None, until: date | None = None) -> Period:
    """The figures' period, from the query's ``since`` and ``until``."""
    return Period(since, until)


def provide_referral_context(
    db_session: AsyncSession, principal: Principal, settings: Settings, request_id: str
) -> Context:
    """The request's session, the router's ``principal`` (the token's on the API, the signed-in user's on
    the pages), the rules and the calendar."""
    return build_context(db_session, principal, settings, request_id)


RULES_DEPENDENCIES = {"referral_rules": Provide(provide_referral_rules, sync_to_thread=False)}
"""For routes that read the rules only (the vocabulary, the outcome figures)."""

CONTEXT_DEPENDENCIES = {
    **RULES_DEPENDENCIES,
    "ctx": Provide(provide_referral_context, sync_to_thread=False),
}
"""The rules and the use-case context (of the app-wide ``principal``, see :mod:`coordination.app`)."""

PERIOD_DEPENDENCIES = {"period": Provide(provide_period, sync_to_thread=False)}
"""The outcome figures' period (its two query parameters, documented as the route's)."""
