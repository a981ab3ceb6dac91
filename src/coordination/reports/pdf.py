"""Jinja → WeasyPrint with the guarantees every PDF of the application needs.

* Self-contained: the URL fetcher refuses every resource (no network, no file read on behalf of a template);
  styles are inline, charts inline SVG.
* Escaped: autoescape on, undefined variables are errors (a typo in a template fails loudly in tests).
* French presentation filters: ``number_fr`` (``1 234,5``), ``percent_fr`` (``42,0 %``), ``date_fr``
  (``31 décembre 2025``, the pages' format), ``day_fr``, ``or_hidden`` (``None`` → « masqué », for disclosure-controlled figures).
* Bounded: optional page cap; rendering is blocking and CPU-bound, so handlers call
  :func:`render_pdf_async` (a worker thread, off the event loop).

Used by the cadastre's evaluation report; the visa certificate and the dossier export predate it and keep
their own renderers for now (same approach; moving them here is a mechanical change).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import anyio.to_thread
import jinja2
import weasyprint

from coordination.formatting import date_fr as _date_fr
from coordination.formatting import day_fr

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
"""``src/coordination``: template ``<package>/<file>`` is ``<package>/templates/<file>`` below it."""
_PACKAGE = re.compile(r"^[a-z_][a-z0-9_]*$")
HIDDEN = "masqué"


class ReportError(Exception):
    """A report could not be rendered within its limits (too many pages, external resource asked for)."""


class _PackageTemplates(jinja2.BaseLoader):
    """``cadastre/evaluation_report.html`` → ``coordination/cadastre/templates/evaluation_report.html``."""

    def get_source(self, environment: jinja2.Environment, template: str):
        package, _, rest = template.partition("/")
        if not _PACKAGE.match(package) or not rest:
            raise jinja2.TemplateNotFound(template)
        folder = PACKAGE_ROOT / package / "templates"
        return jinja2.FileSystemLoader(folder).get_source(environment, rest)


def number_fr(value: Any, digits: int = 0) -> str:
    if value is None:
        return HIDDEN
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def percent_fr(value: Any, digits: int = 1) -> str:
    return HIDDEN if value is None else f"{number_fr(float(value) * 100, digits)}\u00a0%"


def date_fr(value: Any) -> str:
    """The application's one date format (``coordination.formatting``): « 31 décembre 2025 », an instant
    « 6 décembre 2026 à 00:10 » in Europe/Brussels."""
    return _date_fr(value)


def or_hidden(value: Any) -> Any:
    return HIDDEN if value is None else value


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_PackageTemplates(), autoescape=True, undefined=jinja2.StrictUndefined, auto_reload=False
    )
    env.filters.update(
        number_fr=number_fr, percent_fr=percent_fr, date_fr=date_fr, day_fr=day_fr, or_hidden=or_hidden
    )
    return env


def _deny_fetch(url: str, *args: Any, **kwargs: Any) -> dict:
    raise ReportError(f"ressource externe refusée : {url[:80]}")


def render_html(template_name: str, context: dict[str, Any]) -> str:
    return _environment().get_template(template_name).render(**context)


def render_pdf(template_name: str, context: dict[str, Any], *, max_pages: int | None = None) -> bytes:
    """The PDF of ``template_name`` rendered with ``context``. Blocking: see :func:`render_pdf_async`."""
    document = weasyprint.HTML(string=render_html(template_name, context), url_fetcher=_deny_fetch).render()
    if max_pages is not None and len(document.pages) > max_pages:
        raise ReportError(f"rapport de {len(document.pages)} pages, au-delà de {max_pages}")
    return document.write_pdf()


async def render_pdf_async(
    template_name: str, context: dict[str, Any], *, max_pages: int | None = None
) -> bytes:
    """:func:`render_pdf` in a worker thread, for request handlers."""
    return await anyio.to_thread.run_sync(lambda: render_pdf(template_name, context, max_pages=max_pages))
