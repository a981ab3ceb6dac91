"""Words of the export for a person who never saw the code: the keys of free-form sections
(``metier_vise`` → « Métier visé ») and the dates, in Europe/Brussels, in the one format of the
application (« 6 décembre 2026 à 00:10 »)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from coordination.access.journal_visits import MONTHS_FR, moment_fr, section_words
from coordination.clock import BRUSSELS

CONTENT_LABELS_FR = {
    "metier_vise": "Métier visé",
    "metiers_vises": "Métiers visés",
    "atouts": "Atouts",
    "freins": "Freins",
    "situation": "Situation",
    "suivi_cpas": "Suivi par le CPAS",
    "constat": "Constat",
    "debut": "Début",
    "disponibilite": "Disponibilité",
    "mobilite": "Mobilité",
    "permis": "Permis de conduire",
    "langues": "Langues",
    "experience": "Expérience",
    "formation": "Formation",
    "diplome": "Diplôme",
    "secteur": "Secteur",
    "remarques": "Remarques",
}
"""Keys met in the project, social and health sections; an unknown key is shown with its first letter
capitalised and its underscores as spaces (never as a code)."""


def content_label(key: str) -> str:
    return CONTENT_LABELS_FR.get(key) or key.replace("_", " ").strip().capitalize()


def content_value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list | tuple):
        return ", ".join(content_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{content_label(str(k))} : {content_value(v)}" for k, v in value.items())
    return str(value)


def when_fr(value: Any) -> str:
    """An instant (datetime or ISO text) as « 6 décembre 2026 à 00:10 », Brussels time."""
    if not value:
        return "—"
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment_fr(at)


def day_fr(value: Any) -> str:
    """A day (date or ISO text; an instant is taken as its Brussels day) as « 6 décembre 2026 »."""
    if not value:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = datetime.fromisoformat(when_iso(value)).date()
    return f"{value.day} {MONTHS_FR[value.month - 1]} {value.year}"


def when_iso(value: datetime) -> str:
    return value.astimezone(BRUSSELS).isoformat()


def parts(sections: Any) -> str:
    """Section codes as the person reads them (« identité, plan d'action »)."""
    return ", ".join(section_words(s) for s in sections or ()) or "—"


FILTERS = {"label": content_label, "value": content_value, "when": when_fr, "day": day_fr, "parts": parts}
"""Passed to the export template as functions (the shared PDF renderer's filters stay as they are)."""
