"""CSV files for the people who open them in Excel or LibreOffice: UTF-8 with a byte-order mark (without it
Excel reads « Métier visé » as « MÃ©tier visÃ© »), a `;` separator on request (the list separator of a
French-speaking Belgian Excel, which otherwise puts a whole line in one column), French headers chosen by the
caller, and cells that a spreadsheet would run as a formula neutralised (CSV injection: a value typed by a
user such as ``=HYPERLINK(...)`` or ``@SUM(...)`` must come out as text).

Use :func:`csv_text` for a whole file (``.encode("utf-8")`` for bytes: the BOM becomes EF BB BF),
:func:`csv_response_headers` for the download headers; the values are written as given (format dates and
numbers in French before, e.g. with ``coordination.formatting``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

BOM = "\ufeff"
SEPARATORS = {",": ",", ";": ";"}
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet evaluate a cell (OWASP's list: ``=``, ``+``, ``-``, ``@``, tab,
carriage return)."""


def neutralise(value: Any) -> str:
    """The cell as text; a leading formula character is escaped with an apostrophe, which spreadsheets
    hide and which turns the cell into plain text. ``None`` is an empty cell."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def csv_text(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    separator: str = ",",
    bom: bool = True,
) -> str:
    """The whole file as text (with the BOM first unless ``bom=False``), lines ended by CRLF as RFC 4180
    says. ``separator`` is ``","`` or ``";"``; anything else is a programming error."""
    if separator not in SEPARATORS:
        raise ValueError(f"unsupported CSV separator {separator!r}")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return (BOM if bom else "") + out.getvalue()


def separator_from(choice: str | None) -> str:
    """The separator a user chose in a form or a query (``;``, ``point-virgule``, ``semicolon``), ``,``
    otherwise: a download link can offer « pour Excel (point-virgule) » without parsing it itself."""
    return ";" if (choice or "").strip().lower() in {";", "point-virgule", "semicolon", "excel"} else ","


def csv_response_headers(filename: str) -> dict[str, str]:
    """Headers of a CSV download: the media type says UTF-8, the file is an attachment with an ASCII name."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "-" for ch in filename)
    return {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{safe}"',
    }
