from __future__ import annotations

import re
from html import unescape

from tests.integration.web.conftest import csrf_from, person_ids, sign_in


async def test_referent_worklist_lists_people_with_signals(client, demo):
    await sign_in(client, "sophie")
    response = await client.get("/portefeuille")
    assert response.status_code == 200, response.text
    html = response.text
    assert "Mes personnes" in html
    assert re.search(r'href="/dossiers/[0-9a-f-]{36}"', html)
    assert "Premiers contacts en retard d'abord" in html


async def test_referent_opens_a_file_from_the_worklist(client, demo):
    await sign_in(client, "sophie")
    html = (await client.get("/portefeuille")).text
    link = re.search(r'href="(/dossiers/[0-9a-f-]{36})"', html).group(1)
    response = await client.get(link)
    assert response.status_code == 200, response.text
    assert "Dossier de " in response.text
    assert "Historique du dossier" in response.text
    assert "Traceback" not in response.text


async def test_forbidden_sections_show_the_missing_basis_in_plain_french(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    html = (await client.get(f"/dossiers/{julie}")).text
    # Forem has no way into the health section without the person's consent naming it
    health = re.search(r'id="section-health">(.*?)</section>', html, re.S).group(1)
    assert "Vous ne pouvez pas voir cette partie du dossier" in health
    assert "consentement" in health


async def test_regulator_sees_no_part_of_a_file(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "regis")
    response = await client.get(f"/dossiers/{julie}")
    assert response.status_code == 403
    assert "Vous n'avez accès à aucune partie de ce dossier" in unescape(response.text)
    assert "Julie" not in response.text.split("<main", 1)[1]


async def test_unknown_file_is_the_french_refusal_page(client, demo):
    """An id that designates no file is refused like a file without basis (no existence oracle)."""
    await sign_in(client, "sophie")
    response = await client.get("/dossiers/0190a0a0-0000-7000-8000-000000000000")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "Accès refusé" in response.text


async def test_search_by_name_only_lists_readable_files(client, demo):
    await sign_in(client, "sophie")
    response = await client.get("/dossiers", params={"nom": "martin"})
    assert response.status_code == 200
    assert "Julie" in response.text


async def _partner_file(client, database, subject: str):
    """A file with a step at the partner of ``subject``, once the person consented to that partner."""
    from sqlalchemy import select

    from coordination.directory.models import User
    from coordination.dossier.models import TrajectoryStep

    async with database.sessionmaker() as session:
        user = await session.scalar(select(User).where(User.subject == subject))
        step = await session.scalar(
            select(TrajectoryStep).where(TrajectoryStep.organisation_id == user.organisation_id).limit(1)
        )
        other = await session.scalar(
            select(TrajectoryStep).where(
                TrajectoryStep.person_id == step.person_id,
                TrajectoryStep.organisation_id != user.organisation_id,
            )
        )
        return user, step, other


async def _consent(database, person_id, organisation_id, recorded_by):
    from datetime import timedelta

    from coordination.access.models import ConsentChannel, ConsentEvent, ConsentEventKind
    from coordination.db.base import utcnow
    from coordination.factories import ConsentFactory

    async with database.sessionmaker() as session:
        now = utcnow()
        consent = ConsentFactory.build(
            person_id=person_id,
            recipient_organisation_id=organisation_id,
            sections=["identity", "plan", "trajectory", "progress"],
            purpose="test",
            legal_basis="consent",
            given_at=now - timedelta(minutes=1),
            expires_at=now + timedelta(days=30),
            recorded_by_user_id=recorded_by,
            channel=ConsentChannel.SELF,
        )
        session.add(consent)
        await session.flush()
        session.add(ConsentEvent(consent_id=consent.id, kind=ConsentEventKind.GIVEN, at=now))
        await session.commit()


async def test_partner_records_progress_on_its_own_step_only(client, demo, database):
    user, step, other = await _partner_file(client, database, "paul")
    await _consent(database, step.person_id, user.organisation_id, user.id)
    await sign_in(client, "paul")
    html = (await client.get(f"/dossiers/{step.person_id}")).text
    assert f"/etapes/{step.id}/progression" in html
    token = csrf_from(html)
    response = await client.post(
        f"/dossiers/{step.person_id}/etapes/{step.id}/progression",
        data={"csrf_token": token, "note": "Très bonne semaine", "attendance_hours": "12,5"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    html = (await client.get(f"/dossiers/{step.person_id}?ok=progression")).text
    assert "Progression enregistrée" in html and "Très bonne semaine" in html
    if other is not None:
        assert f"/etapes/{other.id}/progression" not in html
        response = await client.post(
            f"/dossiers/{step.person_id}/etapes/{other.id}/progression",
            data={"csrf_token": token, "note": "pas la mienne"},
        )
        assert response.status_code == 403
        assert "Seule l'organisation qui mène cette étape" in unescape(response.text)


async def test_progress_without_csrf_is_refused(client, demo, database):
    _user, step, _ = await _partner_file(client, database, "paul")
    await sign_in(client, "paul")
    response = await client.post(
        f"/dossiers/{step.person_id}/etapes/{step.id}/progression", data={"note": "x"}
    )
    assert response.status_code == 403
    assert "formulaire a expiré" in response.text


async def test_referent_uploads_a_document_and_downloads_it(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    html = (await client.get(f"/dossiers/{julie}")).text
    token = csrf_from(html)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = await client.post(
        f"/dossiers/{julie}/documents",
        params={
            "filename": "attestation.pdf",
            "category": "certificate",
            "title": "Attestation de formation",
        },
        content=pdf,
        headers={"x-csrf-token": token, "content-type": "application/octet-stream"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    html = (await client.get(f"/dossiers/{julie}")).text
    assert "Attestation de formation" in html
    link = re.search(r'href="(/api/v1/persons/[^"]+/content)"[^>]*>Télécharger attestation.pdf', html)
    assert link
    download = await client.get(link.group(1))
    assert download.status_code == 200 and download.content == pdf


async def test_multipart_upload_without_javascript(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    token = csrf_from((await client.get(f"/dossiers/{julie}")).text)
    response = await client.post(
        f"/dossiers/{julie}/documents",
        data={"csrf_token": token, "category": "cv", "title": "CV 2026"},
        files={"file": ("cv.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


async def test_upload_with_disguised_type_is_refused_in_french(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    token = csrf_from((await client.get(f"/dossiers/{julie}")).text)
    response = await client.post(
        f"/dossiers/{julie}/documents",
        params={"filename": "cv.pdf", "category": "cv"},
        content=b"MZ\x90\x00 not a pdf at all" * 10,
        headers={"x-csrf-token": token, "content-type": "application/octet-stream"},
    )
    assert 400 <= response.status_code < 500
    assert "Traceback" not in response.text


async def test_an_objective_refused_names_the_field_by_its_label_and_writes_nothing(client, demo, database):
    from uuid import UUID

    from sqlalchemy import func, select

    from coordination.dossier.models import PlanObjective

    await sign_in(client, "sophie")
    link = re.search(r'href="(/dossiers/[0-9a-f-]{36})"', (await client.get("/portefeuille")).text).group(1)
    html = (await client.get(link)).text
    assert f"{link}/plan/objectifs" in html
    person_id = UUID(link.rsplit("/", 1)[1])

    async def objectives() -> int:
        async with database.sessionmaker() as session:
            query = (
                select(func.count()).select_from(PlanObjective).where(PlanObjective.person_id == person_id)
            )
            return await session.scalar(query)

    before = await objectives()
    refused = await client.post(
        f"{link}/plan/objectifs",
        data={"csrf_token": csrf_from(html), "title": "Permis B", "due_date": "demain"},
    )
    assert refused.status_code == 400
    assert "Données invalides : Échéance : n'est pas une date (AAAA-MM-JJ)." in unescape(refused.text)
    assert await objectives() == before
    done = await client.post(
        f"{link}/plan/objectifs",
        data={"csrf_token": csrf_from(html), "title": "Permis B", "due_date": "2027-03-31"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert await objectives() == before + 1
