"""Secrets of the embedded default, generated once into ``<var_dir>/keys`` (never committed).

In production every secret comes from the environment or a mounted file, and :class:`Settings` refuses to
start without them, so nothing here runs there.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from coordination.settings import Settings


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def load_or_create_ec_key(path: Path) -> ec.EllipticCurvePrivateKey:
    """An ECDSA P-256 private key from a PEM file, generated there if absent (ES256)."""
    if not path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write_private(path, pem)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} ne contient pas une clé privée ECDSA.")
    return loaded


def load_or_create_secret(path: Path, nbytes: int = 32) -> bytes:
    if not path.exists():
        _write_private(path, secrets.token_hex(nbytes).encode())
    return path.read_bytes().strip()


def niss_hash_key(settings: Settings) -> bytes:
    """Key of the keyed NISS hash: without it the hash column cannot be brute-forced over 10^11 numbers."""
    if settings.niss_hash_key:
        return settings.niss_hash_key.encode()
    return load_or_create_secret(settings.effective_keys_dir / "niss-hash.key")


def signing_key(settings: Settings) -> ec.EllipticCurvePrivateKey:
    """Key signing visa decisions and certificates."""
    return load_or_create_ec_key(settings.signing_key_file or settings.effective_keys_dir / "signing.pem")


def dev_issuer_key(settings: Settings) -> ec.EllipticCurvePrivateKey:
    """Key of the development token issuer (embedded default only)."""
    return load_or_create_ec_key(settings.effective_keys_dir / "dev-issuer.pem")
