"""Abuse through the HTTP surface: odd and hostile filenames, oversized and compressed payloads, tampered
headers and tokens. Each case must be refused (or sanitised) with problem details — never a 5xx, never a
byte stored outside the documents folder, never a file readable by the wrong caller.
"""

from __future__ import annotations

import base64
import gzip
import json
import struct
import time
import zlib
from uuid import UUID

import psutil
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from coordination.dossier.models import DocumentVersion
from tests.integration.hardening.conftest import PDF, app_for, journal_rows, seed_world

pytestmark = [pytest.mark.filterwarnings("ignore:Middleware .TokenAuthMiddleware. exclude pattern")]

UPLOAD_LIMIT = 256 * 1024
BODY_LIMIT = 64 * 1024

HOSTILE_NAMES = [
    "../../../../etc/passwd.pdf",
    "..\\..\\..\\windows\\win.ini.pdf",
    "/etc/shadow.pdf",
    "....//....//cv.pdf",
    "%2e%2e%2fcv.pdf",
    "cv.pdf\x00.exe",
    "cv\r\nSet-Cookie: a=b.pdf",
    'cv".pdf; filename=evil.exe',
    "CON.pdf",
    "cv\u202efdp.exe",  # right-to-left override
    "<script>alert(1)</script>.pdf",
    "émile Æ 履歴書.pdf",
    " .pdf",
    "x" * 190 + ".pdf",
]


async def _versions(database) -> int:
    async with database.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(DocumentVersion)))


def _files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_hostile_filenames_are_sanitised_or_refused(database, settings, app, tmp_path) -> None:
    world = await seed_world(database, settings, app)
    docs_dir = settings.effective_documents_dir.resolve()
    before_outside = {p for p in tmp_path.rglob("*") if p.is_file() and docs_dir not in p.resolve().parents}
    url = f"/api/v1/persons/{world.person_a}/documents"
    async with AsyncTestClient(app=app) as client:
        for name in HOSTILE_NAMES:
            response = await client.post(
                url,
                params={"filename": name, "category": "cv"},
                content=PDF,
                headers=world.headers("referent"),
            )
            assert response.status_code in (201, 400, 415), (name, response.text)
            if response.status_code != 201:
                assert response.headers["content-type"].startswith("application/problem+json")
                continue
            stored = response.json()["versions"][0]["filename"]
            assert "/" not in stored and "\\" not in stored and ".." not in stored.split("/")
            assert not any(c in stored for c in '\x00\r\n"<>'), repr(stored)
            download = await client.get(
                f"{url}/{response.json()['id']}/content", headers=world.headers("referent")
            )
            assert download.status_code == 200 and download.content == PDF
            disposition = download.headers["content-disposition"]
            assert "\r" not in disposition and "\n" not in disposition
            assert disposition.startswith("attachment; filename*=UTF-8''")
            assert download.headers["x-content-type-options"] == "nosniff"
        too_long = await client.post(
            url, params={"filename": "x" * 300 + ".pdf"}, content=PDF, headers=world.headers("referent")
        )
        assert too_long.status_code == 400
    # Every byte landed inside the documents folder, under generated keys (never the client's name).
    after_outside = {p for p in tmp_path.rglob("*") if p.is_file() and docs_dir not in p.resolve().parents}
    assert after_outside - before_outside <= {
        p for p in after_outside if p.suffix in (".sqlite3", ".pem", ".key")
    }
    for path in _files(docs_dir):
        relative = path.relative_to(docs_dir).as_posix()
        assert relative.startswith("persons/") and ".." not in relative
        assert not any(h.split(".")[0][:6] in path.name for h in ("passwd", "shadow", "win"))


