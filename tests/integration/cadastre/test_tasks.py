"""The registry's daily step (``coordination tasks --only agreements``): record expired agreements as
closed, list the alerts, tell partner managers of records awaiting verification."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from coordination import clock
from coordination.cadastre import tasks
from coordination.cadastre.models import Agreement
from coordination.cadastre.services import agreement_accepts_steps
from coordination.directory.models import OrganisationKind, Role
from coordination.factories import (
    AgreementFactory,
    PartnerProfileFactory,
    ServiceFactory,
)
from coordination.inbox.models import Notification
from tests.fixtures.cli import run_coordination, run_coordination_in_thread
from tests.integration.cadastre.conftest import direct_session

TODAY = date(2025, 6, 16)


async def _registry(world, today: date = TODAY) -> dict[str, Agreement]:
    """The shared world's Forem funds five agreements of a CISP, ending around ``today``."""
    await world.add_organisations({"partner": ("CISP L'Envol", OrganisationKind.PARTNER)}, bassin="Charleroi")
    partner = world.orgs["partner"]
    ends = {
        "expired": today - timedelta(days=1),
        "urgent": today + timedelta(days=10),
        "warning": today + timedelta(days=60),
        "far": today + timedelta(days=400),
        "today": today,
    }
    agreements = {
        name: AgreementFactory.build(
            reference=f"AG-{name}",
            title="Préformation logistique",
            organisation_id=partner.id,
            funder_id=world.forem.id,
            kind="call_for_projects",
            start_date=today - timedelta(days=500),
            end_date=end,
        )
        for name, end in ends.items()
    }
    await world.add(
        PartnerProfileFactory.build(organisation_id=partner.id, partner_kind="cisp"), *agreements.values()
    )
    return agreements


async def test_closes_expired_agreements_and_lists_alerts(database, world):
    agreements = await _registry(world)
    async with direct_session(database) as session:
        report = await tasks.run(session, TODAY)
        await session.commit()  # as the task runner does
    assert report.closed == 1
    assert [a.reference for a in report.alerts] == ["AG-today", "AG-urgent", "AG-warning"]
    assert [a.level for a in report.alerts] == ["urgent", "urgent", "warning"]
    lines = report.lines()
    assert lines[0] == "Cadastre — tâche du 16 juin 2025 : 1 convention échue clôturée."
    assert lines[2].startswith("[URGENT] La convention AG-urgent prend fin le 26 juin 2025 (dans 10 jours)")
    assert lines[3].startswith("[À prévoir] La convention AG-warning")

    async with direct_session(database) as session:
        rows = {a.reference: a for a in (await session.scalars(select(Agreement))).all()}
        expired = rows["AG-expired"]
        assert (expired.status, expired.closed_on, expired.closed_reason) == ("closed", TODAY, "expired")
        assert expired.version == agreements["expired"].version + 1
        assert all(rows[r].status == "active" for r in ("AG-today", "AG-urgent", "AG-warning", "AG-far"))
        assert not await agreement_accepts_steps(session, expired.id, TODAY - timedelta(days=2))

        again = await tasks.run(session, TODAY)  # idempotent
    assert again.closed == 0 and len(again.alerts) == 3


async def test_within_days_narrows_the_alerts(database, world):
    await _registry(world)
    async with direct_session(database) as session:
        report = await tasks.run(session, TODAY, within_days=30)
    assert [a.reference for a in report.alerts] == ["AG-today", "AG-urgent"]


def _env(tmp_path, database_url: str) -> dict[str, str]:
    # the run reads the same clock as this test (a clock moved for the suite is passed on)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COORDINATION_") or k in clock.ENV_VARS}
    env.update(COORDINATION_DATABASE_URL=database_url, COORDINATION_VAR_DIR=str(tmp_path / "var"))
    return env


