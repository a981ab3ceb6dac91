"""Valid Belgian identifiers for invented people and organisations.

A NISS (national register number) is ``yymmdd`` + a three-digit serial + a mod-97 check computed over the
nine digits, with a leading ``2`` for births from 2000 on; python-stdnum (``coordination.dossier.niss``)
also checks that the date exists, so the date here is always a real one. The serial 001-997 is odd for
men and even for women; the factories do not care, the application never reads it.
"""

from __future__ import annotations

from datetime import date, timedelta

FIRST_BIRTH = date(1960, 1, 1)
SERIALS_PER_DAY = 997


def niss_from(birth: date, serial: int) -> str:
    """The valid NISS of someone born on ``birth`` with this serial (1-997)."""
    if not 1 <= serial <= SERIALS_PER_DAY:
        raise ValueError(f"a NISS serial is between 1 and 997, not {serial}")
    body = f"{birth:%y%m%d}{serial:03d}"
    value = int(body) + (2_000_000_000 if birth.year >= 2000 else 0)
    return f"{body}{97 - value % 97:02d}"


def nth_niss(n: int) -> str:
    """The ``n``-th invented NISS (n ≥ 0): distinct for distinct ``n``, born between 1960 and 2000 for the
    first fourteen million, so any bench size fits."""
    birth = FIRST_BIRTH + timedelta(days=n // SERIALS_PER_DAY)
    return niss_from(birth, n % SERIALS_PER_DAY + 1)


def bce_from(first_eight: int) -> str:
    """A valid BCE number (10 digits, the last two a mod-97 check of the first eight)."""
    return f"{first_eight:08d}{97 - first_eight % 97:02d}"
