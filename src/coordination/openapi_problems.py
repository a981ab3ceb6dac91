"""Document in the OpenAPI that every API error is RFC 9457 problem details.

Litestar documents only a plain-JSON 400 per operation; our clients (and the fuzzing tests) must know
that 400/401/403/404/409/412/413/428/503 come as ``application/problem+json`` with a French ``detail``.
Litestar builds the document the first time it is asked for (``/schema``, ``app.openapi_schema``) and
caches it; we complete it right after that build, never at start-up: forcing the whole document when the
app is created cost about half of ``create_app`` (every test, every worker start) for a document most
processes never serve.
"""

from __future__ import annotations

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi.spec import OpenAPI, OpenAPIMediaType, OpenAPIResponse, Reference, Schema
from litestar.openapi.spec.enums import OpenAPIType

PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "title", "status", "detail"],
    properties={
        "type": Schema(type=OpenAPIType.STRING, description="Code stable de l'erreur (URI)."),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING, description="Explication en français."),
        "instance": Schema(type=OpenAPIType.STRING),
        "request_id": Schema(type=OpenAPIType.STRING),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["field", "message"],
                properties={
                    "field": Schema(
                        one_of=[Schema(type=OpenAPIType.STRING), Schema(type=OpenAPIType.NULL)],
                        description="Le champ ou le paramètre en cause ; vide pour la requête entière.",
                    ),
                    "message": Schema(type=OpenAPIType.STRING, description="Ce qui ne va pas, en français."),
                },
            ),
            description="Pour une saisie refusée : chaque champ en cause.",
        ),
    },
    description="Erreur au format RFC 9457 (problem details).",
)

_EVERY = {
    "400": "Requête invalide",
    "401": "Non authentifié",
    "403": "Accès refusé (la base légale manquante est dite)",
    "404": "Introuvable",
    "413": "Contenu trop volumineux",
    "422": "Données invalides",
    "503": "Service momentanément indisponible",
}
_WRITES = {
    "409": "Conflit",
    "412": "Version périmée (If-Match)",
    "415": "Type de contenu non pris en charge",
    "428": "If-Match requis",
}


class _ProblemDocumentingPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin whose build adds the problem documents (same slots, so an existing
    instance can take this class)."""

    __slots__ = ()

    def _build_openapi(self) -> OpenAPI:
        openapi = super()._build_openapi()
        _add_problem_documents(openapi)
        return openapi


def document_problem_details(app: Litestar) -> None:
    """Have ``app``'s OpenAPI document, whenever it is built, say that API errors are problem details.

    Litestar creates its OpenAPI plugin itself and looks it up by its original class, so the instance is
    given the subclass in place: the lookup still finds it, and the schema is not built now."""
    plugin = app.plugins.get(OpenAPIPlugin)
    if plugin._openapi is not None:  # already built (someone asked before us): complete it now
        _add_problem_documents(plugin._openapi)
    plugin.__class__ = _ProblemDocumentingPlugin


def _add_problem_documents(openapi: OpenAPI) -> None:
    if openapi.components.schemas is None:
        openapi.components.schemas = {}
    openapi.components.schemas["ProblemDetails"] = PROBLEM_SCHEMA
    content = {
        "application/problem+json": OpenAPIMediaType(schema=Reference("#/components/schemas/ProblemDetails"))
    }
    for path, item in (openapi.paths or {}).items():
        if not path.startswith("/api/"):
            continue
        for method in ("get", "post", "put", "patch", "delete"):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            responses = operation.responses if operation.responses is not None else {}
            wanted = dict(_EVERY, **(_WRITES if method != "get" else {}))
            for status, description in wanted.items():
                responses[status] = OpenAPIResponse(description=description, content=content)
            operation.responses = responses
