"""Typed settings, read once from ``COORDINATION_*`` environment variables (and an optional ``.env``).

Nothing else in the code base reads the environment: a setting that is not here does not exist.
With nothing set, the service runs on its embedded defaults (SQLite, a local documents folder, a
development token issuer). In production every embedded default is refused, so a forgotten variable
can never silently turn a regional deployment into a laptop one.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from coordination import clock

PREFIX = "COORDINATION_"


class SettingsError(Exception):
    """A setting is missing or wrong; the message names it, in French, for the operator."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(PREFIX + name)
    return value if value not in (None, "") else default


SECRETS = ("DATABASE_URL", "S3_ACCESS_KEY", "S3_SECRET_KEY", "NISS_HASH_KEY", "METRICS_TOKEN")
"""Settings that may come from a mounted file instead: ``COORDINATION_<NAME>_FILE`` names the file (a
Kubernetes or compose secret), so the value never sits in the process environment."""


def _secret(name: str, default: str = "") -> str:
    """``COORDINATION_<NAME>`` or the content of the file ``COORDINATION_<NAME>_FILE`` names (not both)."""
    direct = _env(name)
    file_name = _env(name + "_FILE")
    if file_name is None:
        return direct if direct is not None else default
    if direct is not None:
        raise SettingsError(
            f"{PREFIX}{name} et {PREFIX}{name}_FILE sont tous deux définis : gardez-en un seul."
        )
    try:
        value = Path(file_name).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SettingsError(
            f"{PREFIX}{name}_FILE désigne un fichier illisible ({file_name} : {exc.strerror})."
        ) from exc
    if not value:
        raise SettingsError(f"{PREFIX}{name}_FILE désigne un fichier vide ({file_name}).")
    return value


def _int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{PREFIX}{name} doit être un nombre entier (reçu : {raw!r}).") from exc


def _bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "oui", "on"}


