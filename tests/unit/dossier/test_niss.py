"""NISS validation: 11 digits, mod-97 check, both century variants, separators, keyed hash."""

from __future__ import annotations

import pytest

from coordination.dossier.niss import InvalidNiss, mask, niss_hash, normalise_niss


def make_niss(birth: str, serial: str, *, born_2000: bool = False) -> str:
    base = int(birth + serial)
    check = 97 - ((2_000_000_000 + base) % 97 if born_2000 else base % 97)
    return f"{birth}{serial}{check:02d}"


def test_twentieth_century_number_is_valid() -> None:
    niss = make_niss("850714", "123")
    assert normalise_niss(niss) == niss


def test_twenty_first_century_number_is_valid_only_with_the_2_prefix() -> None:
    niss = make_niss("050714", "123", born_2000=True)
    assert normalise_niss(niss) == niss
    # The same digits checked the 19xx way would fail: prove the two variants differ here.
    assert int(niss[9:]) != 97 - int(niss[:9]) % 97


def test_separators_are_ignored() -> None:
    niss = make_niss("850714", "123")
    formatted = f"{niss[:2]}.{niss[2:4]}.{niss[4:6]}-{niss[6:9]}.{niss[9:]}"
    assert normalise_niss(formatted) == niss


@pytest.mark.parametrize("raw", ["", "123", "8507141231", "850714123456", "85071412X45"])
def test_wrong_length_or_letters_are_refused_in_french(raw: str) -> None:
    with pytest.raises(InvalidNiss, match="11 chiffres"):
        normalise_niss(raw)


def test_wrong_check_digits_are_refused() -> None:
    niss = make_niss("850714", "123")
    bad = niss[:9] + f"{(int(niss[9:]) + 1) % 100:02d}"
    with pytest.raises(InvalidNiss, match="contrôle"):
        normalise_niss(bad)


def test_keyed_hash_depends_on_key_and_ignores_formatting() -> None:
    niss = make_niss("850714", "123")
    formatted = f"{niss[:6]}-{niss[6:9]}.{niss[9:]}"
    assert niss_hash(niss, b"k1") == niss_hash(formatted, b"k1")
    assert niss_hash(niss, b"k1") != niss_hash(niss, b"k2")
    assert niss not in niss_hash(niss, b"k1")


def test_mask_hides_the_serial() -> None:
    niss = make_niss("850714", "123")
    assert mask(niss) == f"850714-***-{niss[9:]}"


@pytest.mark.parametrize("birth", ["851314", "851300", "853314", "855314", "859914"])
def test_a_birth_month_that_does_not_exist_is_refused_even_with_right_check_digits(birth: str) -> None:
    """Month 13 (also as a BIS month, 13 + 20 or 13 + 40) or 99: the mod-97 check alone accepted them.
    python-stdnum checks the month; it does not refuse a day such as 30 February, so neither do we."""
    niss = make_niss(birth, "123")
    with pytest.raises(InvalidNiss, match="mois de naissance"):
        normalise_niss(niss)


def test_bis_numbers_and_unknown_birth_days_are_accepted() -> None:
    """A BIS number (month + 20 or + 40, people without a register entry) and a day or month the
    register does not know (00) are valid numbers."""
    for birth in ("852714", "854714", "852014", "850700", "850000"):
        niss = make_niss(birth, "123")
        assert normalise_niss(niss) == niss
