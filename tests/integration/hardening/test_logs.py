"""What the service logs: never a NISS, never a document's contents, never a token — even on errors.

Every log record emitted while a file is opened, searched by NISS (valid and invalid numbers), read,
given a document, refused, and hit with a server-side failure is formatted by the production JSON
formatter and searched for the NISS (with and without separators), for a marker string inside the
uploaded document, and for the bearer token.
"""

from __future__ import annotations

import logging

import pytest
from litestar.testing import AsyncTestClient

from coordination.logging_config import JsonFormatter
from tests.integration.hardening.conftest import PDF, niss_for, seed_world

pytestmark = [pytest.mark.filterwarnings("ignore:Middleware .TokenAuthMiddleware. exclude pattern")]

SECRET_MARK = b"CONTENU-CONFIDENTIEL-7F3A"


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.formatter_ = JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.formatter_.format(record))
        self.lines.append(f"{record.name}: {record.getMessage()}")  # raw too: the mask is the last guard only


async def test_no_niss_no_content_no_token_in_logs(database, settings, app) -> None:
    world = await seed_world(database, settings, app)
    niss = niss_for("770312", "456")
    capture = Capture()
    root = logging.getLogger()
    root.addHandler(capture)
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        async with AsyncTestClient(app=app) as client:
            created = await client.post(
                "/api/v1/persons",
                json={"niss": niss, "first_name": "Léa", "last_name": "Journal", "forem_registered": True},
                headers=world.headers("referent"),
            )
            assert created.status_code == 201, created.text
            person = created.json()["id"]
            for query in (niss, f"{niss[:6]}-{niss[6:9]}.{niss[9:]}", niss[:-1] + "0"):
                await client.get("/api/v1/persons", params={"niss": query}, headers=world.headers("referent"))
            await client.get("/api/v1/persons", params={"niss": niss}, headers=world.headers("partner"))
            await client.post(
                "/api/v1/persons",
                json={"niss": niss, "first_name": "Doublon", "last_name": "X", "forem_registered": True},
                headers=world.headers("referent"),
            )
            upload = await client.post(
                f"/api/v1/persons/{person}/documents",
                params={"filename": "note.pdf", "category": "cv"},
                content=PDF + SECRET_MARK + b"\n%%EOF\n",
                headers=world.headers("referent"),
            )
            assert upload.status_code == 201, upload.text
            await client.get(
                f"/api/v1/persons/{person}/documents/{upload.json()['id']}/content",
                headers=world.headers("referent"),
            )
            await client.get(f"/api/v1/persons/{person}/file", headers=world.headers("regulator"))
            await client.get("/api/v1/persons/not-a-uuid", headers={"Authorization": "Bearer " + "x.y.z"})
    finally:
        root.removeHandler(capture)
        root.setLevel(level)
    text = "\n".join(capture.lines)
    assert capture.lines, "nothing was logged: the capture is broken"
    assert niss not in text and niss[:6] + "-" + niss[6:9] not in text
    assert SECRET_MARK.decode() not in text
    for token in world.tokens.values():
        assert token not in text and token.split(".")[2] not in text
