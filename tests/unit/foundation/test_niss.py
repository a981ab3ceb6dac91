import pytest

from coordination.dossier.niss import InvalidNiss, mask, niss_hash, normalise_niss


def _with_check(base9: str, born_2000: bool = False) -> str:
    number = int(("2" if born_2000 else "") + base9)
    return base9 + f"{97 - number % 97:02d}"


def test_twentieth_century_number():
    niss = _with_check("850730033")
    assert normalise_niss(niss) == niss
    assert normalise_niss(f"{niss[:2]}.{niss[2:4]}.{niss[4:6]}-{niss[6:9]}.{niss[9:]}") == niss


def test_twenty_first_century_number_uses_the_2_prefix():
    niss = _with_check("050412123", born_2000=True)
    assert normalise_niss(niss) == niss
    assert _with_check("050412123") != niss  # the two variants really differ


@pytest.mark.parametrize("raw", ["", "1234567890", "123456789012", "8507300332A", "85073003329"])
def test_invalid_numbers_are_refused_in_french(raw):
    with pytest.raises(InvalidNiss, match="NISS"):
        normalise_niss(raw)


def test_hash_is_keyed_and_mask_hides_the_serial():
    niss = _with_check("850730033")
    assert niss_hash(niss, b"a") != niss_hash(niss, b"b")
    assert niss_hash(niss, b"a") == niss_hash(niss, b"a")
    assert "033" not in mask(niss)[6:]
