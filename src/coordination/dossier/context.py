"""What every dossier route needs, provided once per controller as one Litestar dependency, ``ctx``
(``DOSSIER_CONTEXT``, declared by the API controllers and the file's pages alike), a :class:`FileRequest`:

* the request's session, who acts (the ``principal`` is the app's, the token's on the API and the signed-in
  session's on the pages, see :mod:`coordination.app`) and the request id: the
  :class:`~coordination.access.scope.RequestScope` a use case asks the gate through; the settings;
* ``dossier``: the rule files in force (ICF catalogue, retention policy, both cached per folder) and the
  Brussels day, so a handler never rebuilds them nor asks the machine's clock;
* ``io``: where documents' bytes go (the app's store and antivirus, the configured size limit).

The gate stays the route's own ``access`` dependency (:mod:`coordination.access.declared`): a handler of
``{person_id}`` takes it by name, next to ``ctx``.

Neutral on purpose: the API controllers, the pages and other domains (visa, access) read the same rules
and the same store through here, never through a controllers module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from litestar import Request
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.access.principal import Principal
from coordination.access.scope import RequestScope
from coordination.dossier.rules import IcfCatalogue, RetentionPolicy, load_icf, load_retention
from coordination.dossier.services.common import VersionCheck
from coordination.http_utils import require_if_match
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


@dataclass(frozen=True)
class FileRequest(RequestScope):
    """One request on the shared file: the session, who acts, the request id (the scope that asks the gate:
    ``require``/``decide``, where the route's ``access`` cannot decide: a document's section, a page drawn
    again after a refusal), the settings, the rules and day (``dossier``), the documents' store (``io``)
    and the API's write precondition (``if_match``)."""

    settings: Settings
    dossier: DossierContext
    io: DocumentIO
    if_match: VersionCheck
    """An API write's precondition, called with the row's current version: the client's ``If-Match`` must
    name it (428 without the header, 412 when stale). The pages check the version their form was drawn
    with instead (:func:`coordination.web.file_actions.version_sent`)."""


def provide_file_request(
    request: Request, db_session: AsyncSession, principal: Principal, request_id: str, settings: Settings
) -> FileRequest:
    return FileRequest(
        session=db_session,
        principal=principal,
        request_id=request_id,
        settings=settings,
        dossier=provide_dossier(settings),
        io=provide_document_io(request, settings),
        if_match=partial(require_if_match, request),
    )


DOSSIER_CONTEXT = {"ctx": Provide(provide_file_request, sync_to_thread=False)}
"""The dossier's ``ctx``, of the app-wide ``principal`` (the pages' is the web session's)."""
