"""``coordination tasks``: the periodic work a deployment runs once a day (a cron job or a Kubernetes
CronJob), each step in its own transaction so one failure does not undo the others.

- consents past their end date are recorded as expired, and people are told of those ending soon;
- referents are told of first contacts now overdue;
- referrals get their reminders, and those past the partner's deadline expire;
- agreements past their end date are recorded as closed (readers already count them closed), those
  nearing their end are listed, and partner managers are told of registry records awaiting verification;
- documents whose retention ended are erased, every version, from the store and the database, each with
  an event in the person's file (the rule per document category is data: ``policies/retention.toml``);
- objects no document row points to (failed commits, killed workers) are swept from the store;
- hours worked under an approved contract are compared with the hours it pays (visa attendance).

A run holds a lock (:mod:`coordination.task_runs`) so two runs never overlap, and writes one
``task_runs`` row per step: the history an operator reads, and what ``/metrics`` reports.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.db.base import utcnow
from coordination.db.engine import Database
from coordination.formatting import date_fr
from coordination.settings import Settings

Step = Callable[[AsyncSession], Awaitable[str]]


def daily_steps(settings: Settings, today: date) -> list[tuple[str, Step]]:
    from coordination.access import services as consents
    from coordination.cadastre import tasks as cadastre_tasks
    from coordination.cadastre.policy import verification_months
    from coordination.dossier.services.documents import sweep_orphans
    from coordination.referent.services import notify_overdue_first_contacts
    from coordination.referral import rules as referral_rules
    from coordination.referral.calendar import load_calendar
    from coordination.referral.tasks import run_deadlines
    from coordination.storage.factory import build_store

    policies = Path(settings.policies_dir)

    async def expire_consents(session: AsyncSession) -> str:
        expired = await consents.record_expiries(session)
        told = await consents.notify_expiring(session)
        return f"{expired} consentement(s) expiré(s), {told} personne(s) prévenue(s) d'une fin proche"

    async def first_contacts(session: AsyncSession) -> str:
        told = await notify_overdue_first_contacts(session, utcnow())
        return f"{told} premier(s) contact(s) en retard signalé(s)"

    async def referral_deadlines(session: AsyncSession) -> str:
        result = await run_deadlines(session, referral_rules.load_rules(policies), load_calendar(policies))
        return f"{result.reminders} rappel(s) envoyé(s), {result.expired} orientation(s) expirée(s)"

    async def close_agreements(session: AsyncSession) -> str:
        report = await cadastre_tasks.run(
            session, today, verification_months=verification_months(settings.policies_dir)
        )
        return report.summary()

    async def contract_hours(session: AsyncSession) -> str:
        from coordination.visa.attendance import notify_gaps

        return (
            f"{await notify_gaps(session, today)} période(s) d'heures prestées au-delà du contrat signalée(s)"
        )

    async def retention(session: AsyncSession) -> str:
        from coordination.dossier.rules import load_retention
        from coordination.dossier.services.documents import purge_expired

        store = build_store(settings)
        erased = 0
        objects = 0
        while True:  # bounded transactions: rows and events first, then the bytes (row never dangling)
            count, keys = await purge_expired(session, load_retention(policies), today)
            await session.commit()
            for key in keys:
                await store.delete(key)  # every version of the key (S3 versioned bucket included)
            erased += count
            objects += len(keys)
            if count == 0:
                break
        return (
            f"{erased} document(s) arrivé(s) en fin de conservation effacé(s), {objects} objet(s) supprimé(s)"
        )

    async def sweep_documents(session: AsyncSession) -> str:
        removed = await sweep_orphans(session, build_store(settings))
        return f"{len(removed)} objet(s) orphelin(s) supprimé(s) du stockage"

    async def outbox(session: AsyncSession) -> str:
        from coordination.events.retention import OUTBOX_RETENTION, purge_outbox
        from coordination.referent.events import FirstContactOverdue
        from coordination.referent.services import links_awaiting_first_contact

        purged = await purge_outbox(
            session, utcnow(), still_needed={FirstContactOverdue.kind: links_awaiting_first_contact()}
        )
        days = OUTBOX_RETENTION.days
        return f"{purged} événement(s) de plus de {days} jours retiré(s) de la file des événements"

    steps = {
        "consentements": expire_consents,
        "premiers contacts": first_contacts,
        "orientations": referral_deadlines,
        "conventions": close_agreements,
        "conservation": retention,
        "documents": sweep_documents,
        "heures des contrats": contract_hours,
        "événements": outbox,
    }
    return [(name, steps[name]) for name in STEPS.values()]


STEPS = {
    "consents": "consentements",
    "first-contacts": "premiers contacts",
    "referrals": "orientations",
    "agreements": "conventions",
    "retention": "conservation",
    "documents": "documents",
    "contract-hours": "heures des contrats",
    "events": "événements",
}
"""The task registry: the one list of daily steps, in run order (``coordination tasks --only ID`` runs
one), each id with the French name the run history (``task_runs``) and the operator read. It replaces
the per-domain ``python -m …tasks`` entry points."""


def select_steps(only: list[str] | None) -> list[str] | None:
    """The French step names for ``--only`` ids (None: every step); an unknown id is a French error."""
    if not only:
        return None
    unknown = [step for step in only if step not in STEPS]
    if unknown:
        raise ValueError(f"étape inconnue : {', '.join(unknown)} (étapes : {', '.join(STEPS)})")
    return [STEPS[step] for step in only]


async def run_daily(
    settings: Settings, today: date | None = None, only: list[str] | None = None
) -> list[tuple[str, str, bool]]:
    """Run every step (or those named in ``only``, French names: :func:`select_steps`) under the run
    lock; return (name, French summary, succeeded) per step.

    Raises :class:`TasksAlreadyRunning` at once when another run holds the lock.
    """
    from coordination.task_runs import TaskRun, run_lock

    today = today or clock.today()
    db = Database(settings.effective_database_url, pool_size=1, max_overflow=1)
    results = []
    try:
        async with run_lock(db.engine, settings.var_dir / "tasks.lock"):
            for name, step in daily_steps(settings, today):
                if only is not None and name not in only:
                    continue
                started = utcnow()
                async with db.sessionmaker() as session:
                    try:
                        summary = await step(session)
                        await session.commit()
                        results.append((name, summary, True))
                    except Exception as exc:
                        await session.rollback()
                        results.append((name, f"échec : {type(exc).__name__}", False))
                async with db.sessionmaker() as session:
                    _, summary, ok = results[-1]
                    session.add(
                        TaskRun(
                            step=name, started_at=started, finished_at=utcnow(), ok=ok, summary=summary[:300]
                        )
                    )
                    await session.commit()
    finally:
        await db.dispose()
    return results


def next_run(now: datetime, at: time) -> datetime:
    """The next ``at`` (Brussels wall-clock time) strictly after ``now``, as an aware UTC datetime.

    For the compose flavour's scheduler (Kubernetes has its CronJob). A time that does not exist that
    day (the spring DST gap) is taken as the same wall time after the shift, as ``zoneinfo`` does.
    """
    local = now.astimezone(clock.BRUSSELS)
    candidate = datetime.combine(local.date(), at, tzinfo=clock.BRUSSELS)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=clock.BRUSSELS)
    return candidate.astimezone(UTC)


def parse_daily_at(value: str) -> time:
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ValueError(f"heure invalide : « {value} » (format HH:MM attendu)") from exc


def _run_once(settings: Settings, only: list[str] | None = None) -> int:
    import asyncio

    from coordination.task_runs import TasksAlreadyRunning

    try:
        results = asyncio.run(run_daily(settings, only=only))
    except TasksAlreadyRunning:
        print(
            "coordination : une autre exécution des tâches est en cours ; celle-ci s'arrête sans rien faire.",
            flush=True,
        )
        return 0
    for name, summary, ok in results:
        print(f"{'✓' if ok else '✗'} {name} : {summary}", flush=True)
    print(f"terminé le {date_fr(utcnow())} (Bruxelles)", flush=True)
    return 0 if all(ok for _, _, ok in results) else 1


def tasks_cli(settings: Settings, daily_at: str | None = None, only: list[str] | None = None) -> int:
    """Run the steps once (``only``: step ids of :data:`STEPS`); with ``daily_at`` (``HH:MM``, Brussels
    time), every day at that time, forever (compose's ``tasks`` service). A failed run is reported and the
    loop goes on to the next day. An unknown step id raises ``ValueError`` (French) before anything runs."""
    from time import sleep

    names = select_steps(only)
    if daily_at is None:
        return _run_once(settings, names)
    at = parse_daily_at(daily_at)
    while True:
        due = next_run(utcnow(), at)
        print(f"prochaine exécution : {date_fr(due)} (Bruxelles)", flush=True)
        sleep(max(0.0, (due - utcnow()).total_seconds()))
        _run_once(settings, names)
