"""Disclosure control: small cells hidden, and complements so nothing is recovered by subtraction."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from coordination.cadastre.evaluation import Cell, assemble, protect
from coordination.cadastre.policy import load_policy
from coordination.cadastre.stats import complementary_suppression, primary_suppression

POLICY = load_policy(Path(__file__).resolve().parents[3] / "policies")


def test_primary_hides_one_to_four_but_not_zero():
    hidden = primary_suppression({"a": 0, "b": 1, "c": 4, "d": 5, "e": 40}, 5)
    assert hidden == {"b", "c"}


def test_a_single_hidden_cell_in_a_published_total_takes_another_with_it():
    values = {"total": 50, "a": 3, "b": 20, "c": 27}
    hidden = complementary_suppression(values, {"a"}, [["total", "a", "b", "c"]])
    assert hidden == {"a", "b"}  # the smallest other non-zero cell
    assert complementary_suppression(values, {"a", "c"}, [["total", "a", "b", "c"]]) == {"a", "c"}


def test_complements_propagate_across_linked_tables():
    # rows = partners, columns = quarters, with margins; hiding P1/Q1 forces a 2×2 rectangle
    values = {"T": 100, "P1": 30, "P2": 70, "Q1": 40, "Q2": 60, "P1Q1": 3, "P1Q2": 27, "P2Q1": 37, "P2Q2": 33}
    relations = [
        ["T", "P1", "P2"],
        ["T", "Q1", "Q2"],
        ["P1", "P1Q1", "P1Q2"],
        ["P2", "P2Q1", "P2Q2"],
        ["Q1", "P1Q1", "P2Q1"],
        ["Q2", "P1Q2", "P2Q2"],
    ]
    hidden = complementary_suppression(values, {"P1Q1"}, relations)
    assert {"P1Q1", "P1Q2", "P2Q1", "P2Q2"} <= hidden
    for relation in relations:  # no published relation has exactly one unknown
        assert sum(1 for cell in relation if cell in hidden) != 1


def _cell(dim, key, people_by_score, positive=0):
    cell = Cell(dim, key)
    for score, n in people_by_score.items():
        cell.by_score[score] = {
            "entries": n, "people": n, "completed": n, "dropped_out": 0, "ended": n,
            "positive_exits": positive if score == next(iter(people_by_score)) else 0,
            "days_sum": 0, "days_n": 0, "gain_sum": 0, "gain_n": 0, "improved": 0,
        }  # fmt: skip
    return cell


def test_a_small_partner_and_its_services_cannot_be_recovered():
    cells = {
        ("all", ()): _cell("all", (), {1: 43}, positive=20),
        ("partner", ("A",)): _cell("partner", ("A",), {1: 20}, positive=10),
        ("partner", ("B",)): _cell("partner", ("B",), {1: 20}, positive=8),
        ("partner", ("C",)): _cell("partner", ("C",), {1: 3}, positive=2),
        ("service", ("A", "s1")): _cell("service", ("A", "s1"), {1: 17}, positive=8),
        ("service", ("A", "s2")): _cell("service", ("A", "s2"), {1: 3}, positive=2),
    }
    hidden = protect(cells, POLICY)
    assert ("partner", ("C",), "entries") in hidden
    assert sum(1 for p in "ABC" if ("partner", (p,), "entries") in hidden) >= 2
    assert ("service", ("A", "s2"), "entries") in hidden
    # no published relation (total = parts, partner = its services) is left with a single unknown
    from coordination.cadastre.evaluation import _relations

    for relation in _relations(cells, POLICY):
        present = [c for c in relation if c[:2] in cells]
        assert sum(1 for c in present if c in hidden) != 1, relation
    figures = assemble(cells, POLICY, 2025, date(2026, 12, 31), {}, {})
    c = next(r for r in figures["partners"] if r["key"] == "C")
    assert c["entries"] is None and c["positive_rate"] is None and c["observed_expected_ratio"] is None
    assert c["verdict"] == "Effectif trop faible pour être publié."
    assert "entries" in c["suppressed"]


def test_small_counts_inside_a_published_cell_are_hidden_with_their_complement():
    cell = _cell("all", (), {1: 40}, positive=3)
    cell.by_score[1]["dropped_out"] = 2
    cell.by_score[1]["completed"] = 38
    hidden = protect({("all", ()): cell}, POLICY)
    assert ("all", (), "positive_exits") in hidden
    assert {("all", (), "dropped_out"), ("all", (), "completed")} <= hidden
    assert ("all", (), "entries") not in hidden
