from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from coordination.referent.orientation import (
    Choice,
    OverrideWithoutReason,
    RuleFileError,
    ScoreOutOfRange,
    Situation,
    Track,
    add_months,
    digital_move_due,
    first_contact_due,
    is_young,
    load_matrix,
    load_rules,
    local_date,
    orient,
    parse_matrix,
)

POLICIES = Path(__file__).resolve().parents[3] / "policies"


@pytest.fixture(scope="module")
def matrix():
    return load_matrix(POLICIES)


@pytest.fixture(scope="module")
def rules():
    return load_rules(POLICIES)


EXPECTED = {
    True: ["digital"] * 4 + ["e_adviser"] * 3 + ["socio_professional"] * 3,
    False: ["e_adviser"] * 4 + ["sectoral"] * 3 + ["socio_professional"] * 3,
}


@pytest.mark.parametrize("autonomy", [True, False])
@pytest.mark.parametrize("score", range(10))
def test_matrix_reads_the_seed_as_documented(matrix, autonomy, score):
    assert matrix.track_for(score, autonomy) == Track(EXPECTED[autonomy][score])


def test_matrix_has_a_version(matrix):
    assert matrix.version.startswith("forem-2022-06-03")


@pytest.mark.parametrize("score", [-1, 10, 3.5, "4", True, None])
def test_score_outside_range_is_refused(matrix, score):
    with pytest.raises(ScoreOutOfRange) as info:
        matrix.track_for(score, True)
    assert "de 0 à 9" in str(info.value)


def test_matrix_with_gap_or_overlap_is_refused():
    base = {"version": "x", "digital_autonomy_yes": [{"scores": [0, 9], "track": "digital"}]}
    with pytest.raises(RuleFileError, match="sans parcours"):
        parse_matrix({**base, "digital_autonomy_no": [{"scores": [0, 8], "track": "sectoral"}]})
    with pytest.raises(RuleFileError, match="deux fois"):
        parse_matrix(
            {
                **base,
                "digital_autonomy_no": [
                    {"scores": [0, 5], "track": "sectoral"},
                    {"scores": [5, 9], "track": "sectoral"},
                ],
            }
        )
    with pytest.raises(RuleFileError, match="invalide"):
        parse_matrix({**base, "digital_autonomy_no": [{"scores": [0, 9], "track": "bogus"}]})


def test_add_months_clamps_end_of_month():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 11, 15), 2) == date(2025, 1, 15)
    assert add_months(date(2024, 10, 31), 4) == date(2025, 2, 28)


def test_local_date_is_brussels(rules):
    # 23:30 UTC on 31 March 2024 is already 1 April in Brussels (summer time, UTC+2)
    assert local_date(datetime(2024, 3, 31, 23, 30, tzinfo=UTC), rules) == date(2024, 4, 1)
    assert local_date(datetime(2024, 1, 15, 22, 59, tzinfo=UTC), rules) == date(2024, 1, 15)
    assert local_date(datetime(2024, 1, 15, 23, 0, tzinfo=UTC), rules) == date(2024, 1, 16)


def test_young_is_under_25_at_registration(rules):
    assert is_young(date(2000, 6, 2), date(2025, 6, 1), rules)  # 24 the day before the birthday
    assert not is_young(date(2000, 6, 1), date(2025, 6, 1), rules)  # 25 that day
    assert not is_young(None, date(2025, 6, 1), rules)


@pytest.mark.parametrize(
    ("track", "young", "expected"),
    [
        (Track.SOCIO_PROFESSIONAL, False, date(2025, 2, 10)),
        (Track.E_ADVISER, False, date(2025, 3, 10)),
        (Track.SECTORAL, False, date(2025, 3, 10)),
        (Track.E_ADVISER, True, date(2025, 2, 10)),
        (Track.SECTORAL, True, date(2025, 2, 10)),
        (Track.SOCIO_PROFESSIONAL, True, date(2025, 2, 10)),
        (Track.DIGITAL, False, None),
        (Track.DIGITAL, True, None),
    ],
)
def test_first_contact_deadlines(rules, track, young, expected):
    assert first_contact_due(track, date(2025, 1, 10), young, rules) == expected


def test_digital_moves_to_e_adviser_after_4_months_or_1_for_young(rules):
    assert digital_move_due(date(2025, 1, 10), False, rules) == date(2025, 5, 10)
    assert digital_move_due(date(2025, 1, 10), True, rules) == date(2025, 2, 10)
    assert rules.digital_moves_to is Track.E_ADVISER


def test_orient_with_override_requires_reason(matrix, rules):
    with pytest.raises(OverrideWithoutReason):
        orient(
            matrix,
            rules,
            Situation(score=2, digital_autonomy=True, start=date(2025, 1, 10)),
            Choice(Track.SOCIO_PROFESSIONAL, "   "),
        )
    result = orient(
        matrix,
        rules,
        Situation(score=2, digital_autonomy=True, start=date(2025, 1, 10), birth_date=date(2003, 1, 1)),
        Choice(Track.SOCIO_PROFESSIONAL, "Problème de logement signalé"),
    )
    assert result.computed_track is Track.DIGITAL
    assert result.chosen_track is Track.SOCIO_PROFESSIONAL
    assert result.overridden and result.override_reason == "Problème de logement signalé"
    assert result.young and result.first_contact_due == date(2025, 2, 10)
    assert result.digital_move_due is None


def test_orient_digital_young(matrix, rules):
    situation = Situation(
        score=0, digital_autonomy=True, start=date(2025, 1, 31), birth_date=date(2005, 1, 1)
    )
    result = orient(matrix, rules, situation)
    assert result.chosen_track is Track.DIGITAL and not result.overridden and result.override_reason is None
    assert result.first_contact_due is None
    assert result.digital_move_due == date(2025, 2, 28)
