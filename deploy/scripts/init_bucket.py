"""Create the documents bucket with versioning ON and per-document-type retention as lifecycle rules.

Run once per deployment (the compose ``bucket`` job, the Kubernetes ``coordination-bucket`` Job), and
again after changing ``policies/retention.toml``: every step is idempotent.

Why lifecycle rules and not Object Lock: a compliance-mode lock forbids deleting a version before its
retain-until date, even for the bucket owner, so a GDPR erasure (or a DPO-ordered deletion) would become
impossible. Retention here is a *backstop*: the application purges a document itself when
``documents.retain_until`` is reached and records that erasure; the rules below only catch what the
application missed, ``GRACE_DAYS`` later, so a row never points to an object the store removed first.

Rules written (ids are stable, so a re-run replaces them):

* ``retention-<rule>``: for every rule of ``policies/retention.toml``, objects tagged
  ``retention-rule=<rule>`` expire ``ceil(years * 365.25) + GRACE_DAYS`` days after upload. Expiry on a
  versioned bucket only adds a delete marker: the bytes stay as a noncurrent version for
  ``NONCURRENT_DAYS``, the window in which a database restore can still find them.
* ``noncurrent-versions``: noncurrent versions are removed ``NONCURRENT_DAYS`` after they became
  noncurrent (keep it at least as long as the oldest database backup you may restore).
* ``expired-delete-markers``: delete markers left alone once their versions are gone are removed.
* ``abort-incomplete-multipart``: parts of an upload abandoned for a day are removed.

Only the ``minio`` client and the standard library are needed: the script runs in the application image.
Settings (the same names as the application's, so one env file serves both):

``COORDINATION_S3_ENDPOINT``, ``COORDINATION_S3_ACCESS_KEY``, ``COORDINATION_S3_SECRET_KEY``,
``COORDINATION_S3_BUCKET``, ``COORDINATION_S3_SECURE``, ``COORDINATION_S3_REGION``,
``COORDINATION_POLICIES_DIR``; and for this script only ``RETENTION_GRACE_DAYS`` (default 30) and
``NONCURRENT_VERSION_DAYS`` (default 35).
"""

from __future__ import annotations

import math
import os
import sys
import time
import tomllib
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from minio import Minio
from minio.commonconfig import ENABLED, Filter, Tag
from minio.error import S3Error
from minio.lifecycleconfig import (
    AbortIncompleteMultipartUpload,
    Expiration,
    LifecycleConfig,
    NoncurrentVersionExpiration,
    Rule,
)
from minio.versioningconfig import VersioningConfig

RETENTION_TAG = "retention-rule"
"""Object tag naming the retention rule of a document (``policies/retention.toml`` rule code)."""
DEFAULT_GRACE_DAYS = 30
DEFAULT_NONCURRENT_DAYS = 35


def retention_days(years: float, grace_days: int) -> int:
    """Days after upload at which the store's backstop expires an object kept ``years`` years."""
    return math.ceil(years * 365.25) + grace_days


def load_retention_rules(policies_dir: Path) -> dict[str, float]:
    """``{rule code: years}`` from ``retention.toml``."""
    data = tomllib.loads((policies_dir / "retention.toml").read_text(encoding="utf-8"))
    rules = data.get("rules", {})
    if not rules:
        raise ValueError(f"{policies_dir / 'retention.toml'} ne définit aucune règle de conservation.")
    result: dict[str, float] = {}
    for code, rule in rules.items():
        years = rule.get("years")
        if not isinstance(years, int | float) or years <= 0:
            raise ValueError(f"retention.toml : la règle {code!r} n'a pas de durée `years` positive.")
        result[code] = float(years)
    return result


def lifecycle_config(rules: Mapping[str, float], *, grace_days: int, noncurrent_days: int) -> LifecycleConfig:
    lifecycle_rules = []
    for code, years in sorted(rules.items()):
        lifecycle_rules.append(
            Rule(
                ENABLED,
                rule_filter=Filter(tag=Tag(RETENTION_TAG, code)),
                rule_id=f"retention-{code}",
                expiration=Expiration(days=retention_days(years, grace_days)),
            )
        )
    lifecycle_rules += [
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
    client: Minio,
    bucket: str,
    policies_dir: Path,
    *,
    grace_days: int = DEFAULT_GRACE_DAYS,
    noncurrent_days: int = DEFAULT_NONCURRENT_DAYS,
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
    config = lifecycle_config(
        load_retention_rules(policies_dir), grace_days=grace_days, noncurrent_days=noncurrent_days
    )
    client.set_bucket_lifecycle(bucket, config)
    return config


def main() -> int:
    bucket = _env("COORDINATION_S3_BUCKET", "coordination-documents")
    policies_dir = Path(_env("COORDINATION_POLICIES_DIR", "policies"))
    grace = int(_env("RETENTION_GRACE_DAYS", str(DEFAULT_GRACE_DAYS)))
    noncurrent = int(_env("NONCURRENT_VERSION_DAYS", str(DEFAULT_NONCURRENT_DAYS)))
    client = client_from_env()
    last_error: Exception | None = None
    for _attempt in range(30):  # the store may still be starting
        try:
            config = init_bucket(client, bucket, policies_dir, grace_days=grace, noncurrent_days=noncurrent)
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
