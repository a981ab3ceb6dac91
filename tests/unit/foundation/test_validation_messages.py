"""msgspec's and Litestar's validation messages, said in French (coordination.validation_messages)."""

from __future__ import annotations

import msgspec
import pytest
from litestar.exceptions import ValidationException

from coordination.validation_messages import FieldError, field_errors, french


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("Expected `int`, got `str`", "doit être un nombre entier"),
        ("Expected `int`, got `float`", "doit être un nombre entier, sans partie décimale"),
        ("Expected `str | null`, got `int`", "doit être un texte"),
        ("Expected `float` >= 0.0", "ne peut pas être négatif"),
        ("Expected `int` >= 1", "doit être au moins 1"),
        ("Expected `int` <= 200", "doit être au plus 200"),
        ("Expected `str` of length <= 200", "est trop long (200 caractères au plus)"),
        ("Expected `str` of length >= 1", "ne peut pas être vide"),
        ("Expected `array` of length >= 1", "doit compter au moins 1 élément"),
        ("Expected `array` of length <= 60", "compte trop d'éléments (60 au plus)"),
        ("Object contains unknown field `zzz`", "champ inconnu « zzz »"),
        ("Object missing required field `niss`", "champ obligatoire manquant « niss »"),
        ("Invalid enum value 'lion'", "valeur inconnue « lion »"),
        ("Invalid RFC3339 encoded date", "n'est pas une date (AAAA-MM-JJ)"),
        ("Invalid UUID", "n'est pas un identifiant valide (UUID)"),
        (
            "Expected `datetime` with a timezone component",
            "doit indiquer son fuseau horaire (par exemple +01:00 ou Z)",
        ),
        (
            "Missing required query parameter 'filename' for path /api/v1/persons/x/documents",
            "le paramètre « filename » est obligatoire, dans l'adresse (?nom=valeur)",
        ),
        (
            "Expected `int`, got `str` - at `$.items[0].qualifier`",
            "items[0].qualifier : doit être un nombre entier",
        ),
        ("JSON is malformed: trailing characters (byte 5)", "JSON mal formé"),
        ("Input data was truncated", "JSON incomplet"),
        ("'data'", "le corps de la requête est vide (un objet JSON est attendu)"),
        ("Something msgspec may say one day", "Something msgspec may say one day"),
    ],
)
def test_each_known_message_is_said_in_french(message: str, said: str) -> None:
    assert french(message) == said


class _Body(msgspec.Struct, forbid_unknown_fields=True):
    count: int
    name: str


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (b'{"count": "x", "name": "a"}', "count : doit être un nombre entier"),
        (b'{"count": 1.5, "name": "a"}', "count : doit être un nombre entier, sans partie décimale"),
        (b'{"name": "a"}', "champ obligatoire manquant « count »"),
        (b'{"count": 1, "name": "a", "x": 0}', "champ inconnu « x »"),
    ],
)
def test_msgspec_s_own_messages_are_known(raw: bytes, said: str) -> None:
    """The table follows msgspec's wording: a new msgspec that rewords a message fails here, not in front of
    a user."""
    with pytest.raises(msgspec.ValidationError) as info:
        msgspec.json.decode(raw, type=_Body)
    assert french(str(info.value)) == said


def test_field_errors_name_the_field_and_drop_litestar_s_own_sentence() -> None:
    listed = ValidationException(
        "Validation failed for GET /x", extra=[{"key": "page_size", "message": "Expected `int`, got `str`"}]
    )
    assert field_errors(listed) == [FieldError("page_size", "doit être un nombre entier")]
    assert field_errors(listed)[0].sentence() == "page_size : doit être un nombre entier"
    nested = ValidationException(
        "Validation failed for POST /x",
        extra=[{"key": "data", "message": "Expected `int`, got `str` - at `$.items[0].qualifier`"}],
    )
    assert field_errors(nested) == [FieldError("items[0].qualifier", "doit être un nombre entier")]
    whole_body = ValidationException(
        "Validation failed for POST /x",
        extra=[{"key": "data", "message": "Object missing required field `a`"}],
    )
    assert field_errors(whole_body) == [FieldError(None, "champ obligatoire manquant « a »")]
    assert field_errors(whole_body)[0].sentence() == "champ obligatoire manquant « a »"
    missing = ValidationException("Missing required header parameter 'X-Foo' for path /x")
    assert field_errors(missing) == [FieldError("X-Foo", "paramètre obligatoire, dans les en-têtes")]
    assert field_errors(missing)[0].sentence() == "X-Foo : paramètre obligatoire, dans les en-têtes"
    assert field_errors(ValidationException("Validation failed for GET /x")) == []


def test_a_page_names_the_field_by_its_label() -> None:
    labels = {"title": "Objectif", "commitments": "Engagements réciproques"}
    assert french("Expected `str` of length <= 200 - at `$.title`", labels) == (
        "Objectif : est trop long (200 caractères au plus)"
    )
    assert french("Expected `str` of length >= 1 - at `$.commitments[0].description`", labels) == (
        "Engagements réciproques : ne peut pas être vide"
    )
    assert french("Invalid RFC3339 encoded date - at `$.due_date`", labels) == (
        "due_date : n'est pas une date (AAAA-MM-JJ)"
    )
