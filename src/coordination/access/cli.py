"""Plain functions behind ``coordination token``, ``coordination policy check`` and
``coordination journal verify`` (the CLI in ``__main__`` wires them)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from coordination.access.journal import journal_verify_cli
from coordination.access.policy_check import policy_check_cli
from coordination.settings import Settings


def issue_token_cli(settings: Settings, user_subject: str, ttl: timedelta = timedelta(hours=8)) -> str:
    """A development token for the user whose ``users.subject`` is ``user_subject`` (embedded default
    only: refuses in production or when an external identity provider is configured)."""
    from coordination.access.controllers import issue_token_for_subject
    from coordination.access.identity import DevIssuer
    from coordination.db.engine import Database

    if settings.is_production or settings.oidc_issuer:
        raise SystemExit("Les jetons de développement n'existent pas avec un fournisseur d'identité réel.")
    issuer = DevIssuer.from_settings(settings)

    async def run() -> str:
        db = Database(settings.effective_database_url)
        try:
            async with db.sessionmaker() as session:
                return await issue_token_for_subject(session, issuer, user_subject, ttl)
        finally:
            await db.dispose()

    return asyncio.run(run())


__all__ = ["issue_token_cli", "journal_verify_cli", "policy_check_cli"]
