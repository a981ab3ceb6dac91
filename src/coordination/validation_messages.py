"""Input refused before a handler runs, said in French: msgspec's and Litestar's validation messages (a
number that is text, a missing field, an unknown one, a date that is not a date, a missing query parameter)
turned into what the caller should fix.

Why: every problem detail a person or an integrator reads is in French; « Expected `int`, got `str` » or
« Missing required query parameter 'filename' » inside a French sentence says neither which rule nor, for a
newcomer, what to send. A message no rule knows stays as it is (better than losing what it says). The visa
routes use the same rules with their own sentence (:mod:`coordination.visa.validation`), and the visa form
(:mod:`coordination.web.visa_form`) shows them beside the fields."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from litestar.exceptions import ValidationException

_AT = re.compile(r"\s*-\s*at\s*`\$\.?([^`]*)`\s*$")
_TYPES = {
    "float": "un nombre",
    "int": "un nombre entier",
    "str": "un texte",
    "bool": "vrai ou faux (true ou false)",
    "array": "une liste",
    "object": "un objet",
    "null": "une valeur vide",
    "uuid": "un identifiant (UUID)",
    "date": "une date (AAAA-MM-JJ)",
    "datetime": "une date et une heure avec fuseau (AAAA-MM-JJTHH:MM:SS+01:00)",
    "decimal": "un nombre décimal",
}
_PARAMETER_PLACES = {
    "query": "dans l'adresse (?nom=valeur)",
    "header": "dans les en-têtes",
    "cookie": "dans les cookies",
    "path": "dans le chemin",
}

_MISSING_PARAMETER = re.compile(
    r"Missing required (query|header|cookie|path) parameter '([^']+)'(?: for path .*)?$"
)

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _expected(m: re.Match[str]) -> str:
    wanted, got = m[1], m[2]
    if wanted == "int" and got == "float":
        return "doit être un nombre entier, sans partie décimale"
    return f"doit être {_TYPES.get(wanted, wanted)}"


def _length(m: re.Match[str]) -> str:
    kind, bound, n = m[1], m[2], int(m[3])
    if kind == "str":
        if bound == "<=":
            return f"est trop long ({n} caractères au plus)"
        return "ne peut pas être vide" if n == 1 else f"est trop court ({n} caractères au moins)"
    if bound == "<=":
        return f"compte trop d'éléments ({n} au plus)"
    return f"doit compter au moins {n} élément{'s' if n > 1 else ''}"


_RULES: list[Rule] = [
    (re.compile(r"Expected `\w+` >= 0(?:\.0)?$"), lambda m: "ne peut pas être négatif"),
    (re.compile(r"Expected `\w+` >= ([-\d.e]+)$"), lambda m: f"doit être au moins {m[1]}"),
    (re.compile(r"Expected `\w+` > ([-\d.e]+)$"), lambda m: f"doit être plus grand que {m[1]}"),
    (re.compile(r"Expected `\w+` <= ([-\d.e]+)$"), lambda m: f"doit être au plus {m[1]}"),
    (re.compile(r"Expected `\w+` < ([-\d.e]+)$"), lambda m: f"doit être plus petit que {m[1]}"),
    (re.compile(r"Expected `(\w+)` of length (<=|>=) (\d+)$"), _length),
    (re.compile(r"Expected `str` matching regex '.*'$"), lambda m: "n'a pas la forme attendue"),
    (re.compile(r"Expected `(\w+)(?: \| \w+)*`, got `(\w+)`$"), _expected),
    (re.compile(r"Object contains unknown field `([^`]+)`$"), lambda m: f"champ inconnu « {m[1]} »"),
    (
        re.compile(r"Object missing required field `([^`]+)`$"),
        lambda m: f"champ obligatoire manquant « {m[1]} »",
    ),
    (re.compile(r"Invalid enum value '?([^']*)'?$"), lambda m: f"valeur inconnue « {m[1]} »"),
    (re.compile(r"Invalid RFC3339 encoded date$"), lambda m: "n'est pas une date (AAAA-MM-JJ)"),
    (
        re.compile(r"Invalid RFC3339 encoded datetime$"),
        lambda m: "n'est pas une date et une heure (AAAA-MM-JJTHH:MM:SS+01:00)",
    ),
    (
        re.compile(r"Invalid ISO8601 encoded time$|Invalid RFC3339 encoded time$"),
        lambda m: "n'est pas une heure (HH:MM)",
    ),
    (
        re.compile(r"Expected `datetime` with a timezone component$"),
        lambda m: "doit indiquer son fuseau horaire (par exemple +01:00 ou Z)",
    ),
    (re.compile(r"Invalid UUID$"), lambda m: "n'est pas un identifiant valide (UUID)"),
    (re.compile(r"Invalid decimal string$"), lambda m: "n'est pas un nombre décimal"),
    (re.compile(r"JSON is malformed: .*"), lambda m: "JSON mal formé"),
    (re.compile(r"Input data was truncated$"), lambda m: "JSON incomplet"),
    (
        re.compile(r"'(?:data|body)'$"),
        lambda m: "le corps de la requête est vide (un objet JSON est attendu)",
    ),
    (
        _MISSING_PARAMETER,
        lambda m: f"le paramètre « {m[2]} » est obligatoire, {_PARAMETER_PLACES[m[1]]}",
    ),
]

_WHOLE_BODY_KEYS = frozenset({"body", "data"})
"""The key Litestar gives an error about the body as a whole (a handler's ``data``): not a field name."""


def _split(message: str) -> tuple[str, str]:
    """(the field's path, or "" ; the message without it)."""
    message = str(message).strip()
    at = _AT.search(message)
    return (at[1], message[: at.start()]) if at else ("", message)


def _say(message: str) -> str:
    for pattern, render in _RULES:
        m = pattern.match(message)
        if m:
            return render(m)
    return message


def french(message: str, labels: Mapping[str, str] | None = None) -> str:
    """One validation message in French, led by the field's path when it names one: by its label on a page
    (``labels``, the form's words for its fields), by its API name otherwise."""
    path, bare = _split(message)
    if path and labels:
        path = labels.get(path) or labels.get(re.split(r"[.\[]", path, maxsplit=1)[0]) or path
    return FieldError(path or None, _say(bare)).sentence()


@dataclass(frozen=True)
class FieldError:
    """One refused field of a request: its API name (``None`` for the request as a whole) and what is wrong
    with it, in French."""

    field: str | None
    message: str

    def sentence(self) -> str:
        return f"{self.field} : {self.message}" if self.field else self.message


def field_errors(exc: ValidationException) -> list[FieldError]:
    """Each error Litestar lists, in French; the exception's own message when it lists none (a missing
    query parameter). Litestar's own sentence (« Validation failed for … ») is not kept."""
    out: list[FieldError] = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict) and item.get("message"):
            path, bare = _split(str(item["message"]))
            key = item.get("key")
            out.append(FieldError(path or (None if key in _WHOLE_BODY_KEYS else key), _say(bare)))
    detail = str(exc.detail or "")
    missing = _MISSING_PARAMETER.match(detail)
    if not out and missing:
        out.append(FieldError(missing[2], f"paramètre obligatoire, {_PARAMETER_PLACES[missing[1]]}"))
    return out
