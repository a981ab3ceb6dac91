"""Create the documents bucket with versioning ON and the lifecycle rules that keep it clean.

Run once per deployment (the compose ``bucket`` job, the Kubernetes ``coordination-bucket`` Job): every
step is idempotent.

Retention is the application's job, not the bucket's: ``coordination tasks`` (step « conservation »)
erases each document when the rule of its category in ``policies/retention.toml`` ends, every version of
its object included, and records the erasure in the person's file. A bucket rule expiring objects by age
would either never match (uploads carry no tag; that was the case until issue 20) or remove bytes a row
still points to. So the rules below only tidy what the application leaves:

* ``noncurrent-versions``: a noncurrent version (one the application replaced or that a crash left) is
  removed ``NONCURRENT_DAYS`` after it became noncurrent (keep it at least as long as the oldest database
  backup you may restore). The application itself deletes *every* version when it erases a document.
* ``expired-delete-markers``: delete markers left alone once their versions are gone are removed.
* ``abort-incomplete-multipart``: parts of an upload abandoned for a day are removed.

Why not Object Lock: a compliance-mode lock forbids deleting a version before its retain-until date, even
for the bucket owner, so a GDPR erasure (or a DPO-ordered deletion) would become impossible.

Only the ``minio`` client and the standard library are needed: the script runs in the application image.
Settings (the same names as the application's, so one env file serves both):

``COORDINATION_S3_ENDPOINT``, ``COORDINATION_S3_ACCESS_KEY``, ``COORDINATION_S3_SECRET_KEY``,
``COORDINATION_S3_BUCKET``, ``COORDINATION_S3_SECURE``, ``COORDINATION_S3_REGION``; and for this script
only ``NONCURRENT_VERSION_DAYS`` (default 35).
"""

from __future__ import annotations

import os
import sys
import time
from urllib.parse import urlsplit

from minio import Minio
from minio.commonconfig import ENABLED, Filter
from minio.error import S3Error
from minio.lifecycleconfig import (
    AbortIncompleteMultipartUpload,
    Expiration,
    LifecycleConfig,
    NoncurrentVersionExpiration,
    Rule,
)
from minio.versioningconfig import VersioningConfig

DEFAULT_NONCURRENT_DAYS = 35


def lifecycle_config(*, noncurrent_days: int) -> LifecycleConfig:
    lifecycle_rules = [
        Rule(
            ENABLED,
            rule_filter=Filter(prefix=""),
            rule_id="noncurrent-versions",
            noncurrent_version_expiration=NoncurrentVersionExpiration(noncurrent_days=noncurrent_days),
        ),
        Rule(
            ENABLED,
            rule_filter=Filter(prefix=""),
            rule_id="expired-delete-markers",
            expiration=Expiration(expired_object_delete_marker=True),
        ),
        Rule(
            ENABLED,
            rule_filter=Filter(prefix=""),
            rule_id="abort-incomplete-multipart",
            abort_incomplete_multipart_upload=AbortIncompleteMultipartUpload(days_after_initiation=1),
        ),
    ]
    return LifecycleConfig(lifecycle_rules)


def _env(name: str, default: str = "") -> str:
    value = os.environ.get(name, "")
    return value if value else default


def client_from_env() -> Minio:
    endpoint = _env("COORDINATION_S3_ENDPOINT")
    secure = _env("COORDINATION_S3_SECURE", "true").strip().lower() in {"1", "true", "yes", "oui", "on"}
    if "://" in endpoint:
        parts = urlsplit(endpoint)
        endpoint, secure = parts.netloc, parts.scheme == "https"
    missing = [
        name
        for name in ("COORDINATION_S3_ENDPOINT", "COORDINATION_S3_ACCESS_KEY", "COORDINATION_S3_SECRET_KEY")
        if not _env(name)
    ]
    if missing:
        raise SystemExit("init_bucket : paramètre(s) manquant(s) : " + ", ".join(missing))
    return Minio(
        endpoint,
        access_key=_env("COORDINATION_S3_ACCESS_KEY"),
        secret_key=_env("COORDINATION_S3_SECRET_KEY"),
        secure=secure,
        region=_env("COORDINATION_S3_REGION", "eu-west-1") or None,
    )


def init_bucket(
    client: Minio, bucket: str, *, noncurrent_days: int = DEFAULT_NONCURRENT_DAYS
) -> LifecycleConfig:
    """Idempotent: bucket, versioning, lifecycle. Refuses a bucket that has Object Lock enabled."""
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)  # never with object_lock=True: erasure must stay possible
    try:
        lock = client.get_object_lock_config(bucket)
    except S3Error as exc:
        if exc.code not in {"ObjectLockConfigurationNotFoundError", "NoSuchObjectLockConfiguration"}:
            raise
        lock = None
    if lock is not None and lock.mode is not None:
        raise SystemExit(
            f"init_bucket : le compartiment {bucket!r} a un verrou d'objets par défaut ({lock.mode}) ; "
            "un effacement RGPD y serait impossible. Utilisez un compartiment sans Object Lock."
        )
    client.set_bucket_versioning(bucket, VersioningConfig(ENABLED))
    config = lifecycle_config(noncurrent_days=noncurrent_days)
    client.set_bucket_lifecycle(bucket, config)
    return config


def main() -> int:
    bucket = _env("COORDINATION_S3_BUCKET", "coordination-documents")
    noncurrent = int(_env("NONCURRENT_VERSION_DAYS", str(DEFAULT_NONCURRENT_DAYS)))
    client = client_from_env()
    last_error: Exception | None = None
    for _attempt in range(30):  # the store may still be starting
        try:
            config = init_bucket(client, bucket, noncurrent_days=noncurrent)
        except (S3Error, OSError) as exc:
            last_error = exc
            time.sleep(2)
            continue
        for rule in config.rules:
            print(f"init_bucket : {bucket} : règle {rule.rule_id}")
        print(f"init_bucket : {bucket} : versionnage activé, {len(config.rules)} règles de cycle de vie.")
        return 0
    print(f"init_bucket : stockage S3 injoignable : {last_error}", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())
