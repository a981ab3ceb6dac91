"""The OpenAPI document's promises, read directly (the Schemathesis run checks the server keeps them)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from litestar.testing import TestClient

from coordination.settings import Settings

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def document(tmp_path_factory) -> dict:
    from coordination.app import create_app

    where: Path = tmp_path_factory.mktemp("openapi")
    settings = Settings(
        env="test",
        var_dir=where / "var",
        database_url=f"sqlite+aiosqlite:///{where}/db.sqlite3",
        documents_dir=where / "documents",
    )
    with TestClient(create_app(settings)) as client:
        return client.get("/schema/openapi.json").json()


def operations(document: dict):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def test_every_write_of_a_resource_requires_if_match_and_answers_an_etag(document) -> None:
    """PATCH, PUT and DELETE change an existing resource: all of them are conditional, advisers included."""
    writes = [(m, p, op) for m, p, op in operations(document) if m in ("put", "patch", "delete")]
    assert ("patch", "/api/v1/advisers/{adviser_id}") in {(m, p) for m, p, _ in writes}
    for method, path, op in writes:
        if_match = [x for x in op.get("parameters", []) if x["name"] == "If-Match" and x["in"] == "header"]
        assert if_match and if_match[0]["required"], f"{method} {path}"
        assert {"412", "428"} <= set(op["responses"]), f"{method} {path}"
        success = [r for s, r in op["responses"].items() if s.startswith("2")]
        assert success and all("ETag" in r.get("headers", {}) for r in success), f"{method} {path}"


def test_reads_of_conditional_resources_answer_their_etag(document) -> None:
    for path in (
        "/api/v1/persons/{person_id}",
        "/api/v1/advisers/{adviser_id}",
        "/api/v1/visas/{visa_id}",
        "/api/v1/cadastre/agreements/{agreement_id}",
    ):
        assert document["paths"][path]["get"]["responses"]["200"]["headers"]["ETag"]["required"] is True


def test_input_structs_refuse_unknown_fields_and_times_are_times(document) -> None:
    schemas = document["components"]["schemas"]
    for name in (
        "PersonCreate",
        "PersonUpdate",
        "AdviserPatch",
        "Contract",
        "Shift",
        "cadastre_ServiceCreate",
    ):
        assert schemas[name]["additionalProperties"] is False, name
    assert schemas["Shift"]["properties"]["start"]["format"] == "time"
    assert '"format": "duration"' not in json.dumps(document)


def test_bounds_of_zero_are_kept(document) -> None:
    """Litestar dropped ``ge=0``: ``stale_days=-1`` was documented as valid."""
    persons = document["paths"]["/api/v1/persons"]["get"]["parameters"]
    stale = next(p for p in persons if p["name"] == "stale_days")
    assert "minimum" in json.dumps(stale["schema"])
    score = document["components"]["schemas"]["PersonUpdate"]["properties"]["proximity_score"]
    assert {"type": "integer", "maximum": 9, "minimum": 0} in score["oneOf"]


def test_files_are_documented_with_their_media_types(document) -> None:
    paths = document["paths"]
    assert set(paths["/api/v1/visas/{visa_id}/certificate.pdf"]["get"]["responses"]["200"]["content"]) == {
        "application/pdf"
    }
    content = paths["/api/v1/persons/{person_id}/documents/{document_id}/content"]["get"]["responses"]["200"]
    assert {"application/pdf", "application/octet-stream"} <= set(content["content"])
    export = paths["/api/v1/persons/{person_id}/export"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"application/json", "application/pdf"}
    upload = paths["/api/v1/persons/{person_id}/documents"]["post"]["requestBody"]["content"]
    assert upload["application/octet-stream"]["schema"] == {"type": "string", "format": "binary"}


def test_one_pagination_style(document) -> None:
    """Every paginated list takes ``cursor`` + ``page_size`` and answers ``has_more`` + ``next_cursor``."""
    paginated = 0
    for method, path, op in operations(document):
        names = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        assert not names & {"offset", "limit", "before"}, f"{method} {path}: {names}"
        if "page_size" in names or "cursor" in names:
            paginated += 1
            assert {"page_size", "cursor"} <= names, path
            ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            page = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
            assert {"items", "page_size", "has_more", "next_cursor"} <= set(page["properties"]), path
    assert paginated >= 5  # persons, timeline, inbox, a person's journal, all journals


def test_operation_ids_and_tags_are_meaningful(document) -> None:
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][A-Za-z0-9]+", i) and not i.startswith("api") for i in ids), ids
    for method, path, op in operations(document):
        assert len(op["tags"]) == 1 and op["tags"][0][0].isupper(), f"{method} {path}: {op['tags']}"
    assert document["paths"]["/api/v1/advisers/{adviser_id}"]["patch"]["operationId"] == "updateAdviser"
    assert document["paths"]["/health/live"]["get"]["security"] == []
