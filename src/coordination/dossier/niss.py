"""The Belgian national register number (NISS/INSZ): validation and keyed hashing.

The check is python-stdnum's (``stdnum.be.ssn``: a national register number or a BIS number): the mod 97
over the first 9 digits, both century variants, AND a birth month that exists (month 13 is refused,
as a BIS month too; an unknown day or month, written 00, is accepted as the register does).

The number is stored only encrypted-at-rest by the database operator and indexed through a keyed hash
(HMAC-SHA256) so the index cannot be scanned for numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from litestar import Request
from litestar.di import Provide
from stdnum.be import ssn
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from coordination.keys import niss_hash_key
from coordination.settings import Settings

_SEPARATORS = re.compile(r"[\s.\-]")


class InvalidNiss(ValueError):
    """The message is French: it is shown to the person typing the number."""


def normalise_niss(raw: str) -> str:
    """Strip separators and check the number; return the 11 digits or raise :class:`InvalidNiss`."""
    digits = _SEPARATORS.sub("", raw or "")
    if not digits.isdigit() or len(digits) != 11:
        raise InvalidNiss("Le numéro NISS doit comporter exactement 11 chiffres.")
    try:
        ssn.validate(digits)
    except InvalidChecksum:
        raise InvalidNiss("Le numéro NISS est invalide (chiffres de contrôle incorrects).") from None
    except InvalidComponent:
        raise InvalidNiss("Le numéro NISS est invalide (le mois de naissance n'existe pas).") from None
    except ValidationError:
        raise InvalidNiss("Le numéro NISS est invalide.") from None
    return digits


def niss_hash(niss: str, key: bytes) -> str:
    return hmac.new(key, normalise_niss(niss).encode(), hashlib.sha256).hexdigest()


def mask(niss: str) -> str:
    """What a screen may show: the birth part and the last two digits."""
    digits = normalise_niss(niss)
    return f"{digits[:6]}-***-{digits[9:]}"


def niss_key(request: Request, settings: Settings) -> bytes:
    """The key of the NISS hash index, read once per app (kept in ``app.state``): every search by NISS,
    from the API or a page of any domain, hashes with the same key."""
    state = request.app.state
    key = state.get("niss_hash_key")
    if key is None:
        key = niss_hash_key(settings)
        state["niss_hash_key"] = key
    return key


NISS_KEY = {"niss_key": Provide(niss_key, sync_to_thread=False)}
"""The ``niss_key`` dependency of the routes that find people by NISS (the API's persons, the search
page): a handler takes the key, not the request and the settings to read it."""
