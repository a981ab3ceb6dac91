"""The regulator's journey through the pages only (no API shortcut), on a desktop (1366×768) and a phone
(390×844): the registry, a bassin typed in lower case, a selection compared (the year kept), the figures of
the current year with charts and intervals, a masked small partner, a partner page with the definition in
plain French, the PDF and the CSV. Every page visited is scanned with axe-core (the bundle shipped by
``axe-playwright-python``, injected into the page): a serious or critical violation fails the test."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from coordination.clock import today as brussels_today
from tests.e2e.conftest import settled, shot, sign_in

pytestmark = pytest.mark.e2e

VIEWPORTS = {"bureau": {"width": 1366, "height": 768}, "telephone": {"width": 390, "height": 844}}
AXE = Axe()


def axe_check(page, where: str) -> None:
    """axe-core on the page as it is; serious and critical violations fail, listed with their nodes."""
    results = AXE.run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, f"{where}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}" for v in bad
    )


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_regulator_reads_the_current_year_figures(page, server, device):
    year = brussels_today().year
    page.set_viewport_size(VIEWPORTS[device])
    sign_in(page, server, "Régis Lemaire")

    # the registry, filtered by a bassin typed in lower case
    page.goto(server + "/cadastre/")
    axe_check(page, "cadastre")
    page.get_by_label("Bassin de vie").fill("charleroi")
    page.get_by_role("button", name="Filtrer").click()
    settled(page)
    assert page.get_by_role("link", name="CISP L'Envol").is_visible()
    assert page.get_by_role("link", name="Duo Mentorat Wallonie").count() == 0
    axe_check(page, "cadastre filtré")

    # back to every partner, three of them selected and compared: the year is kept
    page.get_by_label("Bassin de vie").fill("")
    page.get_by_role("button", name="Filtrer").click()
    settled(page)
    for name in ("CISP L'Envol", "Duo Mentorat Wallonie", "Boulangerie artisanale de la Sambre"):
        page.get_by_label(f"Comparer {name}").check()
    assert page.get_by_label("Année").first.input_value() == str(year)
    page.get_by_role("button", name="Comparer la sélection").click()
    settled(page)
    assert f"annee={year}" in page.url
    assert page.get_by_role("heading", name=f"Comparer les partenaires — {year}").is_visible()
    shot(page, f"regulateur-comparaison-{device}")
    axe_check(page, "comparaison")

    # figures, bars and intervals of the current year; the small partner masked
    table = page.get_by_role("table", name="Chiffres par partenaire")
    envol = table.get_by_role("row", name=re.compile("CISP L'Envol"))
    assert re.search(r"\d+\s%", envol.inner_text()), envol.inner_text()
    assert re.search(r"\d,\d\d", envol.inner_text()), envol.inner_text()
    small = table.get_by_role("row", name=re.compile("Boulangerie artisanale de la Sambre"))
    assert "masqué" in small.inner_text()
    charts = page.locator("svg.chart")
    assert charts.count() == 2
    assert charts.first.locator("rect").count() >= 2  # bars drawn
    assert charts.first.locator("line").count() >= 3  # with their intervals
    assert charts.first.locator("tspan", has_text="de la Sambre").count() == 1  # a long name wraps, whole
    assert page.get_by_text("Définition 2025-01/1").first.is_visible()
    assert "{'version'" not in page.content()

    # the CSV and the PDF of the year, from the page's links
    with page.expect_download() as csv_download:
        page.get_by_role("link", name=f"Indicateurs {year} en CSV").click()
    csv_path = csv_download.value.path()
    with open(csv_path, encoding="utf-8") as handle:
        assert handle.read(1) == "\ufeff"
    # the server lays the report out (WeasyPrint) on the first request: seconds on a loaded machine
    with page.expect_download(timeout=60_000) as pdf_download:
        page.get_by_role("link", name=f"Rapport d'évaluation {year} (PDF)").click()
    with open(pdf_download.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    # a partner page: the definition in plain French, the figures of the same year
    table.get_by_role("link", name="CISP L'Envol").click()
    settled(page)
    assert page.get_by_role("heading", name=f"Indicateurs {year}").is_visible()
    assert page.get_by_text(re.compile("compte comme sortie positive si la personne a ensuite")).is_visible()
    assert page.locator("svg.chart").count() == 1
    shot(page, f"regulateur-partenaire-{device}")
    axe_check(page, "fiche partenaire")