@dataclass(frozen=True)
class Settings:
    """Every knob of the service. Field docs say what the value is for."""

    env: str = "development"
    """``development`` (embedded defaults allowed) or ``production`` (all external services required)."""
    var_dir: Path = Path("var")
    """Where the embedded defaults live: SQLite file, documents folder, development keys."""
    database_url: str = ""
    """SQLAlchemy async URL. Empty: ``sqlite+aiosqlite:///<var_dir>/coordination.sqlite3``."""
    documents_dir: Path | None = None
    """Filesystem document store folder (embedded default). Ignored when ``s3_endpoint`` is set."""
    s3_endpoint: str = ""
    """``host:port`` of the S3-compatible object store; empty means the filesystem store."""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "coordination-documents"
    s3_secure: bool = True
    s3_region: str = "eu-west-1"
    s3_public_endpoint: str = ""
    """Base URL browsers use to reach the object store (``https://documents.example.be``), written into
    pre-signed URLs instead of the internal ``s3_endpoint``. Empty: the internal endpoint is used."""
    presigned_url_minutes: int = 5
    """Lifetime of a pre-signed download URL: minutes, never the client's 7-day default."""
    max_upload_bytes: int = 20 * 1024 * 1024
    """Largest document accepted (the issue's default: 20 MB)."""
    max_request_body_bytes: int = 1024 * 1024
    """Largest JSON body accepted; above it the answer is 413."""
    clamd_socket: str = ""
    """ClamAV daemon: a unix socket path or ``tcp://host:port``. Empty: uploads stay unscanned (dev only)."""
    oidc_issuer: str = ""
    """Production identity provider (e.g. a Keycloak realm URL). Empty: the development issuer."""
    oidc_audience: str = "coordination"
    """The ``aud`` the API requires in access tokens (an audience mapper adds it in the realm)."""
    oidc_client_id: str = "coordination-web"
    """The OAuth client the web sign-in presents (public client, PKCE): a client, not an audience."""
    oidc_jwks_url: str = ""
    """Defaults to ``<issuer>/protocol/openid-connect/certs`` (Keycloak's) when empty."""
    dev_keys_dir: Path | None = None
    """Where the development issuer's private key is generated (default ``<var_dir>/keys``)."""
    niss_hash_key: str = ""
    """Secret key for the keyed hash of NISS numbers. Dev: generated into ``<var_dir>/keys``."""
    signing_key_file: Path | None = None
    """Private key signing visa decisions and certificates. Dev: generated into ``<var_dir>/keys``."""
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "INFO"
    db_pool_size: int = 5
    """Connections each worker keeps open to PostgreSQL; with ``db_max_overflow`` the most one worker
    opens. Size it so that workers × pods × (pool + overflow) stays under the server's ``max_connections``."""
    db_max_overflow: int = 5
    metrics_token: str = ""
    """Bearer token Prometheus presents to ``/metrics``; empty: the route does not exist (404)."""
    metrics_dir: Path | None = None
    """Folder of the workers' shared metric files (``PROMETHEUS_MULTIPROC_DIR``); default
    ``<var_dir>/metrics``, emptied when ``coordination serve`` starts."""
    policies_dir: Path = field(default_factory=lambda: Path(__file__).resolve().parents[2] / "policies")
    """Casbin model and policy, orientation matrix, visa parameters and other rules as data."""

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / 'coordination.sqlite3').resolve()}"

    @property
    def effective_documents_dir(self) -> Path:
        return self.documents_dir or self.var_dir / "documents"

    @property
    def effective_keys_dir(self) -> Path:
        return self.dev_keys_dir or self.var_dir / "keys"

    @property
    def effective_metrics_dir(self) -> Path:
        return self.metrics_dir or self.var_dir / "metrics"

    @property
    def uses_s3(self) -> bool:
        return bool(self.s3_endpoint)

    def validate(self) -> Settings:
        """Refuse a production start on any embedded default; name every missing setting at once."""
        if self.env not in {"development", "production", "test"}:
            raise SettingsError(
                f"{PREFIX}ENV doit valoir development, test ou production (reçu : {self.env!r})."
            )
        if not self.is_production:
            return self
        problems = self._production_problems()
        if problems:
            raise SettingsError("Démarrage refusé :\n- " + "\n- ".join(problems))
        return self

    def _production_problems(self) -> list[str]:
        problems = []
        if not self.database_url:
            problems.append(f"{PREFIX}DATABASE_URL (PostgreSQL) est obligatoire en production.")
        elif not self.database_url.startswith("postgresql"):
            problems.append(f"{PREFIX}DATABASE_URL doit désigner PostgreSQL en production, pas SQLite.")
        for name, value in (
            ("S3_ENDPOINT", self.s3_endpoint),
            ("S3_ACCESS_KEY", self.s3_access_key),
            ("S3_SECRET_KEY", self.s3_secret_key),
            ("S3_BUCKET", self.s3_bucket),
            ("OIDC_ISSUER", self.oidc_issuer),
            ("OIDC_AUDIENCE", self.oidc_audience),
            ("OIDC_CLIENT_ID", self.oidc_client_id),
            ("NISS_HASH_KEY", self.niss_hash_key),
            ("SIGNING_KEY_FILE", str(self.signing_key_file or "")),
            ("CLAMD_SOCKET", self.clamd_socket),
        ):
            if not value:
                problems.append(f"{PREFIX}{name} est obligatoire en production.")
        if self.signing_key_file and not self.signing_key_file.is_file():
            problems.append(
                f"{PREFIX}SIGNING_KEY_FILE désigne un fichier absent ({self.signing_key_file}) : en production "
                "la clé de signature des visas n'est jamais générée, montez celle que l'organisation détient."
            )
        if self.s3_public_endpoint and not self.s3_public_endpoint.startswith("https://"):
            problems.append(f"{PREFIX}S3_PUBLIC_ENDPOINT doit être une adresse https en production.")
        if self.oidc_issuer and not self.oidc_issuer.startswith("https://"):
            problems.append(f"{PREFIX}OIDC_ISSUER doit être une adresse https en production.")
        if clock.moved():
            problems.append(f"{clock.CLOCK_ENV} déplace l'horloge (tests) : interdit en production.")
        if self.db_pool_size < 1 or self.db_max_overflow < 0:
            problems.append(f"{PREFIX}DB_POOL_SIZE doit valoir au moins 1 et DB_MAX_OVERFLOW au moins 0.")
        return problems

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def load_settings(env_file: str | os.PathLike[str] | None = ".env") -> Settings:
    """Build settings from the environment (after an optional ``.env``) and validate them."""
    if env_file and Path(env_file).is_file():
        from dotenv import load_dotenv

        load_dotenv(env_file, override=False)
    var_dir = Path(_env("VAR_DIR", "var") or "var")
    policies = _env("POLICIES_DIR")
    keys_dir = _env("DEV_KEYS_DIR")
    signing = _env("SIGNING_KEY_FILE")
    docs = _env("DOCUMENTS_DIR")
    metrics_dir = _env("METRICS_DIR")
    settings = Settings(
        env=_env("ENV", "development") or "development",
        var_dir=var_dir,
        database_url=_secret("DATABASE_URL"),
        documents_dir=Path(docs) if docs else None,
        s3_endpoint=_env("S3_ENDPOINT", "") or "",
        s3_access_key=_secret("S3_ACCESS_KEY"),
        s3_secret_key=_secret("S3_SECRET_KEY"),
        s3_public_endpoint=(_env("S3_PUBLIC_ENDPOINT", "") or "").rstrip("/"),
        s3_bucket=_env("S3_BUCKET", "coordination-documents") or "coordination-documents",
        s3_secure=_bool("S3_SECURE", True),
        s3_region=_env("S3_REGION", "eu-west-1") or "eu-west-1",
        presigned_url_minutes=_int("PRESIGNED_URL_MINUTES", 5),
        max_upload_bytes=_int("MAX_UPLOAD_BYTES", 20 * 1024 * 1024),
        max_request_body_bytes=_int("MAX_REQUEST_BODY_BYTES", 1024 * 1024),
        clamd_socket=_env("CLAMD_SOCKET", "") or "",
        oidc_issuer=_env("OIDC_ISSUER", "") or "",
        oidc_audience=_env("OIDC_AUDIENCE", "coordination") or "coordination",
        oidc_client_id=_env("OIDC_CLIENT_ID", "coordination-web") or "coordination-web",
        oidc_jwks_url=_env("OIDC_JWKS_URL", "") or "",
        dev_keys_dir=Path(keys_dir) if keys_dir else None,
        niss_hash_key=_secret("NISS_HASH_KEY"),
        signing_key_file=Path(signing) if signing else None,
        host=_env("HOST", "127.0.0.1") or "127.0.0.1",
        port=_int("PORT", 8000),
        workers=_int("WORKERS", 1),
        log_level=_env("LOG_LEVEL", "INFO") or "INFO",
        db_pool_size=_int("DB_POOL_SIZE", 5),
        db_max_overflow=_int("DB_MAX_OVERFLOW", 5),
        metrics_token=_secret("METRICS_TOKEN"),
        metrics_dir=Path(metrics_dir) if metrics_dir else None,
    )
    if policies:
        settings = settings.replace(policies_dir=Path(policies))
    return settings.validate()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
