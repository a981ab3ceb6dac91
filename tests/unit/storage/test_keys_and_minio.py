"""Pure checks of the storage layer: key validation, metering, and the minio primitives S3Store relies on."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from minio import Minio

from coordination.storage.base import InvalidKey, Meter, TooLarge, validate_expiry, validate_key
from coordination.storage.factory import parse_endpoint
from coordination.storage.s3 import MULTIPART_PRIMITIVES


def test_minio_still_has_the_multipart_primitives() -> None:
    missing = [name for name in MULTIPART_PRIMITIVES if not callable(getattr(Minio, name, None))]
    assert missing == [], f"minio changed: S3Store needs {missing} (see coordination/storage/s3.py)"


@pytest.mark.parametrize("key", ["a", "documents/0190a1b2-c3d4/v1", "A-b_c.d/e"])
def test_valid_keys(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize(
    "key", ["", "..", "a/..", "../a", "/a", "a/", "a//b", ".a", "a b", "a\0b", "x" * 200]
)
def test_invalid_keys(key: str) -> None:
    with pytest.raises(InvalidKey):
        validate_key(key)


def test_meter_hashes_counts_and_stops_at_the_limit() -> None:
    meter = Meter(10)
    meter.update(b"hello")
    meter.update(b"world")
    assert (meter.size, meter.sha256) == (10, hashlib.sha256(b"helloworld").hexdigest())
    with pytest.raises(TooLarge) as info:
        meter.update(b"!")
    assert "taille maximale" in str(info.value)


def test_presigned_expiry_must_be_short() -> None:
    assert validate_expiry(timedelta(minutes=5))
    for bad in (timedelta(days=7), timedelta(0), timedelta(hours=2)):
        with pytest.raises(ValueError):
            validate_expiry(bad)


def test_parse_endpoint() -> None:
    assert parse_endpoint("minio:9000", True) == ("minio:9000", True)
    assert parse_endpoint("http://minio:9000", True) == ("minio:9000", False)
    assert parse_endpoint("https://s3.example.be", False) == ("s3.example.be", True)
