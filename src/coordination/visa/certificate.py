"""The PDF certificate of a visa: Jinja template → WeasyPrint, in French, self-contained.

Why bounded: a certificate is rendered on request from data partly typed by submitters. The renderer
fetches no external resource (the URL fetcher refuses everything), text fields are truncated, and the page
count and PDF size are capped, so a hostile contract cannot make rendering slow or huge.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jinja2
import weasyprint

from coordination.formatting import date_fr, day_fr, euro_fr, hours_fr
from coordination.visa.checks import VERDICT_LABELS_FR, Verdict
from coordination.visa.checks.base import SEVERITY_LABELS_FR, STATUS_LABELS_FR, Severity, Status
from coordination.visa.labels import DECISION_LABELS_FR, KIND_LABELS
from coordination.visa.models import Decision, VisaRequest

MAX_PAGES = 12
MAX_BYTES = 2 * 1024 * 1024
MAX_TEXT = 600

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


class CertificateError(Exception):
    pass


def _deny_fetch(url: str, *args: Any, **kwargs: Any) -> dict:
    raise CertificateError(f"ressource externe refusée: {url[:80]}")


def bce_valid(number: str | None) -> bool | None:
    """Belgian company number (BCE/KBO): 10 digits, last two = 97 − (first eight mod 97)."""
    if not number:
        return None
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) != 10:
        return False
    return 97 - int(digits[:8]) % 97 == int(digits[8:])


def _t(value: Any) -> str:
    text = "—" if value is None or value == "" else str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _date(value: Any) -> str:
    if not value:
        return "—"
    return day_fr(dt.date.fromisoformat(str(value)[:10]))


def _terms(c: dict[str, Any]) -> list[tuple[str, str]]:
    pay = c.get("pay") or {}
    amount = (
        f"{euro_fr(pay['gross_monthly'])} brut / mois"
        if pay.get("gross_monthly") is not None
        else f"{euro_fr(pay['gross_hourly'], 4)} brut / heure"
        if pay.get("gross_hourly") is not None
        else "—"
    )
    weekly, full = c.get("weekly_hours"), c.get("full_time_weekly_hours")
    return [
        ("Type", KIND_LABELS.get(c.get("kind", ""), _t(c.get("kind")))),
        ("Début – fin", f"{_date(c.get('start_date'))} – {_date(c.get('end_date'))}"),
        ("Commission paritaire – fonction", f"{_t(c.get('joint_committee'))} – {_t(c.get('function'))}"),
        (
            "Heures par semaine",
            f"{hours_fr(weekly) if weekly is not None else '—'} sur {hours_fr(full) if full is not None else '—'}",
        ),
        ("Rémunération", amount),
    ]


def context(visa: VisaRequest, person_label: str | None = None) -> dict[str, Any]:
    cl, c = visa.checklist, visa.contract
    results = [
        {
            "id": r["id"],
            "title": r["title"],
            "status": r["status"],
            "status_label": STATUS_LABELS_FR[Status(r["status"])],
            "severity_label": SEVERITY_LABELS_FR[Severity(r["severity"])],
            "explanation": _t(r["explanation"]),
            "reference": r["reference"],
        }
        for r in cl["results"]
    ]
    return {
        "visa_id": str(visa.id),
        "decision_label": DECISION_LABELS_FR[visa.decision] if visa.decision else "En attente de décision",
        "reason": _t(visa.decision_reason) if visa.decision_reason else None,
        "decided_by_name": visa.decided_by_name,
        "decided_at": date_fr(visa.decided_at) if visa.decided_at else None,
        "verdict": cl["verdict"],
        "verdict_label": VERDICT_LABELS_FR[Verdict(cl["verdict"])],
        "rule_set_version": visa.rule_set_version,
        "reference_date": _date(cl["reference_date"]),
        "person_label": person_label or str(visa.person_id),
        "employer_name": _t(c.get("employer_name")) if c.get("employer_name") else None,
        "employer_bce": c.get("employer_bce"),
        "bce_valid": bce_valid(c.get("employer_bce")),
        "terms": _terms(c),
        "results": results,
        "answers": [
            {
                "title": _t(a.get("title") or a.get("check_id")),
                "check_id": a.get("check_id"),
                "status_label": STATUS_LABELS_FR[Status(a["status"])] if a.get("status") else "—",
                "explanation": _t(a.get("explanation")),
                "checked_label": "Vérifié à la main" if a.get("checked") else "Non vérifié",
                "note": _t(a.get("note")),
            }
            for a in (visa.open_item_answers or [])
        ],
        "content_hash": visa.content_hash,
        "key_fingerprint": visa.signing_key_fingerprint,
        "signature": visa.signature,
    }


def render_html(visa: VisaRequest, person_label: str | None = None) -> str:
    return _ENV.get_template("visa_certificate.html").render(**context(visa, person_label))


def render_pdf(visa: VisaRequest, person_label: str | None = None) -> tuple[bytes, int]:
    """(PDF bytes, page count). Blocking: call it through ``anyio.to_thread`` from a handler."""
    doc = weasyprint.HTML(string=render_html(visa, person_label), url_fetcher=_deny_fetch).render()
    if len(doc.pages) > MAX_PAGES:
        raise CertificateError(f"certificat de {len(doc.pages)} pages, au-delà de {MAX_PAGES}")
    pdf = doc.write_pdf()
    if len(pdf) > MAX_BYTES:
        raise CertificateError("certificat trop volumineux")
    return pdf, len(doc.pages)


__all__ = ["KIND_LABELS", "CertificateError", "Decision", "bce_valid", "render_html", "render_pdf"]
