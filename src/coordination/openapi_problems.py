"""Document in the OpenAPI that every API error is RFC 9457 problem details.

Litestar documents only a plain-JSON 400 per operation; our clients (and the fuzzing tests) must know
that 400/401/403/404/409/412/413/428/503 come as ``application/problem+json`` with a French ``detail``.
The document is built once when the app is created (Litestar caches it) and completed in place.
"""

from __future__ import annotations

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Reference, Schema
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


def document_problem_details(app: Litestar) -> None:
    openapi = app.plugins.get(OpenAPIPlugin).provide_openapi()
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