def _coordination(tmp_path, database_url: str, *args: str) -> subprocess.CompletedProcess:
    """A real ``python -m coordination`` process, as cron or compose runs it."""
    return subprocess.run(
        [sys.executable, "-m", "coordination", *args],
        cwd=tmp_path,
        env=_env(tmp_path, database_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_step_runs_from_the_one_task_registry(database, world, tmp_path):
    """No ``python -m coordination.cadastre.tasks`` any more: ``coordination tasks --only agreements``."""
    today = clock.today()  # the run counts the Brussels day it starts on, like the code
    agreements = await _registry(world, today)
    await database.engine.dispose()
    done = await asyncio.to_thread(_coordination, tmp_path, database.url, "tasks", "--only", "agreements")
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert out[0] == (
        "✓ conventions : 1 convention(s) clôturée(s), 3 échéance(s) proche(s), 0 fiche(s) à vérifier, "
        "0 avis envoyé(s)"
    )
    assert out[1].startswith("[URGENT] La convention AG-today") and out[3].startswith("[À prévoir]")
    assert "Traceback" not in done.stderr
    async with direct_session(database) as session:
        expired = await session.get(Agreement, agreements["expired"].id)
        assert (expired.status, expired.closed_reason) == ("closed", "expired")

    # run again through the same ``main`` in this process (a new interpreter costs a CPU-second or two)
    again = await run_coordination_in_thread(
        ["tasks", "--only", "agreements"], _env(tmp_path, database.url), tmp_path
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0].startswith("✓ conventions : 0 convention(s) clôturée(s)")


def test_help_lists_the_step(tmp_path):
    done = run_coordination(["tasks", "--help"], _env(tmp_path, "sqlite+aiosqlite:///:memory:"), tmp_path)
    assert done.returncode == 0 and "agreements" in done.stdout


async def test_records_not_verified_for_twelve_months_reach_alerts_and_the_managers_inbox(
    client, world, database
):
    now = datetime(2025, 6, 16, 4, 0, tzinfo=UTC)
    await world.add_organisations(
        {
            "envol": ("CISP L'Envol", OrganisationKind.PARTNER),
            "other": ("MIRE Centre", OrganisationKind.PARTNER),
        },
        bassin=None,
    )
    envol, other = world.orgs["envol"], world.orgs["other"]
    old = datetime(2019, 3, 1, 10, tzinfo=UTC)
    await world.add(
        *[
            # verified in 2019: overdue (it is not « à jour » just because nobody edited it since)
            PartnerProfileFactory.build(
                organisation_id=envol.id, partner_kind="cisp", assured_at=old, created_at=old
            ),
            # verified eleven months ago: not yet
            PartnerProfileFactory.build(
                organisation_id=other.id,
                partner_kind="mire",
                assured_at=datetime(2024, 7, 20, tzinfo=UTC),
                created_at=old,
            ),
            # never verified
            ServiceFactory.build(organisation_id=other.id, name="Jobcoaching", created_at=old),
        ]
    )
    await world.add_users(
        {"m1": ("M1", Role.PARTNER_MANAGER, "envol"), "m2": ("M2", Role.PARTNER_MANAGER, "other"),
         "o2": ("O2", Role.PARTNER_OPERATOR, "other")},
        subject_prefix="",
    )  # fmt: skip
    async with direct_session(database) as session:
        report = await tasks.run(session, TODAY, now=now)
        await session.commit()
    assert [(a.resource, a.label) for a in report.unverified] == [
        ("service", "MIRE Centre — Jobcoaching"),
        ("organisation", "CISP L'Envol"),
    ]
    assert "n'a pas été vérifié(e) depuis le 1 mars 2019 (plus de 12 mois)" in report.unverified[1].message
    assert report.notified == 2  # one manager each; the operator gets nothing
    async with direct_session(database) as session:
        again = await tasks.run(session, TODAY, now=now)
        assert again.notified == 0  # not twice while the first notice is unread
        notes = (await session.scalars(select(Notification).order_by(Notification.title_fr))).all()
        assert len(notes) == 2 and all(n.kind == "cadastre-verification" for n in notes)
    # the regulator's alerts list them; a partner manager sees its own organisation's only
    listed = (await client.get("/api/v1/cadastre/verification-alerts", headers=world.regulator)).json()
    assert {a["label"] for a in listed} >= {"MIRE Centre — Jobcoaching", "CISP L'Envol"}
    own = (await client.get("/api/v1/cadastre/verification-alerts", headers=world.manager(envol.id))).json()
    assert [a["label"] for a in own] == ["CISP L'Envol"]


async def test_closing_an_expired_agreement_is_not_an_edit_of_a_verified_record(database, world):
    await _registry(world)
    verified_at = datetime(2025, 6, 1, tzinfo=UTC)
    async with direct_session(database) as session:
        expired = await session.scalar(select(Agreement).where(Agreement.reference == "AG-expired"))
        expired.assured_at = verified_at
        await session.commit()
        before = expired.updated_at
    async with direct_session(database) as session:
        await tasks.run(session, TODAY)
        await session.commit()
    async with direct_session(database) as session:
        closed = await session.scalar(select(Agreement).where(Agreement.reference == "AG-expired"))
        assert closed.status == "closed" and closed.updated_at == before
