"""The file's pages and the API run the same use cases (``coordination.dossier.services``): a page parses
its form, calls the service the API calls, and renders. Proven here by counting the calls of the shared
service from both entry points, and by what both leave behind (the same event, the same notice)."""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import select

from coordination.dossier.context import FileRequest
from coordination.dossier.controllers import documents as api_documents
from coordination.dossier.services import document_uploads
from coordination.events import DomainEvent
from coordination.inbox.models import Notification
from coordination.web import file_actions, uploads
from tests.integration.web.conftest import csrf_from, person_ids, sign_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PAGES = ("file_pages", "file_actions", "filedata", "uploads", "me_pages", "journal_pages")


def _counting(monkeypatch, name: str, *modules) -> list:
    """Replace ``name`` in each entry point's module by one wrapper of the service's function."""
    calls: list = []
    real = getattr(document_uploads, name)

    async def spy(*args, **kwargs):
        # the principal: the request's (``FileRequest``), or the second argument of ``upload_document``
        principal = args[0].principal if isinstance(args[0], FileRequest) else args[1]
        calls.append(principal.user_id)
        return await real(*args, **kwargs)

    for module in modules:
        assert getattr(module, name) is real, f"{module.__name__} does not call the shared {name}"
        monkeypatch.setattr(module, name, spy)
    return calls


async def test_the_page_and_the_api_upload_through_the_same_use_case(client, demo, database, monkeypatch):
    calls = _counting(monkeypatch, "upload_document", uploads, api_documents)
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    token = csrf_from((await client.get(f"/dossiers/{julie}")).text)
    page = await client.post(
        f"/dossiers/{julie}/documents",
        params={"filename": "page.pdf", "category": "certificate", "title": "Par la page"},
        content=PDF,
        headers={"x-csrf-token": token, "content-type": "application/octet-stream"},
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text
    api = await client.post(
        f"/api/v1/persons/{julie}/documents",
        params={"filename": "api.pdf", "category": "certificate", "title": "Par l'API"},
        content=PDF,
        headers={"x-csrf-token": token},
    )
    assert api.status_code == 201, api.text
    assert len(calls) == 2 and calls[0] == calls[1]
    async with database.sessionmaker() as session:
        events = list(await session.scalars(select(DomainEvent).where(DomainEvent.kind == "document_added")))
        notices = list(
            await session.scalars(
                select(Notification).where(
                    Notification.recipient_person_id == julie, Notification.kind == "document_added"
                )
            )
        )
    assert len(events) == 2 and {e.person_id for e in events} == {julie}
    assert sorted(n.body_fr.split("« ")[1].split(" »")[0] for n in notices) == ["Par l'API", "Par la page"]


async def test_the_page_deletes_a_document_through_the_api_use_case(client, demo, database, monkeypatch):
    calls = _counting(monkeypatch, "remove_document", file_actions, api_documents)
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    token = csrf_from((await client.get(f"/dossiers/{julie}")).text)
    up = await client.post(
        f"/api/v1/persons/{julie}/documents",
        params={"filename": "cv.pdf", "category": "cv"},
        content=PDF,
        headers={"x-csrf-token": token},
    )
    assert up.status_code == 201, up.text
    document = up.json()
    gone = await client.post(
        f"/dossiers/{julie}/documents/{document['id']}/suppression",
        data={"csrf_token": token, "reason": "Déposé par erreur", "version": str(document["version"])},
        follow_redirects=False,
    )
    assert gone.status_code == 303, gone.text
    assert len(calls) == 1
    read = await client.get(f"/api/v1/persons/{julie}/documents/{document['id']}")
    assert read.status_code == 200 and read.json()["deletion_reason"] == "Déposé par erreur"


def test_no_page_of_the_file_imports_a_controllers_module() -> None:
    """The pages call the dossier's services, never the API's controllers (nor their private helpers)."""
    web = Path(__file__).resolve().parents[3] / "src" / "coordination" / "web"
    for name in PAGES:
        tree = ast.parse((web / f"{name}.py").read_text(encoding="utf-8"))
        imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in imported if ".controllers" in m], name
