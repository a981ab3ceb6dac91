"""The evaluation as CSV for regulators: exactly the protected figures of :func:`.evaluation.evaluate`.

One line per published row of every table (overall, partners, agreements, services, bassins, quarters,
partner × quarter), ``;``-separated (Belgian spreadsheets) or ``,`` on request, UTF-8 with BOM, French headers,
every text cell neutralised against formulas (``=``, ``+``, ``-``, ``@``). A masked figure is written
« masqué », never a number, as on the pages and in the PDF; nothing is recomputed here. The first line
states the positive-exit definition in plain French with its version.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from coordination.cadastre.csv_io import neutralise

MASKED = "masqué"
TABLES = (
    ("overall", "ensemble"),
    ("partners", "partenaire"),
    ("agreements", "convention"),
    ("services", "service"),
    ("bassins", "bassin"),
    ("periods", "trimestre"),
    ("partner_periods", "partenaire et trimestre"),
)
COUNTS = ("people", "entries", "completed", "dropped_out", "ended", "positive_exits")
COUNT_HEADERS = ("Personnes", "Entrées", "Achevées", "Abandons", "Terminées", "Sorties positives")


class _Neutralising:
    """Every text cell through :func:`.csv_io.neutralise` (a name beginning with ``=`` is no formula)."""

    def __init__(self, writer) -> None:
        self.writer = writer

    def writerow(self, row: list[Any]) -> None:
        self.writer.writerow([neutralise(str(cell)) for cell in row])


def _cell(value: Any) -> str:
    if value is None:
        return MASKED
    if isinstance(value, float):
        return f"{value}".replace(".", ",")
    return str(value)


def _interval(values: list[float] | None) -> tuple[str, str]:
    return (_cell(values[0]), _cell(values[1])) if values else (MASKED, MASKED)


def evaluation_csv(evaluation: dict[str, Any], separator: str = ";") -> str:
    mix = list(((evaluation.get("overall") or {}).get("entrant_mix") or {}).keys())
    out = io.StringIO()
    writer = _Neutralising(csv.writer(out, delimiter=separator, lineterminator="\r\n"))
    definition = evaluation["positive_exit_definition"]
    writer.writerow(["Définition", definition["version"], definition["text"]])
    writer.writerow(
        [
            "Tableau", "Clé", "Partenaire (identifiant)", "Libellé", *COUNT_HEADERS, "Taux de sortie positive",
            "Taux : borne basse", "Taux : borne haute", "Sorties positives attendues", "Observé / attendu",
            "Rapport : borne basse", "Rapport : borne haute", "Lecture",
            *(f"Entrants de score {m}" if m != "unknown" else "Entrants sans score" for m in mix),
            "Étapes sans score daté", "Étapes évaluées (CIF)", "Étapes en progression", "Progression moyenne",
            "Coût par sortie positive (€)", "Définition",
        ]
    )  # fmt: skip
    for name, label in TABLES:
        rows = [evaluation[name]] if name == "overall" else evaluation[name]
        for row in rows:
            if row is None:
                continue
            key = row["key"]
            if isinstance(key, dict):
                key = key.get("period")
            progression = row["progression"]
            writer.writerow(
                [
                    label, key or "", row.get("partner_id") or "", row["label"],
                    *(_cell(row[c]) for c in COUNTS),
                    _cell(row["positive_rate"]), *_interval(row["positive_rate_interval"]),
                    _cell(row["expected_positive_exits"]), _cell(row["observed_expected_ratio"]),
                    *_interval(row["ratio_interval"]), row["verdict"],
                    *(_cell(row["entrant_mix"].get(m)) for m in mix), _cell(row["steps_without_score"]),
                    _cell(progression["assessed_steps"]), _cell(progression["improved_steps"]),
                    _cell(progression["mean_gain"]), row["cost_per_positive_exit_eur"] or "",
                    row["positive_exit_definition"],
                ]
            )  # fmt: skip
    return "\ufeff" + out.getvalue()
