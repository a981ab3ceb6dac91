"""The registry's API root, said once: every registry controller answers below ``/api/v1/cadastre``,
under the OpenAPI tag ``cadastre``.

Why: eight controllers repeated the same three attributes. Every handler is given the registry's context
(``ctx``, :mod:`.dependencies`); the step import adds the NISS key."""

from __future__ import annotations

from litestar import Controller

from coordination.cadastre import dependencies as deps


class CadastreApi(Controller):
    """Base of the registry's API controllers (no handler of its own)."""

    path = "/api/v1/cadastre"
    tags = ["cadastre"]
    dependencies = deps.CONTEXT
