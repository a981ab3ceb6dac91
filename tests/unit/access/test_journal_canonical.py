"""The canonical JSON the PostgreSQL gate hands to the database in pieces is byte for byte the one
``journal.row_hash`` (and so ``coordination journal verify``) computes."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest

from coordination import clock
from coordination.access import journal

AWKWARD = [
    "Opérateur « 3 »",
    'with "quotes" and \\ backslash',
    "tab\tnew\nline\r\x00\x1f\x7f",
    "emoji 🧾 and \u2028 separator",
    "ends with }|",
    "",
    None,
]


def fields(user_name, request_id, *, consent_id=None, seq=7, reason=None, at=None):
    return {
        "person_id": uuid4(),
        "seq": seq,
        "at": at or clock.now(),
        "user_id": uuid4(),
        "user_name": user_name,
        "organisation_id": None,
        "organisation_name": user_name,
        "format_version": journal.FORMAT_VERSION,
        "role": "partner_operator",
        "section": "plan",
        "document_id": uuid4(),
        "action": "read",
        "decision": "allow",
        "basis": "consent",
        "consent_id": consent_id,
        "request_id": request_id,
        "reason": reason,
    }


@pytest.mark.parametrize("text", AWKWARD)
@pytest.mark.parametrize("consent_id", [None, uuid4()])
def test_pieces_rebuild_the_canonical_json(text, consent_id):
    at = datetime.now(timezone(timedelta(hours=2)))  # not UTC: the canonical form is UTC
    row = fields(text or "x", text, consent_id=consent_id, seq=12345, reason=text, at=at)
    encoded = {name: journal.encode_value(row[name]) for name in journal.HASHED_FIELDS}
    pre, mid, post = journal.canonical_pieces(encoded, ("consent_id", "seq"))
    # what the database puts in the holes: '"' || uuid::text || '"' (or null), and seq::text
    consent_json = f'"{consent_id}"' if consent_id else "null"
    rebuilt = pre + consent_json + mid + str(row["seq"]) + post
    assert rebuilt == journal.canonical_json(row)
    prev = hashlib.sha256(b"prev").hexdigest()
    assert hashlib.sha256((rebuilt + "|" + prev).encode()).hexdigest() == journal.row_hash(row, prev)


def test_each_value_encodes_as_in_the_canonical_json():
    row = fields('a "b" \\ é 🧾', "r\n1", consent_id=uuid4(), reason="Accès refusé : « x »")
    canonical = journal.canonical_json(row)
    for name in journal.HASHED_FIELDS:
        assert f'"{name}":{journal.encode_value(row[name])}' in canonical
