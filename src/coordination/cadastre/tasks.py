"""The registry's scheduled task: ``python -m coordination.cadastre.tasks`` (e.g. daily from cron).

1. Closes every active agreement whose end date has passed (Europe/Brussels date), in one transaction:
   they then stop accepting new trajectory steps. Idempotent: a second run closes nothing.
2. Prints the alerts for agreements nearing their end (default horizon 90 days, ``--within-days``), in
   French, one per line, most urgent first.
3. Lists the registry records not verified for ``max_age_months`` (``policies/cadastre_verification.toml``,
   12 by default) and puts one notice per record in the inbox of its organisation's partner managers
   (not again while an earlier one about the same record is unread).

Exit code 0 on success; 2 on bad settings, 3 if the database cannot be reached (no traceback, as the
``coordination`` command). Reads the usual ``COORDINATION_*`` settings. Prints no personal data: agreements
name organisations only.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.cadastre import rules
from coordination.cadastre import services as svc
from coordination.cadastre.policy import DEFAULT_VERIFICATION_MONTHS, verification_months
from coordination.cadastre.schemas import AgreementAlert, VerificationAlert
from coordination.directory.models import Role, User
from coordination.formatting import day_fr
from coordination.inbox import services as inbox
from coordination.inbox.models import Notification

EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 3


@dataclass
class TaskReport:
    today: date
    closed: int = 0
    alerts: list[AgreementAlert] = field(default_factory=list)
    unverified: list[VerificationAlert] = field(default_factory=list)
    notified: int = 0

    def lines(self) -> list[str]:
        plural = "s" if self.closed > 1 else ""
        out = [
            f"Cadastre — tâche du {day_fr(self.today)} : {self.closed} convention{plural} échue{plural} "
            f"clôturée{plural}."
        ]
        if not self.alerts:
            out.append("Aucune convention n'arrive à échéance dans l'horizon d'alerte.")
        for alert in self.alerts:
            level = "URGENT" if alert.level == "urgent" else "À prévoir"
            out.append(f"[{level}] {alert.message}")
        out.append(
            f"{len(self.unverified)} fiche(s) à vérifier ; {self.notified} avis envoyé(s) aux responsables "
            "partenaires."
        )
        out += [f"[Vérification] {alert.message}" for alert in self.unverified]
        return out


async def run(
    session: AsyncSession,
    today: date,
    within_days: int = rules.ALERT_WITHIN_DAYS,
    verification_months: int = DEFAULT_VERIFICATION_MONTHS,
    now: datetime | None = None,
) -> TaskReport:
    """Close expired agreements (committed), list the alerts, notify the partner managers of records
    awaiting verification (committed)."""
    report = TaskReport(today=today)
    report.closed = await svc.close_expired_agreements(session, today)
    await session.commit()
    report.alerts = await svc.agreement_alerts(session, today, within_days)
    now = now or datetime.combine(today, time(6), tzinfo=rules.BRUSSELS).astimezone(UTC)
    report.unverified = await svc.verification_alerts(session, now, verification_months)
    report.notified = await _notify_managers(session, report.unverified)
    await session.commit()
    return report


VERIFICATION_NOTICE = "cadastre-verification"


async def _notify_managers(session: AsyncSession, alerts: list[VerificationAlert]) -> int:
    """One inbox notice per record to each partner manager of its organisation, unless one about the same
    record is still unread."""
    pending = {
        (user, subject)
        for user, subject in (
            await session.execute(
                select(Notification.recipient_user_id, Notification.subject_id).where(
                    Notification.kind == VERIFICATION_NOTICE, Notification.read_at.is_(None)
                )
            )
        ).all()
    }
    sent = 0
    for alert in alerts:
        managers = (
            await session.scalars(
                select(User.id).where(
                    User.organisation_id == alert.organisation_id, User.role == Role.PARTNER_MANAGER
                )
            )
        ).all()
        fresh = [user for user in managers if (user, alert.id) not in pending]
        await inbox.notify_users(
            session,
            fresh,
            kind=VERIFICATION_NOTICE,
            title_fr="Cadastre : une fiche attend sa vérification",
            body_fr=alert.message + " Mettez-la à jour si besoin ; le Forem la vérifiera.",
            link=f"/cadastre/partenaires/{alert.organisation_id}",
            subject_id=alert.id,
        )
        sent += len(fresh)
    return sent


async def _main(within_days: int, today: date | None) -> int:
    from coordination.db.engine import Database
    from coordination.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"coordination.cadastre.tasks : {exc}", file=sys.stderr)
        return EXIT_CONFIG
    db = Database(settings.effective_database_url, pooled=False)
    try:
        async with db.sessionmaker() as session:
            report = await run(
                session,
                today or rules.today_brussels(),
                within_days,
                verification_months(settings.policies_dir),
            )
    except (OperationalError, DBAPIError, OSError) as exc:
        print(
            "coordination.cadastre.tasks : base de données injoignable (COORDINATION_DATABASE_URL) : "
            f"{type(exc).__name__}.",
            file=sys.stderr,
        )
        return EXIT_UNAVAILABLE
    finally:
        await db.dispose()
    print("\n".join(report.lines()))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m coordination.cadastre.tasks",
        description="Clôture les conventions échues et affiche les alertes d'échéance du cadastre.",
    )
    parser.add_argument(
        "--within-days",
        type=int,
        default=rules.ALERT_WITHIN_DAYS,
        help=f"horizon des alertes, en jours (défaut : {rules.ALERT_WITHIN_DAYS})",
    )
    parser.add_argument(
        "--today", type=date.fromisoformat, default=None, help="date du jour (AAAA-MM-JJ), pour les essais"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.within_days <= 730:
        parser.error("--within-days doit être compris entre 1 et 730.")
    return asyncio.run(_main(args.within_days, args.today))


if __name__ == "__main__":
    sys.exit(main())
