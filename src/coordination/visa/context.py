"""What the visa's use cases need from the running app, provided once per router as dependencies: the
acting principal and the visa context (signing key, document store, antivirus, retention rules).

Why dependencies: each handler used to rebuild these (the key loaded in a thread, the scanner memoised on
the app, the retention rules read from the policies) before calling the service; now the API controllers
and the web pages declare them once and a handler only parses, calls one use case and answers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import anyio
from cryptography.hazmat.primitives.asymmetric import ec
from litestar import Request

from coordination.dossier.rules import RetentionPolicy, load_retention
from coordination.keys import signing_key
from coordination.settings import Settings
from coordination.storage.antivirus import Scanner
from coordination.storage.base import DocumentStore
from coordination.storage.factory import app_scanner


@dataclass(frozen=True)
class VisaContext:
    """The app's side of a visa decision: where the certificate is filed and how it is signed."""

    settings: Settings
    store: DocumentStore
    scanner: Scanner
    retention: RetentionPolicy
    max_size: int
    """The largest document stored (``settings.max_upload_bytes``)."""

    async def signing_key(self) -> ec.EllipticCurvePrivateKey:
        """Read (or created) from disk: off the event loop."""
        return await anyio.to_thread.run_sync(signing_key, self.settings)


def provide_visa_context(request: Request, settings: Settings) -> VisaContext:
    return VisaContext(
        settings=settings,
        store=request.app.state.store,
        scanner=app_scanner(request.app.state, settings),
        retention=load_retention(Path(settings.policies_dir)),
        max_size=settings.max_upload_bytes,
    )
