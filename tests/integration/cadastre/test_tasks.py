"""The scheduled task ``python -m coordination.cadastre.tasks``: close expired agreements, print alerts."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from coordination.cadastre import tasks
from coordination.cadastre.models import Agreement, PartnerProfile, Service
from coordination.cadastre.services import agreement_accepts_steps
from coordination.directory.models import Organisation, OrganisationKind, Role, User
from coordination.inbox.models import Notification
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
    assert out[0] == "Cadastre — tâche du 16 juin 2025 : 1 convention échue clôturée."
    assert len(out) == 5 and "Traceback" not in done.stderr
    assert out[4] == "0 fiche(s) à vérifier ; 0 avis envoyé(s) aux responsables partenaires."

    again = _module(tmp_path, database.url, "--today", TODAY.isoformat(), "--within-days", "5")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0].endswith(": 0 convention échue clôturée.")
    assert len(again.stdout.splitlines()) == 3  # AG-today only, then the verification line

    bad = _module(tmp_path, database.url, "--within-days", "0")
    assert bad.returncode == 2 and "--within-days" in bad.stderr


def test_unreachable_database_is_a_message_not_a_traceback(tmp_path):
    done = _module(tmp_path, "postgresql+asyncpg://nobody:secret@127.0.0.1:9/absent")
    assert done.returncode == tasks.EXIT_UNAVAILABLE, done.stderr
    assert "base de données injoignable" in done.stderr and "Traceback" not in done.stderr
    assert "secret" not in done.stderr


async def test_records_not_verified_for_twelve_months_reach_alerts_and_the_managers_inbox(
    client, world, database
):
    now = datetime(2025, 6, 16, 4, 0, tzinfo=UTC)
    async with direct_session(database) as session:
        envol = Organisation(name="CISP L'Envol", kind=OrganisationKind.PARTNER)
        other = Organisation(name="MIRE Centre", kind=OrganisationKind.PARTNER)
        session.add_all([envol, other])
        await session.flush()
        old = datetime(2019, 3, 1, 10, tzinfo=UTC)
        session.add_all(
            [
                # verified in 2019: overdue (it is not « à jour » just because nobody edited it since)
                PartnerProfile(organisation_id=envol.id, partner_kind="cisp", assured_at=old, created_at=old),
                # verified eleven months ago: not yet
                PartnerProfile(
                    organisation_id=other.id,
                    partner_kind="mire",
                    assured_at=datetime(2024, 7, 20, tzinfo=UTC),
                    created_at=old,
                ),
                Service(organisation_id=other.id, name="Jobcoaching", created_at=old),  # never verified
                User(subject="m1", display_name="M1", role=Role.PARTNER_MANAGER, organisation_id=envol.id),
                User(subject="m2", display_name="M2", role=Role.PARTNER_MANAGER, organisation_id=other.id),
                User(subject="o2", display_name="O2", role=Role.PARTNER_OPERATOR, organisation_id=other.id),
            ]
        )
        await session.commit()
    async with direct_session(database) as session:
        report = await tasks.run(session, TODAY, now=now)
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


async def test_closing_an_expired_agreement_is_not_an_edit_of_a_verified_record(database):
    await _registry(database)
    verified_at = datetime(2025, 6, 1, tzinfo=UTC)
    async with direct_session(database) as session:
        expired = await session.scalar(select(Agreement).where(Agreement.reference == "AG-expired"))
        expired.assured_at = verified_at
        await session.commit()
        before = expired.updated_at
    async with direct_session(database) as session:
        await tasks.run(session, TODAY)
    async with direct_session(database) as session:
        closed = await session.scalar(select(Agreement).where(Agreement.reference == "AG-expired"))
        assert closed.status == "closed" and closed.updated_at == before
