"""The inbox pages like every API list: ``cursor`` + ``page_size`` in, ``has_more`` + ``next_cursor`` out."""

from __future__ import annotations

from coordination.directory.models import Role
from coordination.inbox.services import notify
from tests.integration.access import seed


async def test_inbox_pages_by_cursor_without_repeating_or_skipping(client, database, auth_headers):
    async with database.sessionmaker() as session:
        forem = seed.org(session, seed.OrganisationKind.FOREM)
        worker = seed.user(session, Role.FOREM_REFERENT, forem)
        await session.flush()
        for n in range(5):
            await notify(session, recipient_user_id=worker.id, kind="test", title_fr=f"Avis {n}", body_fr="…")
        await session.commit()
    headers = auth_headers(worker, org_kind="forem")
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params = {"page_size": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/inbox", params=params, headers=headers)).json()
        assert page["total"] == 5 and page["page_size"] == 2 and len(page["items"]) <= 2
        seen += [item["title"] for item in page["items"]]
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        cursor = page["next_cursor"]
    assert sorted(seen) == [f"Avis {n}" for n in range(5)]  # each once, none skipped
    assert len(seen) == len(set(seen))
