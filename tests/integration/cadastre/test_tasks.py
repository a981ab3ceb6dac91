"""The scheduled task ``python -m coordination.cadastre.tasks``: close expired agreements, print alerts."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta

from sqlalchemy import select

from coordination.cadastre import tasks
from coordination.cadastre.models import Agreement, PartnerProfile
from coordination.cadastre.services import agreement_accepts_steps
from coordination.directory.models import Organisation, OrganisationKind
from tests.integration.cadastre.conftest import direct_session

TODAY = date(2025, 6, 16)


async def _registry(database) -> dict[str, Agreement]:
    async with direct_session(database) as session:
        forem = Organisation(name="Forem", kind=OrganisationKind.FOREM)
        partner = Organisation(name="CISP L'Envol", kind=OrganisationKind.PARTNER, bassin="Charleroi")
        session.add_all([forem, partner])
        await session.flush()
        session.add(PartnerProfile(organisation_id=partner.id, partner_kind="cisp"))
        ends = {
            "expired": TODAY - timedelta(days=1),
            "urgent": TODAY + timedelta(days=10),
            "warning": TODAY + timedelta(days=60),
            "far": TODAY + timedelta(days=400),
            "today": TODAY,
        }
        agreements = {
            name: Agreement(
                reference=f"AG-{name}",
                title="Préformation logistique",
                organisation_id=partner.id,
                funder_id=forem.id,
                kind="call_for_projects",
                start_date=date(2024, 1, 1),
                end_date=end,
            )
            for name, end in ends.items()
        }
        session.add_all(agreements.values())
        await session.commit()
        return agreements


async def test_closes_expired_agreements_and_lists_alerts(database):
    agreements = await _registry(database)
    async with direct_session(database) as session:
        report = await tasks.run(session, TODAY)
    assert report.closed == 1
    assert [a.reference for a in report.alerts] == ["AG-today", "AG-urgent", "AG-warning"]
    assert [a.level for a in report.alerts] == ["urgent", "urgent", "warning"]
    lines = report.lines()
    assert lines[0] == "Cadastre — tâche du 16/06/2025 : 1 convention échue clôturée."
    assert lines[2].startswith("[URGENT] La convention AG-urgent prend fin le 26/06/2025 (dans 10 jours)")
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


async def test_within_days_narrows_the_alerts(database):
    await _registry(database)
    async with direct_session(database) as session:
        report = await tasks.run(session, TODAY, within_days=30)
    assert [a.reference for a in report.alerts] == ["AG-today", "AG-urgent"]


def _module(tmp_path, database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COORDINATION_")}
    env.update(COORDINATION_DATABASE_URL=database_url, COORDINATION_VAR_DIR=str(tmp_path / "var"))
    return subprocess.run(
        [sys.executable, "-m", "coordination.cadastre.tasks", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_command_line_entry(database, tmp_path):
    await _registry(database)
    await database.engine.dispose()
    done = _module(tmp_path, database.url, "--today", TODAY.isoformat())
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert out[0] == "Cadastre — tâche du 16/06/2025 : 1 convention échue clôturée."
    assert len(out) == 4 and "Traceback" not in done.stderr

    again = _module(tmp_path, database.url, "--today", TODAY.isoformat(), "--within-days", "5")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0].endswith(": 0 convention échue clôturée.")
    assert len(again.stdout.splitlines()) == 2  # AG-today only

    bad = _module(tmp_path, database.url, "--within-days", "0")
    assert bad.returncode == 2 and "--within-days" in bad.stderr


def test_unreachable_database_is_a_message_not_a_traceback(tmp_path):
    done = _module(tmp_path, "postgresql+asyncpg://nobody:secret@127.0.0.1:9/absent")
    assert done.returncode == tasks.EXIT_UNAVAILABLE, done.stderr
    assert "base de données injoignable" in done.stderr and "Traceback" not in done.stderr
    assert "secret" not in done.stderr
