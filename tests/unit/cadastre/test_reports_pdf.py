"""The shared PDF helper (coordination.reports)."""

from __future__ import annotations

import io

import jinja2
import pytest
from pypdf import PdfReader

from coordination.reports import pdf


def test_french_filters():
    assert pdf.number_fr(1234.5, 1) == "1\u202f234,5"
    assert pdf.percent_fr(0.4232) == "42,3\u00a0%"
    assert pdf.percent_fr(None) == "masqué"
    assert pdf.date_fr("2025-12-31") == "31 décembre 2025"
    assert pdf.or_hidden(None) == "masqué" and pdf.or_hidden(0) == 0


def test_templates_are_looked_up_in_their_package_only():
    with pytest.raises(jinja2.TemplateNotFound):
        pdf.render_html("../etc/passwd", {})
    with pytest.raises(jinja2.TemplateNotFound):
        pdf.render_html("cadastre/../../../pyproject.toml", {})


def test_external_resources_are_refused():
    with pytest.raises(pdf.ReportError):
        pdf._deny_fetch("https://example.org/x.png")


def test_renders_a_pdf_with_a_page_cap(monkeypatch):
    monkeypatch.setattr(pdf, "render_html", lambda name, ctx: "<h1>Rapport d'essai</h1>" + "<p>x</p>" * 3)
    content = pdf.render_pdf("cadastre/evaluation_report.html", {})
    assert "Rapport d'essai" in PdfReader(io.BytesIO(content)).pages[0].extract_text()
    monkeypatch.setattr(pdf, "render_html", lambda name, ctx: '<p style="page-break-after: always">a</p>' * 3)
    with pytest.raises(pdf.ReportError):
        pdf.render_pdf("cadastre/evaluation_report.html", {}, max_pages=2)
