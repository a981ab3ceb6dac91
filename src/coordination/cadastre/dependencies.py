"""What every registry handler is given (declared once per controller, API and pages alike): the caller,
the Brussels day, the positive-exit policy and the NISS hashing key.

Why: each handler used to rebuild these (``principal_of(request)``, ``today_brussels()``,
``load_policy(settings.policies_dir)``) in its own way; a dependency says once what "today" and "the
policy in force" mean for the whole registry, and tests may override them in one place."""

from __future__ import annotations

from datetime import date

from litestar import Request
from litestar.di import Provide

from coordination import clock
from coordination.access.principal import Principal
from coordination.cadastre.guards import principal_of
from coordination.cadastre.policy import PositiveExitPolicy, load_policy
from coordination.keys import niss_hash_key
from coordination.settings import Settings


def provide_principal(request: Request) -> Principal:
    return principal_of(request)


def provide_today() -> date:
    """The Brussels day of the request: agreements' expiry and alerts are read on it."""
    return clock.today()


def provide_policy(settings: Settings) -> PositiveExitPolicy:
    """The positive-exit definition in force (``policies/positive_exit.toml``, cached by path)."""
    return load_policy(settings.policies_dir)


def provide_niss_key(settings: Settings) -> bytes:
    """The keyed NISS hash's key (the step import finds people by NISS), read where the dossier reads
    it; only the import routes ask for it."""
    return niss_hash_key(settings)


CONTEXT = {
    "today": Provide(provide_today, sync_to_thread=False),
    "policy": Provide(provide_policy, sync_to_thread=False),
}
"""The registry's context: what the API controllers and the pages both declare."""


NISS_KEY = {"niss_key": Provide(provide_niss_key, sync_to_thread=True)}  # reads a key file
