"""Signature of a visa decision: ECDSA P-256 / SHA-256 over the canonical JSON of contract+checklist+decision.

Why canonical JSON (sorted keys, no whitespace, msgspec encoding): the same content must give the same bytes
on any machine and after a database round trip, so anyone holding the public key can re-verify a stored
visa or a certificate's content hash years later.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

_ENCODER = msgspec.json.Encoder(order="sorted")


def canonical(payload: Any) -> bytes:
    # Round trip through builtins so that Structs, enums and dicts encode identically.
    return _ENCODER.encode(msgspec.to_builtins(payload, order="sorted"))


def content_hash(payload: Any) -> str:
    return hashlib.sha256(canonical(payload)).hexdigest()


def fingerprint(public_key: ec.EllipticCurvePublicKey) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def sign(private_key: ec.EllipticCurvePrivateKey, payload: Any) -> str:
    return base64.b64encode(private_key.sign(canonical(payload), ec.ECDSA(hashes.SHA256()))).decode()


def verify(public_key: ec.EllipticCurvePublicKey, payload: Any, signature: str) -> bool:
    try:
        public_key.verify(base64.b64decode(signature), canonical(payload), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True
