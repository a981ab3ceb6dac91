"""The regulators' PDF evaluation report: the protected figures of :func:`.evaluation.evaluate`, in French.

It prints only what the JSON evaluation publishes (a suppressed figure is ``None`` there and « masqué »
here; nothing is recomputed from raw data), names organisations, services and agreements, never a person,
and prints the positive-exit definition on the first page and in the footer of every page. Rendering goes
through the shared :mod:`coordination.reports` renderer; charts come from the same SVG renderer as the pages.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.cadastre.charts import rate_bar, ratio_bar
from coordination.cadastre.models import EvaluationReport
from coordination.cadastre.policy import PositiveExitPolicy
from coordination.formatting import date_fr
from coordination.reports import render_pdf_async
from coordination.reports.charts import bar_chart

TEMPLATE = "cadastre/evaluation_report.html"
MAX_PAGES = 400
TABLES = (
    ("partners", "Par partenaire"),
    ("agreements", "Par convention"),
    ("services", "Par service"),
    ("bassins", "Par bassin"),
    ("periods", "Par trimestre d'entrée"),
)


def _ratio_chart(rows: list[dict[str, Any]], confidence: float) -> Markup:
    return bar_chart(
        [ratio_bar(str(r["label"]), r) for r in rows],
        title="Sorties positives observées / attendues, par partenaire",
        description=(
            "Rapport entre les sorties positives observées et celles attendues compte tenu des scores de "
            f"proximité des entrants, avec intervalle de confiance à {confidence:.0%}. "
            "1 = comme l'ensemble des partenaires."
        ),
        reference=1.0,
    )


def _rate_chart(rows: list[dict[str, Any]], reference: float | None) -> Markup:
    return bar_chart(
        [rate_bar(str(r["label"]), r) for r in rows],
        title="Taux brut de sortie positive, par partenaire",
        description="Part des étapes terminées suivies d'une sortie positive, sans ajustement.",
        reference=reference,
        percent=True,
        maximum=1.0,
    )


def report_context(
    evaluation: dict[str, Any], policy: PositiveExitPolicy, generated_at: datetime | None = None
) -> dict[str, Any]:
    """Pure: the template's context from a protected evaluation."""
    overall = evaluation["overall"]
    partners = evaluation["partners"]
    mix_labels = list((overall or (partners[0] if partners else {})).get("entrant_mix", {}).keys())
    return {
        "year": evaluation["year"],
        "as_of": evaluation["as_of"],
        "window_complete": evaluation["window_complete"],
        "definition": evaluation["positive_exit_definition"],
        "method": evaluation["method"],
        "confidence": policy.confidence,
        "min_cell": policy.min_cell,
        "overall": overall,
        "tables": [(title, evaluation[name]) for name, title in TABLES],
        "mix_labels": mix_labels,
        "ratio_chart": _ratio_chart(partners, policy.confidence),
        "rate_chart": _rate_chart(partners, overall["positive_rate"] if overall else None),
        "generated_at": date_fr(generated_at or clock.now()),
    }


async def render_report(evaluation: dict[str, Any], policy: PositiveExitPolicy) -> bytes:
    return await render_pdf_async(TEMPLATE, report_context(evaluation, policy), max_pages=MAX_PAGES)


def figures_digest(evaluation: dict[str, Any]) -> str:
    """What the PDF depends on: the protected figures, the definition and the template's text (so an edit
    of the template renders again). ``as_of`` is left out: the same figures a day later are the same PDF."""
    template = Path(__file__).with_name("templates").joinpath("evaluation_report.html")
    content = {k: v for k, v in evaluation.items() if k != "as_of"}
    payload = json.dumps(content, sort_keys=True, default=str).encode() + template.read_bytes()
    return hashlib.sha256(payload).hexdigest()


async def stored_report(
    session: AsyncSession, evaluation: dict[str, Any], policy: PositiveExitPolicy
) -> bytes:
    """The year's PDF as stored when its figures were last rendered; rendered (and stored, replacing the
    previous one) only when the figures changed. The caller commits."""
    digest = figures_digest(evaluation)
    year = int(evaluation["year"])
    row = await session.get(EvaluationReport, year)
    if row is not None and row.digest == digest:
        return row.pdf
    pdf = await render_report(evaluation, policy)
    try:
        if row is None:
            session.add(EvaluationReport(year=year, digest=digest, pdf=pdf, rendered_at=clock.now()))
        else:
            row.digest, row.pdf, row.rendered_at = digest, pdf, clock.now()
        await session.flush()
    except IntegrityError:  # another download stored the same year at the same moment: theirs is kept
        await session.rollback()
    return pdf
