"""``coordination assign [--apply]``: the bulk assignment from the command line, with a progress bar.

An operator's tool (like ``db upgrade``): it runs on the server with the database's credentials and no
user token, so it does not pass through the per-user access gate; every link it writes names its reason
("Attribution en masse") and lands on each file's timeline. Dry run by default.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from coordination.db.engine import Database
from coordination.referent import bulk
from coordination.referent.orientation import RuleFileError
from coordination.referent.policies import referent_policies
from coordination.settings import Settings

EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 3


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


async def _run(settings: Settings, policies, apply: bool, console: Console) -> int:
    db = Database(settings.effective_database_url)
    try:
        async with db.sessionmaker() as session:
            with _progress(console) as bar:
                task = bar.add_task("Chargement des dossiers sans référent", total=None)
                people = await bulk.waiting_people(session)
                bar.update(task, total=len(people), completed=len(people))
                solve = bar.add_task("Calcul de l'attribution optimale", total=3)

                def step(label: str, done: int, total: int) -> None:
                    bar.update(solve, description=label, completed=done, total=total)

                result = await bulk.plan(session, policies, people=people, progress=step)
                bar.update(solve, description="Calcul de l'attribution optimale", completed=3)
                if apply:
                    write = bar.add_task("Écriture des passations", total=len(result.result.assignments))
                    await bulk.apply(
                        session, None, result, policies, on_each=lambda d, t: bar.update(write, completed=d)
                    )
                    await session.commit()
    finally:
        await db.dispose()
    _report(result, apply, console)
    return 0


def _report(result: bulk.BulkPlan, apply: bool, console: Console) -> None:
    cost, greedy = result.result.cost, result.greedy.cost
    label = "Attribution appliquée" if apply else "Simulation (rien n'est écrit ; --apply pour écrire)"
    console.print(
        f"{label} : {len(result.result.assignments)} personne(s) attribuée(s), "
        f"{len(result.unassigned)} sans référent."
    )
    console.print(
        f"Coût optimal {cost.total} (grappe {cost.cluster}, bassin {cost.bassin}, langue {cost.language}, "
        f"continuité {cost.continuity}, charge {cost.load}, non attribués {cost.unassigned}) ; "
        f"glouton {greedy.total} ; calcul {result.result.seconds:.2f} s."
    )
    for reason, count in Counter(result.unassigned.values()).most_common():
        console.print(f"  - {count} : {bulk.REASONS_FR.get(reason, reason)}")
    for person_id, reason in list(result.unassigned.items())[:50]:
        person = result.people.get(person_id)
        name = f"{person.first_name} {person.last_name}" if person else str(person_id)
        console.print(f"    {name} ({person_id}) : {bulk.REASONS_FR.get(reason, reason)}")


def assign_cli(settings: Settings, apply: bool) -> int:
    console = Console(file=sys.stdout)
    try:
        policies = referent_policies(settings.policies_dir)
    except (RuleFileError, OSError) as exc:
        print(
            f"coordination : règles du référent illisibles ({settings.policies_dir}) : {exc}", file=sys.stderr
        )
        return EXIT_CONFIG
    try:
        return asyncio.run(_run(settings, policies, apply, console))
    except Exception as exc:
        print(
            f"coordination : attribution impossible (COORDINATION_DATABASE_URL) : {type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return EXIT_UNAVAILABLE
