"""A professional's PDF export of a file: it renders with only the parts the professional may export (it
used to fail on the first missing part), and the journal says "exported" only for an export that exists."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.integration.dossier.conftest import beneficiary_token, build_rich_file

pytestmark = [
    pytest.mark.filterwarnings("ignore:Middleware .TokenAuthMiddleware. exclude pattern"),
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Deprecated 'query' parameter:DeprecationWarning"),
]


async def _exports_by(client, pid: str, me: str, user_id: str) -> list[dict]:
    journal = await client.get(
        f"/api/v1/persons/{pid}/journal",
        params={"limit": 500},
        headers={"Authorization": f"Bearer {me}"},
    )
    assert journal.status_code == 200, journal.text
    return [e for e in journal.json()["items"] if e["action"] == "export" and e["user_id"] == user_id]


async def test_referent_pdf_export_renders_without_the_parts_she_may_not_export(
    client, database, world
) -> None:
    built = await build_rich_file(client, database, world)
    pid = built["person"]["id"]
    response = await client.get(
        f"/api/v1/persons/{pid}/export", params={"format": "pdf"}, headers=world.headers("referent")
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split())
    assert "Julie Martin" in text and "Plan d'action" in text
    assert "Métier visé" in text and "metier_vise" not in text
    # never the CPAS social part nor health for a Forem referent
    assert "Situation sociale (CPAS)" not in text and "Port de charges" not in text


async def test_a_failed_rendering_leaves_no_export_in_the_journal(
    client, database, world, monkeypatch
) -> None:
    from coordination.dossier.services import export

    built = await build_rich_file(client, database, world)
    pid = built["person"]["id"]
    me = await beneficiary_token(database, world, pid)
    referent = str(world.users["referent"].id)
    assert await _exports_by(client, pid, me, referent) == []

    async def broken(data, catalogue):
        raise RuntimeError("rendering failed")

    monkeypatch.setattr(export, "render_pdf", broken)
    try:
        failed = await client.get(
            f"/api/v1/persons/{pid}/export", params={"format": "pdf"}, headers=world.headers("referent")
        )
        assert failed.status_code == 500
    except RuntimeError:
        pass  # the test client re-raises the server's exception: the request failed either way
    assert await _exports_by(client, pid, me, referent) == [], "no export journaled for a failed export"

    monkeypatch.undo()
    ok = await client.get(
        f"/api/v1/persons/{pid}/export", params={"format": "pdf"}, headers=world.headers("referent")
    )
    assert ok.status_code == 200
    allowed = {e["section"] for e in await _exports_by(client, pid, me, referent) if e["decision"] == "allow"}
    assert {"identity", "plan"} <= allowed
