"""A reader's exact attack on a published evaluation, written from the published figures only.

Independent of :mod:`coordination.cadastre.audit` (which uses linear programming on the internal cells):
here the reader takes the evaluation as published (the JSON the API, pages, PDF and CSV all print), writes
every relation they know between its figures, and asks CP-SAT, in whole numbers, whether each masked count
could take another value than its true one.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ortools.sat.python import cp_model

COUNTS = ("entries", "people", "ended", "completed", "dropped_out", "positive_exits", "gain_n", "improved")
CHILD_TABLES = ("services", "agreements", "partner_periods")


def _row_counts(row: dict[str, Any]) -> dict[str, int | None]:
    counts = {m: row.get(m) for m in COUNTS[:6]}
    progression = row["progression"]
    counts["gain_n"] = progression["assessed_steps"]
    counts["improved"] = progression["improved_steps"]
    share = progression["improved_share"]
    if share is not None and counts["gain_n"]:  # a published share gives the count back
        counts["improved"] = round(share * counts["gain_n"])
    for name, value in row["entrant_mix"].items():
        counts[f"mix_{name}"] = value
    return counts


def published_rows(evaluation: dict[str, Any]) -> list[tuple[str, Any, dict[str, Any]]]:
    rows = [("all", None, evaluation["overall"])] if evaluation["overall"] else []
    for table in ("partners", "bassins", "periods", *CHILD_TABLES):
        for row in evaluation[table]:
            if table == "partner_periods":
                key = (row["partner_id"], row["key"]["period"])
            elif table in CHILD_TABLES:
                key = (row["partner_id"], str(row["key"]))
            else:
                key = str(row["key"])
            rows.append((table, key, row))
    return rows


def masked_cells_admitting_one_value(
    evaluation: dict[str, Any], truth: dict[tuple[str, Any, str], int]
) -> list[tuple[str, Any, str]]:
    """The masked counts for which no other whole value is consistent with everything published.

    ``truth`` gives the true value of every count (table, key, measure), masked or not. The reader's
    relations are written as ``(terms, sense)`` with ``sense`` ``==`` or ``<=`` (``Σ terms ⋚ 0``); each group of
    masked counts linked by relations is solved on its own."""
    rows = published_rows(evaluation)
    published: dict[tuple[str, Any, str], int | None] = {}
    for table, key, row in rows:
        for measure, value in _row_counts(row).items():
            published[(table, key, measure)] = value
    measures = {m for (_, _, m) in published}
    relations: list[tuple[list[tuple[int, Any]], str]] = []

    def rel(plus, minus, sense="=="):
        terms = [(1, c) for c in plus if c in published] + [(-1, c) for c in minus if c in published]
        relations.append((terms, sense))

    by_table = defaultdict(list)
    for table, key, _ in rows:
        by_table[table].append(key)
    for table, key, _ in rows:

        def c(measure, table=table, key=key):
            return (table, key, measure)

        rel([c("ended")], [c("completed"), c("dropped_out")])
        rel([c("entries")], [c(m) for m in sorted(measures) if m.startswith("mix_")])
        for small, big in (
            ("ended", "entries"),
            ("positive_exits", "ended"),
            ("people", "entries"),
            ("gain_n", "entries"),
            ("improved", "gain_n"),
        ):
            rel([c(small)], [c(big)], "<=")
    families = [("all", None, table, list(by_table[table])) for table in ("partners", "bassins", "periods")]
    for table in CHILD_TABLES:
        per_partner = defaultdict(list)
        for key in by_table[table]:
            per_partner[key[0]].append(key)
        families += [("partners", partner, table, keys) for partner, keys in per_partner.items()]
    per_period = defaultdict(list)
    for key in by_table["partner_periods"]:
        per_period[key[1]].append(key)
    families += [("periods", period, "partner_periods", keys) for period, keys in per_period.items()]
    for parent_table, parent, table, keys in families:
        if (parent_table, parent, "entries") not in published or not keys:
            continue
        for measure in measures:
            whole, parts = (parent_table, parent, measure), [(table, k, measure) for k in keys]
            if measure == "people":
                rel([whole], parts, "<=")
                for part in parts:
                    rel([part], [whole], "<=")
            else:
                rel([whole], parts)
    masked = [cell for cell, value in published.items() if value is None]
    groups = _linked(masked, relations, published)
    bound = 1_000_000  # far above any count here: not a piece of knowledge
    determined = []
    for group in groups:
        determined += _without_other_value(group, relations, published, truth, bound)
    return determined


def _without_other_value(group, relations, published, truth, bound) -> list:
    """Whole-number search: repeatedly ask CP-SAT for a solution where as many of the remaining cells as
    possible differ from their true value; those that differ admit two values (theirs and this one). When
    no remaining cell can differ (infeasible, proven), they are determined."""
    members = set(group)
    model = cp_model.CpModel()
    var = {cell: model.NewIntVar(0, bound, repr(cell)) for cell in group}
    for terms, sense in relations:
        if not any(cell in members for _, cell in terms):
            continue
        expression = sum(k * (var[cell] if cell in var else published[cell]) for k, cell in terms)
        model.Add(expression == 0) if sense == "==" else model.Add(expression <= 0)
    differs = {}
    for cell in group:
        differs[cell] = model.NewBoolVar(f"d{len(differs)}")
        model.Add(var[cell] != truth[cell]).OnlyEnforceIf(differs[cell])
    remaining = list(group)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    # A round needs some cells that differ, not the most: any solution removes at least one cell, and only
    # the final INFEASIBLE (proven whatever the gap) says which are determined. Proving each maximum ran into
    # the 10 s limit on the larger groups (20 s of the unit test's 23 s); half the bound is reached at once.
    solver.parameters.relative_gap_limit = 0.5
    while remaining:
        model.ClearAssumptions()
        model.ClearObjective()
        chosen = [differs[cell] for cell in remaining]
        at_least_one = model.NewBoolVar("round")
        model.AddBoolOr(chosen).OnlyEnforceIf(at_least_one)
        model.AddAssumptions([at_least_one])
        model.Maximize(sum(chosen))
        status = solver.Solve(model)
        if status == cp_model.INFEASIBLE:
            return remaining
        assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE), solver.StatusName(status)
        remaining = [cell for cell in remaining if solver.Value(var[cell]) == truth[cell]]
    return []


def _linked(masked, relations, published) -> list[list]:
    """Groups of masked counts that share a relation (union-find)."""
    parent = {cell: cell for cell in masked}

    def find(cell):
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for terms, _ in relations:
        unknown = [cell for _, cell in terms if published.get(cell, 0) is None]
        for other in unknown[1:]:
            parent[find(other)] = find(unknown[0])
    groups = defaultdict(list)
    for cell in masked:
        groups[find(cell)].append(cell)
    return list(groups.values())


def truth_of(evaluation_unprotected: dict[str, Any]) -> dict[tuple[str, Any, str], int]:
    """The true counts, read from an evaluation computed without masking (``min_cell`` 1)."""
    return {
        (table, key, measure): value
        for table, key, row in published_rows(evaluation_unprotected)
        for measure, value in _row_counts(row).items()
    }
