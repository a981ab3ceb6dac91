"""Wilson intervals and indirect standardisation, against hand-computed figures."""

from __future__ import annotations

import math

import pytest

from coordination.cadastre.stats import (
    BandCounts,
    leave_one_out,
    reference_rates,
    standardise,
    wilson_interval,
)


def test_wilson_matches_published_values():
    # Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605
    low, high = wilson_interval(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    low, high = wilson_interval(15, 148)
    assert (round(low, 4), round(high, 4)) == (0.0624, 0.1605)
    assert wilson_interval(0, 10)[0] == pytest.approx(0.0) and wilson_interval(10, 10)[1] == pytest.approx(
        1.0
    )
    assert wilson_interval(0, 0) is None


def test_creaming_partner_ranks_below_value_adding_partner_once_adjusted():
    # close people (score 1) exit at 14/20, far people (score 8) at 5/20; each partner against the others
    creamer = {1: BandCounts(ended=10, positive=6)}
    adder = {8: BandCounts(ended=10, positive=4)}
    average = {1: BandCounts(10, 8), 8: BandCounts(10, 1)}
    population = {
        band: BandCounts(
            sum(g[band].ended for g in (creamer, adder, average) if band in g),
            sum(g[band].positive for g in (creamer, adder, average) if band in g),
        )
        for band in (1, 8)
    }
    assert reference_rates(population) == {1: pytest.approx(0.7), 8: pytest.approx(0.25)}
    assert leave_one_out(population, creamer) == {1: BandCounts(10, 8), 8: BandCounts(20, 5)}
    a = standardise(creamer, leave_one_out(population, creamer))
    b = standardise(adder, leave_one_out(population, adder))
    assert a.observed / a.ended > b.observed / b.ended  # raw: the creamer looks better
    assert (a.expected, b.expected) == (pytest.approx(8.0), pytest.approx(1.0))  # 10 × 8/10, 10 × 1/10
    assert (a.ratio, b.ratio) == (pytest.approx(6 / 8), pytest.approx(4.0))
    assert b.ratio > a.ratio  # adjusted: the value-adder is better
    assert a.small_numbers and b.small_numbers  # 10 ended steps: flagged


def test_a_partner_is_not_part_of_its_own_reference():
    # a big partner doubling its people's chance: against everyone it would be pulled towards 1
    big = {0: BandCounts(900, 360)}
    others = {0: BandCounts(100, 20)}
    population = {0: BandCounts(1000, 380)}
    against_all = 360 / (900 * 0.38)
    result = standardise(big, leave_one_out(population, big))
    assert result.ratio == pytest.approx(2.0) and against_all < 1.1
    assert standardise(others, leave_one_out(population, others)).ratio == pytest.approx(20 / (100 * 0.4))


def test_interval_adds_the_uncertainty_of_the_reference():
    group = {0: BandCounts(100, 70)}
    sure = standardise(group, {0: BandCounts(100_000, 50_000)})
    unsure = standardise(group, {0: BandCounts(100, 50)})
    assert sure.ratio == unsure.ratio == pytest.approx(1.4)
    # hand-computed delta method on log(O/E): Var O = 100 × 0.7 × 0.3 = 21; Var E ≈ 100² × r(1 − r) / N
    z = 1.959964
    r = 50_000.5 / 100_001
    half = z * math.sqrt(21 / 70**2 + 100**2 * r * (1 - r) / 100_000 / 50**2)
    assert sure.ratio_interval == (pytest.approx(1.4 * math.exp(-half)), pytest.approx(1.4 * math.exp(half)))
    assert sure.verdict.startswith("Au-dessus")
    assert (
        unsure.ratio_interval[0] < sure.ratio_interval[0]
        and unsure.ratio_interval[1] > sure.ratio_interval[1]
    )
    below = standardise({0: BandCounts(100, 30)}, {0: BandCounts(10_000, 5_000)})
    assert below.verdict.startswith("En dessous")
    none = standardise({0: BandCounts(20, 0)}, {0: BandCounts(10_000, 5_000)})
    assert none.ratio == 0 and none.ratio_interval[0] == 0 and none.ratio_interval[1] > 0


def test_bands_without_reference_are_left_out_of_both_sides():
    result = standardise({3: BandCounts(5, 2)}, {1: BandCounts(10, 5)})
    assert result.expected == 0 and result.ratio is None and result.verdict.startswith("Pas de comparaison")
    mixed = standardise({1: BandCounts(10, 6), 3: BandCounts(5, 5)}, {1: BandCounts(10, 5)})
    assert (mixed.observed, mixed.ended, mixed.expected) == (6, 10, pytest.approx(5.0))
