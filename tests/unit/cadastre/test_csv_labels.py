"""Issue 17: registry CSV files for spreadsheet users: coded values written as French labels (and read back
from the label or the code), amounts with a decimal comma beside ``;``, a dot beside ``,``."""

import csv
import io

from coordination.cadastre.csv_io import parse_cell, to_csv


def _rows(text: str, separator: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=separator))


def test_coded_values_are_written_as_labels_and_read_back():
    organisation = {
        "tax_id": "0403170701",
        "name": "CISP L'Envol",
        "partner_kind": "cisp",
        "status": "active",
    }
    row = _rows(to_csv("organisations", [organisation]), ";")[0]
    assert row["Type de partenaire"] == "Centre d'insertion socioprofessionnelle (CISP)"
    assert row["État"] == "actif"
    assert parse_cell("partner_kind", row["Type de partenaire"]) == "cisp"
    assert parse_cell("partner_kind", "CENTRE D'INSERTION SOCIOPROFESSIONNELLE (CISP)") == "cisp"
    assert parse_cell("partner_kind", "cisp") == "cisp"  # files written with codes still import
    assert parse_cell("status", "fermé temporairement") == "temporarily closed"
    assert parse_cell("kind", "Appel à projets") == "call_for_projects"


def test_amounts_follow_the_separator():
    agreement = {"reference": "AAP-1", "kind": "call_for_projects", "funding_amount": 12000050}
    semicolon = _rows(to_csv("agreements", [agreement], ";"), ";")[0]
    assert (
        semicolon["Financement (€)"] == "120000,50" and semicolon["Type de convention"] == "Appel à projets"
    )
    comma = _rows(to_csv("agreements", [agreement], ","), ",")[0]
    assert comma["Financement (€)"] == "120000.50"
    assert parse_cell("funding_amount", semicolon["Financement (€)"]) == 12000050
    assert parse_cell("funding_amount", comma["Financement (€)"]) == 12000050


def test_the_step_import_template_has_french_headers_and_reads_back():
    from coordination.cadastre.step_import import read_lines, template

    text = template()
    assert text.startswith("\ufeffNISS;Étape;Type;Service;Convention;Titre;Début;Fin;Statut;Date de sortie;")
    lines, problems = read_lines(text.encode("utf-8"))
    assert problems == []
    assert lines[0].raw["debut"] == "06/01/2025" and lines[0].raw["statut"] == "terminée"
    short, problems = read_lines(b"niss;debut;date_sortie;duree_mois\r\n85073003328;06/01/2025;;\r\n")
    assert problems == [] and short[0].raw["debut"] == "06/01/2025"
