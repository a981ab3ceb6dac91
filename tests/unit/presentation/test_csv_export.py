"""CSV for Excel users: BOM, optional `;`, formula cells neutralised (issue 17)."""

from __future__ import annotations

import csv
import io

import pytest

from coordination.csv_export import csv_response_headers, csv_text, neutralise, separator_from


def test_utf8_with_bom_and_french_headers_read_back():
    data = csv_text(["Métier visé", "Bassin"], [["Aide-soignante", "Liège"], ["Soudeur", None]]).encode(
        "utf-8"
    )
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["Métier visé", "Bassin"],
        ["Aide-soignante", "Liège"],
        ["Soudeur", ""],
    ]
    assert "\r\n" in text


def test_semicolon_separator_for_a_belgian_excel():
    text = csv_text(["Nom", "Montant"], [["Dupont; Fils", "2 111,89"]], separator=";", bom=False)
    assert text == 'Nom;Montant\r\n"Dupont; Fils";2 111,89\r\n'
    assert separator_from("point-virgule") == ";" and separator_from(None) == ","
    with pytest.raises(ValueError):
        csv_text(["a"], [], separator="|")


@pytest.mark.parametrize("cell", ["=1+1", "+32 470", "-2", "@SUM(A1)", '=HYPERLINK("http://x")', "\t=1"])
def test_cells_a_spreadsheet_would_run_are_text(cell):
    assert neutralise(cell) == "'" + cell
    row = list(csv.reader(io.StringIO(csv_text(["x"], [[cell]], bom=False))))[1]
    assert row == ["'" + cell]


def test_ordinary_cells_are_unchanged():
    assert neutralise("Aïcha") == "Aïcha" and neutralise(12) == "12" and neutralise(None) == ""
    assert neutralise("a=b") == "a=b"


def test_download_headers_name_an_ascii_file():
    headers = csv_response_headers("évaluation 2026.csv")
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert headers["Content-Disposition"] == 'attachment; filename="-valuation-2026.csv"'
