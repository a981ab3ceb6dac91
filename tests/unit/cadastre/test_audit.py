"""The disclosure audit: what row-and-column complements miss, the audit catches, and the masking that
leaves the evaluation passes an exact (whole-number) attack written from the published figures only."""

from __future__ import annotations

import copy
import random
from dataclasses import replace
from datetime import date
from pathlib import Path

from coordination.cadastre import audit
from coordination.cadastre.evaluation import Cell, assemble, protect
from coordination.cadastre.policy import load_policy
from coordination.cadastre.stats import complementary_suppression
from tests.unit.cadastre.exact_attack import masked_cells_admitting_one_value, truth_of

POLICY = load_policy(Path(__file__).resolve().parents[3] / "policies")
AS_OF = date(2026, 12, 31)


def test_a_cell_recovered_by_combining_relations_is_caught_and_protected():
    # three published totals over three masked cells, two by two: every relation has two unknowns (the
    # row-and-column rule is satisfied) yet x = (T1 + T2 − T3) / 2 = 3
    values = {"x": 3, "y": 10, "z": 20, "T1": 13, "T2": 23, "T3": 30, "w": 40, "T4": 73}
    relations = [["T1", "x", "y"], ["T2", "x", "z"], ["T3", "y", "z"], ["T4", "T1", "T2", "w"]]
    hidden = complementary_suppression(values, {"x"}, relations)
    assert hidden == {"x", "y", "z"}
    constraints = [audit.total_of(r[0], r[1:]) for r in relations]
    leaks = audit.unprotected(values, hidden, constraints, protection=4)
    assert set(leaks) == {"x", "y", "z"} and leaks["x"] == (3.0, 3.0)
    secured = audit.secure(values, hidden, constraints, protection=4)
    assert secured > hidden
    assert audit.unprotected(values, secured, constraints, protection=4) == {}
    # deterministic, whatever the order the relations come in
    again = audit.secure(values, hidden, list(reversed(constraints)), protection=4)
    assert again == secured


def test_a_narrow_range_is_not_enough():
    # x + y = 3 with both masked: x is in [0, 3], fewer than 5 possible values
    values = {"x": 1, "y": 2, "T": 3, "z": 30, "U": 33}
    constraints = [audit.total_of("T", ["x", "y"]), audit.total_of("U", ["T", "z"])]
    assert set(audit.unprotected(values, {"x", "y"}, constraints, protection=4)) == {"x", "y"}
    assert audit.unprotected(values, {"x", "y"}, constraints, protection=2) == {}
    secured = audit.secure(values, {"x", "y"}, constraints, protection=4)
    assert audit.unprotected(values, secured, constraints, protection=4) == {}


def test_a_masked_zero_forced_by_a_zero_total_is_shown():
    values = {"x": 0, "y": 0, "T": 0}
    secured = audit.secure(values, {"x", "y"}, [audit.total_of("T", ["x", "y"])], protection=4)
    assert secured == set()


# --- random small populations, through the evaluation's own cells ----------------------------------------

MEASURES = ("completed", "dropped_out", "positive_exits", "gain_n", "improved", "repeated")


def _random_cells(rng: random.Random) -> dict[tuple[str, tuple], Cell]:
    """Steps drawn one by one into (partner, service, agreement, bassin, quarter, score), summed into
    every dimension as the SQL does (people = entries − repeats within the cell)."""
    partners = [f"P{i}" for i in range(rng.randint(2, 5))]
    cells: dict[tuple[str, tuple], Cell] = {}
    seen: dict[tuple[str, tuple], set] = {}
    for person in range(rng.randint(15, 70)):
        for _ in range(rng.choice((1, 1, 2))):
            partner = rng.choice(partners)
            service = rng.choice((f"{partner}s1", f"{partner}s2", None))
            agreement = rng.choice((f"{partner}a", None))
            bassin = rng.choice(("Mons", "Liège", None))
            period = 20250 + rng.randint(1, 4)
            score = rng.choice((0, 1, 5, 8, -1))
            status = rng.choice(("ongoing", "completed", "completed", "dropped_out"))
            ended = status != "ongoing"
            positive = ended and rng.random() < 0.4
            gain = rng.random() < 0.3
            improved = gain and rng.random() < 0.5
            keys = {
                "all": (),
                "partner": (partner,),
                "service": (partner, service),
                "agreement": (partner, agreement),
                "bassin": (bassin,),
                "period": (period,),
                "partner_period": (partner, period),
            }
            for dim, key in keys.items():
                cell = cells.setdefault((dim, key), Cell(dim, key))
                sums = cell.by_score.setdefault(
                    score,
                    dict.fromkeys(("entries", "ended", "days_sum", "days_n", "gain_sum", *MEASURES), 0.0),
                )
                repeat = person in seen.setdefault((dim, key), set())
                seen[(dim, key)].add(person)
                sums["entries"] += 1
                sums["repeated"] += repeat
                sums["completed"] += status == "completed"
                sums["dropped_out"] += status == "dropped_out"
                sums["ended"] += ended
                sums["positive_exits"] += positive
                sums["gain_n"] += gain
                sums["gain_sum"] += 1.0 if improved else 0.0
                sums["improved"] += improved
    for cell in cells.values():
        for sums in cell.by_score.values():
            sums["people"] = sums["entries"] - sums["repeated"]
    return cells


def test_every_masked_count_of_random_small_populations_admits_several_whole_values():
    rng = random.Random(19)
    masked_total = 0
    for _ in range(5):
        cells = _random_cells(rng)
        published = assemble(cells, POLICY, 2025, AS_OF, {}, {})
        truth = truth_of(
            assemble(cells, replace(POLICY, min_cell=1, protection_range=0), 2025, AS_OF, {}, {})
        )
        assert masked_cells_admitting_one_value(published, truth) == []
        masked_total += sum(1 for cell in truth if cell not in _shown(published))
    assert masked_total > 400  # the populations are small enough to mask a lot


def test_the_exact_attack_finds_a_count_the_published_figures_determine():
    """The attack the tests above run can fail: mask one count of a fully published evaluation (the overall
    completed steps, which ended − dropped out and the partners' rows give back) and it names that count."""
    cells = _random_cells(random.Random(19))
    evaluation = assemble(cells, replace(POLICY, min_cell=1, protection_range=0), 2025, AS_OF, {}, {})
    truth = truth_of(evaluation)
    leaked = copy.deepcopy(evaluation)
    leaked["overall"]["completed"] = None
    assert masked_cells_admitting_one_value(leaked, truth) == [("all", None, "completed")]


def _shown(published) -> set:
    from tests.unit.cadastre.exact_attack import _row_counts, published_rows

    return {
        (table, key, m)
        for table, key, row in published_rows(published)
        for m, v in _row_counts(row).items()
        if v is not None
    }


def test_protection_is_deterministic():
    cells = _random_cells(random.Random(7))
    assert protect(cells, POLICY) == protect(dict(reversed(list(cells.items()))), POLICY)


def test_reference_rates_are_published_only_for_groups_above_the_threshold():
    from coordination.cadastre.evaluation import published_rates
    from coordination.cadastre.stats import BandCounts

    population = {
        "0": BandCounts(40, 20),  # published
        "1": BandCounts(1, 1),  # one person: 1.0 would be their outcome
        "2": BandCounts(4, 0),  # under 5 ended steps
        "3": BandCounts(30, 28),  # two people without an exit: as identifying
        "4": BandCounts(30, 0),  # nobody: a zero identifies nobody
    }
    assert published_rates(population, 5) == {"0": 0.5, "4": 0.0}
