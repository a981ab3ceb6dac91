"""Build the document store and the antivirus scanner from settings: the one place that knows which
implementation runs (S3 when ``s3_endpoint`` is set, else the local folder)."""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import urlsplit

import urllib3
from minio import Minio

from coordination.settings import Settings

from .antivirus import ClamdScanner, DisabledScanner, Scanner
from .base import DocumentStore
from .filesystem import FilesystemStore
from .s3 import S3Store


def _http_client(secure: bool) -> urllib3.PoolManager:
    # minio's default client waits up to 5 minutes and retries 5 times: a readiness probe against a dead
    # endpoint would hang. Fail in seconds instead, and keep enough connections for concurrent uploads.
    kwargs: dict = {
        "timeout": urllib3.Timeout(connect=5, read=60),
        "retries": urllib3.Retry(total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
        "maxsize": 16,
    }
    if secure:
        kwargs["ssl_context"] = ssl.create_default_context()  # the system's CAs (an internal CA included)
    return urllib3.PoolManager(**kwargs)


def parse_endpoint(endpoint: str, secure: bool) -> tuple[str, bool]:
    """Accept ``host:port`` (minio's form) or a URL whose scheme decides ``secure``."""
    if "://" in endpoint:
        parts = urlsplit(endpoint)
        return parts.netloc, parts.scheme == "https"
    return endpoint, secure


def build_minio_client(settings: Settings, *, public: bool = False) -> Minio:
    """The client for the internal endpoint, or (``public``) for ``s3_public_endpoint``: that one only
    signs URLs, offline, since its region is given (it never calls the public address itself)."""
    address = settings.s3_public_endpoint if public and settings.s3_public_endpoint else settings.s3_endpoint
    endpoint, secure = parse_endpoint(address, settings.s3_secure)
    return Minio(
        endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=secure,
        region=settings.s3_region or ("us-east-1" if public else None),
        http_client=_http_client(secure),
    )


def build_store(settings: Settings) -> DocumentStore:
    if settings.s3_endpoint:
        presign = build_minio_client(settings, public=True) if settings.s3_public_endpoint else None
        return S3Store(
            build_minio_client(settings),
            settings.s3_bucket,
            endpoint=settings.s3_endpoint,
            presign_client=presign,
        )
    return FilesystemStore(settings.effective_documents_dir)


def build_scanner(settings: Settings) -> Scanner:
    """``clamd_socket`` empty → ``DisabledScanner`` (documents recorded as not scanned; production's
    settings validation requires a socket, so this only happens in development)."""
    if not settings.clamd_socket:
        return DisabledScanner()
    return ClamdScanner.from_address(settings.clamd_socket)


def app_scanner(state: Any, settings: Settings) -> Scanner:
    """The app's antivirus client, built on first use and kept in ``app.state`` (one per app): the dossier's
    documents, the visa's certificates and the recorded consents share it."""
    scanner = state.get("scanner")
    if scanner is None:
        scanner = build_scanner(settings)
        state["scanner"] = scanner
    return scanner
