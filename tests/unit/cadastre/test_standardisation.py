"""Wilson intervals and indirect standardisation, against hand-computed figures."""

from __future__ import annotations

import pytest

from coordination.cadastre.stats import BandCounts, reference_rates, standardise, wilson_interval


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
    # population: close people (score 1) exit at 14/20, far people (score 8) at 5/20
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
    rates = reference_rates(population)
    assert rates == {1: pytest.approx(0.7), 8: pytest.approx(0.25)}
    a, b = standardise(creamer, rates), standardise(adder, rates)
    assert a.observed / a.ended > b.observed / b.ended  # raw: the creamer looks better
    assert (a.expected, b.expected) == (pytest.approx(7.0), pytest.approx(2.5))
    assert (a.ratio, b.ratio) == (pytest.approx(6 / 7), pytest.approx(1.6))
    assert b.ratio > a.ratio  # adjusted: the value-adder is better
    assert a.small_numbers and b.small_numbers  # 10 ended steps: flagged
    c = standardise(average, rates)
    assert c.ratio == pytest.approx(9 / (10 * 0.7 + 10 * 0.25))


def test_ratio_interval_is_the_wilson_interval_over_expected_rate():
    rates = {0: 0.5}
    result = standardise({0: BandCounts(100, 70)}, rates)
    low, high = wilson_interval(70, 100)
    assert result.ratio_interval == (pytest.approx(low / 0.5), pytest.approx(high / 0.5))
    assert result.ratio_interval[0] > 1 and result.verdict.startswith("Au-dessus")
    below = standardise({0: BandCounts(100, 30)}, rates)
    assert below.verdict.startswith("En dessous")
    unsure = standardise({0: BandCounts(10, 6)}, rates)
    assert unsure.verdict.startswith("Pas de différence démontrable")


def test_bands_without_reference_contribute_nothing_expected():
    result = standardise({3: BandCounts(5, 2)}, {1: 0.5})
    assert result.expected == 0 and result.ratio is None and result.verdict.startswith("Pas de comparaison")
