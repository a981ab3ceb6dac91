"""What every dossier route needs besides the session, provided once per controller as Litestar
dependencies (``DOSSIER_CONTEXT``, declared by the API controllers and the file's pages alike; the
``principal`` is the app's, see :mod:`coordination.app`):

* ``dossier``: the rule files in force (ICF catalogue, retention policy, both cached per folder) and the
  Brussels day, so a handler never rebuilds them nor asks the machine's clock;
* ``document_io``: where documents' bytes go (the app's store and antivirus, the configured size limit).

Neutral on purpose: the API controllers, the pages and other domains (visa, access) read the same rules
and the same store through here, never through a controllers module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from litestar import Request
from litestar.di import Provide

from coordination import clock
from coordination.dossier.rules import IcfCatalogue, RetentionPolicy, load_icf, load_retention
from coordination.settings import Settings
from coordination.storage.antivirus import Scanner
from coordination.storage.base import DocumentStore
from coordination.storage.factory import app_scanner


def icf(settings: Settings) -> IcfCatalogue:
    return load_icf(Path(settings.policies_dir))


def retention(settings: Settings) -> RetentionPolicy:
    return load_retention(Path(settings.policies_dir))


@dataclass(frozen=True)
class DossierContext:
    """The rules a request of the file works with, and its legal day (Europe/Brussels)."""

    icf: IcfCatalogue
    retention: RetentionPolicy
    today: date


@dataclass(frozen=True)
class DocumentIO:
    """Where a document's bytes are streamed: the store, the antivirus and the configured limit."""

    store: DocumentStore
    scanner: Scanner
    max_size: int


def provide_dossier(settings: Settings) -> DossierContext:
    return DossierContext(icf=icf(settings), retention=retention(settings), today=clock.today())


def provide_document_io(request: Request, settings: Settings) -> DocumentIO:
    state = request.app.state
    return DocumentIO(
        store=state.store, scanner=app_scanner(state, settings), max_size=settings.max_upload_bytes
    )


DOSSIER_CONTEXT = {
    "dossier": Provide(provide_dossier, sync_to_thread=False),
    "document_io": Provide(provide_document_io, sync_to_thread=False),
}
"""The dossier's context without the principal (the pages provide theirs from the web session)."""
