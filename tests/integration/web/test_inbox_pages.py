"""Inbox page: every user's own notifications, the unread count in the header, mark read (one or all),
open what a notification is about in one click; nobody reads another's notifications."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from coordination.db.base import utcnow
from coordination.directory.models import User
from coordination.inbox.models import Notification
from coordination.inbox.services import notify
from coordination.web.inbox_pages import web_link
from tests.integration.web.conftest import csrf_from, person_ids, sign_in


async def _seed(database, julie) -> list:
    async with database.sessionmaker() as session:
        sophie = await session.scalar(select(User).where(User.subject == "sophie"))
        notes = [
            await notify(
                session,
                person_id=julie,
                kind="referral_sent",
                title_fr="Nouvelle orientation vers CISP Le Tremplin",
                body_fr="Votre référente vous propose un service. NISS 85.07.14-123.45 jamais affiché.",
                link="/api/v1/me/referrals/0190a0a0-0000-7000-8000-000000000001",
            ),
            await notify(
                session,
                person_id=julie,
                kind="visa_decided",
                title_fr="Décision sur votre contrat",
                body_fr="Le CPAS a rendu sa décision.",
            ),
            await notify(
                session,
                recipient_user_id=sophie.id,
                kind="first_contact_overdue",
                title_fr="Premier contact en retard",
                body_fr="Pour Sophie seulement.",
            ),
        ]
        await session.commit()
        return [n.id for n in notes]


async def test_person_reads_marks_and_opens_her_notifications(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    async with database.sessionmaker() as session:  # what the demo already told her
        for note in (
            await session.scalars(select(Notification).where(Notification.recipient_person_id == julie))
        ).all():
            note.read_at = utcnow()
        await session.commit()
    first, second, sophies = await _seed(database, julie)
    await sign_in(client, "julie")
    space = await client.get("/mon-espace")
    assert re.search(r'class="count">2<', space.text), "two unread in the header"
    assert "Vous avez 2 messages non lus" in unescape(space.text)
    page = await client.get("/notifications")
    html = unescape(page.text)
    assert "Nouvelle orientation vers CISP Le Tremplin" in html and "Décision sur votre contrat" in html
    assert "Pour Sophie seulement" not in html
    assert "85.07.14-123.45" not in html and "[numéro masqué]" in html
    token = csrf_from(page.text)

    marked = await client.post(
        f"/notifications/{second}/lue", data={"csrf_token": token}, follow_redirects=False
    )
    assert marked.status_code == 303
    assert re.search(r'class="count">1<', (await client.get("/notifications")).text)
    unread = unescape((await client.get("/notifications?filtre=non-lues")).text)
    assert "Nouvelle orientation" in unread and "Décision sur votre contrat" not in unread

    opened = await client.post(
        f"/notifications/{first}/ouvrir", data={"csrf_token": token}, follow_redirects=False
    )
    assert opened.status_code == 303
    assert opened.headers["location"].startswith("/mon-espace/orientations#orientation-")
    assert 'class="count"' not in (await client.get("/notifications")).text

    # another user's notification: 404, unchanged
    other = await client.post(f"/notifications/{sophies}/lue", data={"csrf_token": token})
    assert other.status_code == 404
    async with database.sessionmaker() as session:
        assert (await session.get(Notification, sophies)).read_at is None


async def test_worker_marks_everything_read(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await _seed(database, julie)
    await sign_in(client, "sophie")
    page = await client.get("/notifications")
    assert "Premier contact en retard" in unescape(page.text)
    assert "Nouvelle orientation vers CISP" not in unescape(page.text)
    done = await client.post("/notifications/tout-lu", data={"csrf_token": csrf_from(page.text)})
    assert done.status_code == 200
    assert "Tout est marqué comme lu" in unescape(done.text)
    assert 'class="count"' not in done.text


def test_api_links_become_page_links() -> None:
    rid = "0190a0a0-0000-7000-8000-000000000001"
    assert web_link(f"/api/v1/referrals/received/{rid}") == f"/orientations/recues/{rid}"
    assert web_link(f"/api/v1/referrals/{rid}") == f"/orientations/{rid}"
    assert web_link(f"/api/v1/visas/{rid}") == f"/visa/{rid}"
    assert web_link("https://ailleurs.example/x") is None
    assert web_link("//ailleurs.example/x") is None
    assert web_link("/mon-espace") == "/mon-espace"
