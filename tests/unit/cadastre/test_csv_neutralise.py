"""Issue 20 item 9: cadastre CSV exports emitted ``=HYPERLINK(…)`` unescaped."""

from coordination.cadastre.csv_io import neutralise, to_csv, unneutralise


def test_formula_cells_are_neutralised_and_numbers_kept():
    for cell in ('=HYPERLINK("http://x";"clic")', "+33 1 23", "-cmd|' /C calc'!A0", "@SUM(A1)", "\tx"):
        assert neutralise(cell) == "'" + cell
        assert unneutralise(neutralise(cell)) == cell
    for cell in ("-12", "-3.50", "Atelier", "", "'déjà cité"):
        assert neutralise(cell) == cell


def test_export_writes_no_live_formula():
    rows = [
        {"tax_id": "0123456789", "name": '=HYPERLINK("https://evil.example";"Ouvrir")', "bassin": "@Namur"}
    ]
    text = to_csv("organisations", rows)
    assert "'=HYPERLINK(" in text and ";'@Namur" in text
    assert not any(line.split(";")[1].startswith(("=", '"=')) for line in text.splitlines()[1:])