async def test_disguised_executable_and_empty_uploads_are_refused(database, settings, app) -> None:
    world = await seed_world(database, settings, app)
    url = f"/api/v1/persons/{world.person_a}/documents"
    versions = await _versions(database)
    async with AsyncTestClient(app=app) as client:
        for name, content in [
            ("cv.pdf", b"MZ\x90\x00" + b"\x00" * 200),  # a Windows executable named .pdf
            ("cv.pdf", b"#!/bin/sh\nrm -rf /\n"),
            ("photo.jpg", PDF),  # extension and magic bytes disagree
            ("cv.pdf", b""),
            ("page.html", b"<html><script>alert(1)</script></html>"),
        ]:
            response = await client.post(
                url, params={"filename": name}, content=content, headers=world.headers("referent")
            )
            assert response.status_code in (400, 415, 422), (name, response.status_code, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
    assert await _versions(database) == versions
    assert not [
        p for p in _files(settings.effective_documents_dir) if "persons" in p.parts and p.stat().st_size == 0
    ]


async def test_oversized_payloads_are_413_and_nothing_is_kept(database, settings, app, built_apps) -> None:
    world = await seed_world(database, settings, app)
    limits = settings.replace(max_upload_bytes=UPLOAD_LIMIT, max_request_body_bytes=BODY_LIMIT)
    limited = app_for(database, limits, built_apps)
    url = f"/api/v1/persons/{world.person_a}/documents"
    versions = await _versions(database)
    files = set(_files(settings.effective_documents_dir))
    async with AsyncTestClient(app=limited) as client:
        # Declared too large: refused before reading.
        big = PDF + b"0" * (UPLOAD_LIMIT + 1)
        declared = await client.post(
            url, params={"filename": "big.pdf"}, content=big, headers=world.headers("referent")
        )
        assert declared.status_code == 413, declared.text

        # No length announced (chunked) is proved against a real server: tests/faults/test_storage_faults.py (a real server)

        # JSON body over the request limit.
        huge = {"title": "x", "description": "y" * (BODY_LIMIT + 10)}
        body = await client.post(
            f"/api/v1/persons/{world.person_a}/plan/objectives", json=huge, headers=world.headers("referent")
        )
        assert body.status_code == 413, body.text
        assert body.headers["content-type"].startswith("application/problem+json")

        # Deeply nested JSON under the size limit: a 400, not a recursion crash.
        nested = ("[" * 5000 + "]" * 5000).encode()
        deep = await client.post(
            f"/api/v1/persons/{world.person_a}/plan/objectives",
            content=nested,
            headers=world.headers("referent", **{"Content-Type": "application/json"}),
        )
        assert deep.status_code == 400, deep.text
    assert await _versions(database) == versions
    assert set(_files(settings.effective_documents_dir)) == files


def _gzip_bomb(uncompressed: int) -> bytes:
    """A valid gzip stream of ``uncompressed`` zero bytes (a whole number of MiB), about a thousandth of
    that size. Each MiB is compressed after a full flush, which resets the compressor: every MiB after the
    first compresses to the same bytes, so they are compressed once and repeated, and the trailer (CRC-32
    and length of the whole) is written here. Compressing the whole GiB took 3 s of CPU; this, 0.3 s."""
    block = b"\x00" * (1024 * 1024)
    count = uncompressed // len(block)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip container
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush()[:-8]  # the last (empty) block, without the trailer of the two blocks read
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    return first + again * (count - 1) + end + struct.pack("<II", crc, (count * len(block)) & 0xFFFFFFFF)


def test_the_gzip_bomb_inflates_to_zeros_only() -> None:
    """The shortcut above is a valid gzip stream of exactly that many zeros (checked on 64 MiB)."""
    bomb = _gzip_bomb(64 * 1024 * 1024)
    assert gzip.decompress(bomb) == b"\x00" * (64 * 1024 * 1024)


async def test_compressed_payloads_are_never_inflated(database, settings, app) -> None:
    """A gzip bomb (1 GiB of zeros in ~1 MB) sent with ``Content-Encoding: gzip``: the service does not
    inflate request bodies, so it is refused as what it is (not JSON / not an accepted document type), the
    process memory does not move, and nothing is stored."""
    world = await seed_world(database, settings, app)
    bomb = _gzip_bomb(1024 * 1024 * 1024)
    assert len(bomb) < 2 * 1024 * 1024
    small_bomb = gzip.compress(json.dumps({"title": "x" * 10_000_000}).encode())
    process = psutil.Process()
    versions = await _versions(database)
    async with AsyncTestClient(app=app) as client:
        rss_before = process.memory_info().rss
        started = time.monotonic()
        upload = await client.post(
            f"/api/v1/persons/{world.person_a}/documents",
            params={"filename": "cv.pdf"},
            content=bomb,
            headers=world.headers("referent", **{"Content-Encoding": "gzip"}),
        )
        assert upload.status_code in (400, 415), upload.text
        json_bomb = await client.post(
            f"/api/v1/persons/{world.person_a}/plan/objectives",
            content=small_bomb,
            headers=world.headers(
                "referent", **{"Content-Encoding": "gzip", "Content-Type": "application/json"}
            ),
        )
        assert json_bomb.status_code in (400, 413, 415), json_bomb.text
        elapsed = time.monotonic() - started
        grown = process.memory_info().rss - rss_before
    assert grown < 64 * 1024 * 1024, f"RSS grew by {grown / 2**20:.0f} MiB"
    assert elapsed < 30
    assert await _versions(database) == versions


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_tampered_tokens_and_headers_are_401_and_reveal_nothing(database, settings, app) -> None:
    world = await seed_world(database, settings, app)
    good = world.tokens["partner"]
    head, body, sig = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    escalated = _b64({**claims, "role": "dpo"})
    other_org = _b64({**claims, "org": str(world.orgs["forem"].id), "org_kind": "forem"})
    public_pem = world.issuer.public_jwk  # type: ignore[attr-defined]
    hs_header = _b64({**header, "alg": "HS256"})
    now = int(time.time())
    forged = {
        "role escalated, signature kept": f"{head}.{escalated}.{sig}",
        "organisation swapped": f"{head}.{other_org}.{sig}",
        "alg none": f"{_b64({**header, 'alg': 'none'})}.{body}.",
        "alg HS256 with the public key": f"{hs_header}.{body}.{_b64(public_pem)}",
        "signature removed": f"{head}.{body}.",
        "signature of another token": f"{head}.{body}.{world.tokens['referent'].split('.')[2]}",
        "expired": world.issuer.issue(world.users["partner"], exp=now - 3600, iat=now - 7200, nbf=now - 7200),  # type: ignore[attr-defined]
        "not yet valid": world.issuer.issue(world.users["partner"], nbf=now + 3600),  # type: ignore[attr-defined]
        "wrong audience": world.issuer.issue(world.users["partner"], aud="another-service"),  # type: ignore[attr-defined]
        "wrong issuer": world.issuer.issue(world.users["partner"], iss="https://evil.example"),  # type: ignore[attr-defined]
        "unknown kid": f"{_b64({**header, 'kid': 'nope'})}.{body}.{sig}",
        "garbage": "not.a.token",
        "huge": "a" * 9000 + "." + "b" * 10 + ".c",
        "two dots only": "..",
    }
    headers_variants = {
        "no scheme": {"Authorization": good},
        "basic": {"Authorization": "Basic " + base64.b64encode(b"admin:admin").decode()},
        "empty bearer": {"Authorization": "Bearer "},
        "latin-1 junk": {"Authorization": b"Bearer \xe9\xe8\xff"},
    }
    target = f"/api/v1/persons/{world.person_a}/plan"
    rows = await journal_rows(database, world.person_a)
    async with AsyncTestClient(app=app) as client:
        assert (await client.get(target, headers=world.headers("partner"))).status_code == 200
        rows += 1
        cases = {name: {"Authorization": f"Bearer {token}"} for name, token in forged.items()}
        cases.update(headers_variants)
        cases["missing"] = {}
        for name, headers in cases.items():
            for method, path in (
                ("GET", target),
                ("POST", f"{target}/objectives"),
                ("GET", "/api/v1/journal"),
            ):
                response = await client.request(method, path, headers=headers, json={"title": "x"})
                assert response.status_code == 401, (name, method, path, response.text)
                assert response.headers["content-type"].startswith("application/problem+json")
                assert response.headers.get("www-authenticate", "").startswith("Bearer")
                assert "Julie" not in response.text and "Martin" not in response.text
        # A well-formed request id is echoed; a hostile one is replaced, never reflected.
        for hostile in ("x\r\nSet-Cookie: a=b", "<script>", "a" * 500, "../../etc"):
            response = await client.get("/health/live", headers={"X-Request-ID": hostile})
            assert response.headers["x-request-id"] != hostile
            assert "set-cookie" not in response.headers
        kept = await client.get("/health/live", headers={"X-Request-ID": "trace-12345678"})
        assert kept.headers["x-request-id"] == "trace-12345678"
        # The cookie is honoured only as a token: a cookie with a forged token is a 401 too.
        client.cookies.set("coordination_token", forged["role escalated, signature kept"])
        assert (await client.get(target)).status_code == 401
    # Nothing unauthenticated reached the gate: the journal only holds the one legitimate read.
    assert await journal_rows(database, world.person_a) == rows
    assert UUID(world.person_a)
