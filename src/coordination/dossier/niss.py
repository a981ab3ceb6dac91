"""The Belgian national register number (NISS/INSZ): validation and keyed hashing.

The check is mod 97 over the first 9 digits; people born from 2000 on get a ``2`` prefixed before the
check, so both century variants are tried. The number is stored only encrypted-at-rest by the database
operator and indexed through a keyed hash (HMAC-SHA256) so the index cannot be scanned for numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import re

_SEPARATORS = re.compile(r"[\s.\-]")


class InvalidNiss(ValueError):
    """The message is French: it is shown to the person typing the number."""


def normalise_niss(raw: str) -> str:
    """Strip separators and check the number; return the 11 digits or raise :class:`InvalidNiss`."""
    digits = _SEPARATORS.sub("", raw or "")
    if not digits.isdigit() or len(digits) != 11:
        raise InvalidNiss("Le numéro NISS doit comporter exactement 11 chiffres.")
    base, check = int(digits[:9]), int(digits[9:])
    if 97 - (base % 97) == check or 97 - ((2_000_000_000 + base) % 97) == check:
        return digits
    raise InvalidNiss("Le numéro NISS est invalide (chiffres de contrôle incorrects).")


def niss_hash(niss: str, key: bytes) -> str:
    return hmac.new(key, normalise_niss(niss).encode(), hashlib.sha256).hexdigest()


def mask(niss: str) -> str:
    """What a screen may show: the birth part and the last two digits."""
    digits = normalise_niss(niss)
    return f"{digits[:6]}-***-{digits[9:]}"
