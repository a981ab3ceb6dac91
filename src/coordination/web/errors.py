"""Error pages: the same problem details as the API, shown as a plain French page, never a traceback.

:func:`html_error_response` serves the web router's exception handler and, through the hook in
:func:`coordination.app.handle_exception`, every non-API path (an unknown address, a wrong method).
A page that needs a signed-in user redirects to the sign-in page instead of showing a 401.
"""

from __future__ import annotations

import logging
from html import escape

from litestar import MediaType, Request, Response
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap

from coordination.errors import problem_for_exception
from coordination.web.session import LoginRequired, login_url

logger = logging.getLogger("coordination.web")

HINTS = {
    400: "Vérifiez les informations saisies puis recommencez.",
    403: "Si vous pensez devoir y accéder, adressez-vous au référent de la personne ou à votre responsable.",
    404: "L'adresse est peut-être incomplète, ou la page a été déplacée. Revenez à l'accueil.",
    405: "Cette action n'est pas possible à cette adresse. Revenez à la page précédente.",
    409: "La situation a changé entre-temps : rechargez la page.",
    412: "Quelqu'un a modifié ces informations entre-temps : rechargez la page avant de recommencer.",
    413: "Le fichier ou le formulaire est trop volumineux.",
    415: "Ce type de fichier n'est pas accepté.",
    422: "Certaines informations ne respectent pas les règles : corrigez-les puis recommencez.",
    429: "Trop de demandes en peu de temps : patientez un instant.",
    500: "Une erreur inattendue s'est produite. Elle est enregistrée ; réessayez dans quelques instants.",
    503: "Le service est momentanément indisponible : réessayez dans quelques instants.",
}

API_PREFIXES = ("/api/", "/api", "/schema", "/health")


def is_page_path(path: str) -> bool:
    """Paths whose errors are shown as HTML pages (everything but the API and the probes)."""
    return not any(path == p or path.startswith(p.rstrip("/") + "/") for p in API_PREFIXES)


def wants_html_page(request: Request) -> bool:
    """A browser (``Accept: text/html``) on a non-API path: unknown addresses, wrong methods."""
    return is_page_path(request.url.path) and "text/html" in request.headers.get("accept", "")


def _redirect_to_login(request: Request, next_path: str) -> Response:
    if request.headers.get("hx-request"):
        return Response("", status_code=200, headers={"HX-Redirect": login_url(next_path)})
    return Redirect(login_url(next_path), status_code=303)


def html_error_response(request: Request, exc: Exception) -> Response:
    if isinstance(exc, LoginRequired):
        return _redirect_to_login(request, exc.next_path)
    problem = problem_for_exception(request, exc)
    status = problem.status_code or 500
    if status == 401:
        return _redirect_to_login(request, request.url.path)
    body = dict(problem.content or {})
    headers = {k: v for k, v in (problem.headers or {}).items() if k.lower() != "content-type"}
    try:
        from coordination.web.render import page

        return page(
            request,
            "error.html",
            status_code=status,
            headers=headers,
            problem=body,
            hint=HINTS.get(status, ""),
        )
    except Exception:
        logger.exception("error page rendering failed", extra={"path": request.url.path})
        title = escape(str(body.get("title", "Erreur")))
        detail = escape(str(body.get("detail", "")))
        html = (
            '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>'
            f"{title}</title></head><body><main><h1>{title}</h1><p>{detail}</p>"
            '<p><a href="/">Retour à l\'accueil</a></p></main></body></html>'
        )
        return Response(html, status_code=status, media_type=MediaType.HTML)


WEB_EXCEPTION_HANDLERS: ExceptionHandlersMap = {Exception: html_error_response}
