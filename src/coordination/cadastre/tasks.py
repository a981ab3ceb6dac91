"""The registry's daily step, ``agreements`` of the task registry (:mod:`coordination.tasks`; run alone
with ``coordination tasks --only agreements``).

1. Closes every active agreement whose end date has passed (Europe/Brussels date): the closure is recorded
   (``closed_on``, ``closed_reason``). Readers never wait for it: an agreement past its end date is already
   shown and counted as closed (:func:`coordination.cadastre.rules.effective_status`), and no read writes.
   Idempotent: a second run closes nothing.
2. Lists the alerts for agreements nearing their end (horizon 90 days), most urgent first.
3. Lists the registry records not verified for ``max_age_months`` (``policies/cadastre_verification.toml``,
   12 by default) and puts one notice per record in the inbox of its organisation's partner managers
   (not again while an earlier one about the same record is unread).

Flushes only; the task runner commits (one transaction for the step). Prints no personal data: agreements
name organisations only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.cadastre import notices, rules
from coordination.cadastre import services as svc
from coordination.cadastre.policy import DEFAULT_VERIFICATION_MONTHS
from coordination.cadastre.schemas import AgreementAlert, VerificationAlert
from coordination.formatting import day_fr


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

    def summary(self) -> str:
        """The step's line in the run history (``task_runs``), then the alerts an operator reads."""
        head = (
            f"{self.closed} convention(s) clôturée(s), {len(self.alerts)} échéance(s) proche(s), "
            f"{len(self.unverified)} fiche(s) à vérifier, {self.notified} avis envoyé(s)"
        )
        return "\n".join([head, *self.lines()[1:]])


async def run(
    session: AsyncSession,
    today: date,
    within_days: int = rules.ALERT_WITHIN_DAYS,
    verification_months: int = DEFAULT_VERIFICATION_MONTHS,
    now: datetime | None = None,
) -> TaskReport:
    """Close expired agreements, list the alerts, notify the partner managers of records awaiting
    verification; flushes, the caller commits."""
    report = TaskReport(today=today)
    report.closed = await svc.close_expired_agreements(session, today)
    report.alerts = await svc.agreement_alerts(session, today, within_days)
    now = now or _morning_of(today)
    report.unverified = await svc.verification_alerts(session, now, verification_months)
    report.notified = await notices.tell_verification_due(session, report.unverified)
    await session.flush()
    return report


def _morning_of(today: date) -> datetime:
    """06:00 of ``today`` in Brussels: the instant the verification deadlines are read at."""
    return datetime.combine(today, time(6), tzinfo=clock.BRUSSELS).astimezone(UTC)
