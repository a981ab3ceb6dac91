"""Bad contract input answered in French: msgspec's messages (a negative amount, an unknown field, a date
that is not a date) and the contract's own consistency rules, turned into one French problem detail.

Why here and not app-wide: the visa's users are social workers typing a contract; « Expected `float` >= 0.0 »
means nothing to them. The handler is attached to the visa routes only (other packages keep theirs)."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import ValidationException
from litestar.types import ExceptionHandlersMap

from coordination.errors import problem_for_exception, problem_response

_AT = re.compile(r"\s*-\s*at\s*`\$\.?([^`]*)`\s*$")
_TYPES = {
    "float": "un nombre",
    "int": "un nombre entier",
    "str": "un texte",
    "bool": "vrai ou faux",
    "array": "une liste",
    "object": "un objet",
    "null": "une valeur vide",
}
_RULES: list[tuple[re.Pattern[str], Any]] = [
    (
        re.compile(r"Expected `\w+` >= 0(?:\.0)?$"),
        lambda m: "ne peut pas être négatif",
    ),
    (re.compile(r"Expected `\w+` >= ([\d.]+)$"), lambda m: f"doit être au moins {m[1]}"),
    (re.compile(r"Expected `\w+` > ([\d.]+)$"), lambda m: f"doit être plus grand que {m[1]}"),
    (re.compile(r"Expected `\w+` <= ([\d.]+)$"), lambda m: f"doit être au plus {m[1]}"),
    (
        re.compile(r"Expected `\w+` of length <= (\d+)$"),
        lambda m: f"est trop long ({m[1]} caractères au plus)",
    ),
    (
        re.compile(r"Expected `(\w+)(?: \| null)?`, got `(\w+)`$"),
        lambda m: f"doit être {_TYPES.get(m[1], m[1])}",
    ),
    (re.compile(r"Object contains unknown field `([^`]+)`$"), lambda m: f"champ inconnu « {m[1]} »"),
    (
        re.compile(r"Object missing required field `([^`]+)`$"),
        lambda m: f"champ obligatoire manquant « {m[1]} »",
    ),
    (re.compile(r"Invalid enum value '([^']*)'$"), lambda m: f"valeur inconnue « {m[1]} »"),
    (re.compile(r"Invalid RFC3339 encoded date$"), lambda m: "n'est pas une date (AAAA-MM-JJ)"),
    (
        re.compile(r"Invalid ISO8601 encoded time$|Invalid RFC3339 encoded time$"),
        lambda m: "n'est pas une heure (HH:MM)",
    ),
]


def french(message: str) -> str:
    """One msgspec validation message in French, with the field's path."""
    message = str(message).strip()
    path = ""
    at = _AT.search(message)
    if at:
        path = at[1]
        message = message[: at.start()]
    for pattern, render in _RULES:
        m = pattern.match(message)
        if m:
            message = render(m)
            break
    return f"{path} : {message}" if path else message


def _messages(exc: ValidationException) -> list[str]:
    out = []
    for item in exc.extra or []:
        if isinstance(item, dict) and item.get("message"):
            key = item.get("key")
            msg = str(item["message"])
            if key and "- at `" not in msg and key != "body":
                msg = f"{msg} - at `$.{key}`"
            out.append(french(msg))
    if not out and exc.detail:
        out.append(french(str(exc.detail)))
    return out


def handle_validation(request: Request, exc: Exception) -> Response:
    """The visa routes' answer to bad input: 400, French detail, nothing written (the handler never ran)."""
    if not isinstance(exc, ValidationException):
        return problem_for_exception(request, exc)
    messages = _messages(exc)
    detail = "Le contrat décrit n'est pas valide : " + (" ; ".join(messages[:5]) or "format incorrect") + "."
    return problem_response(request, 400, "validation-error", detail, {"errors": messages})


EXCEPTION_HANDLERS: ExceptionHandlersMap = {ValidationException: handle_validation}
