"""Bulk assignment of unassigned people to advisers: an exact min-cost-flow solver and a greedy baseline.

The model (what "best" means)
-----------------------------
A person ``p`` may go to an adviser ``a`` only if ``a`` serves ``p``'s track (hard rule) and has room
(``capacity - load``, hard rule). Otherwise the cost of the whole plan is the sum of:

* per assigned pair, with :class:`Weights` ``w``:
  ``w.cluster_mismatch`` if ``p`` has a sector cluster (grappe) different from ``a``'s,
  ``+ w.bassin_mismatch`` if ``p``'s bassin is not among those ``a`` covers,
  ``+ w.language_mismatch`` if ``a`` does not speak ``p``'s language,
  ``+ w.continuity_break`` if ``p`` had a previous referent and ``a`` is not that referent;
* load balance, per adviser: the ``k``-th person of a portfolio of capacity ``C`` costs
  ``round(w.load * k / C)`` (people already in the portfolio are sunk, only new seats are paid). This
  marginal cost never decreases with ``k`` (convex), so spreading people is cheaper than filling one adviser;
* ``w.unassigned`` for each person left unassigned (by default far above any assignment's cost, so
  somebody is left out only when every adviser able to take them is full).

The exact solver
----------------
Min-cost flow (OR-Tools ``SimpleMinCostFlow``, integer costs, optimal):
``class → adviser → sink``, where the adviser→sink link is a bundle of parallel arcs, one per distinct
marginal load cost (convexity makes the cheaper seats fill first, so the flow cost equals the model cost).

Tractability without losing optimality (50,000 people × 1,000 advisers would be 50 M arcs):

1. *Classes.* The cost row of a person without a previous referent depends only on
   ``(track, cluster, bassin, language)``. People with the same key are interchangeable, so they form one
   node whose supply is their count; the arc class→adviser has capacity = count. Any integral flow
   decomposes into per-person assignments of exactly the same cost, and vice versa, so the optimum is
   unchanged. There are at most ``#tracks × #clusters × #bassins × #languages`` classes (≈ 1,000).
2. *Continuity.* A person with a previous referent ``r`` has the row ``base + w.continuity_break`` except at
   ``r`` where it is ``base``. Their class ``(key, r)`` gets two arcs only: one straight to ``r`` at
   ``base[r]``, one to the base class node at ``w.continuity_break`` (then on to any adviser at
   ``base[a]``), and its own "unassigned" arc. Every path costs at least the true cost of the assignment it encodes, and each assignment
   has a path of exactly its cost, so the optimum is unchanged; in an optimal flow no such person goes
   through the base node to ``r`` (the direct arc is cheaper by ``w.continuity_break``), so the
   disaggregated plan costs exactly the flow's optimum. The total is recomputed per person by
   :func:`evaluate`, never taken from the solver.

The greedy baseline takes people in the given order and gives each the cheapest adviser with room
(pair cost + next seat's load cost).
"""

from __future__ import annotations

import enum
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

Progress = Callable[[str, int, int], None]
"""``progress(step, done, total)`` — for a progress bar; steps are French labels."""


@dataclass(frozen=True)
class Weights:
    cluster_mismatch: int = 40
    bassin_mismatch: int = 30
    language_mismatch: int = 60
    continuity_break: int = 20
    load: int = 20
    unassigned: int = 10_000


@dataclass(frozen=True)
class Candidate:
    """A person waiting for a referent."""

    id: Hashable
    track: str
    language: str = "fr"
    bassin: str | None = None
    cluster: str | None = None
    previous_adviser: Hashable | None = None


@dataclass(frozen=True)
class Adviser:
    id: Hashable
    tracks: frozenset[str]
    capacity: int
    load: int = 0
    cluster: str | None = None
    bassins: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset({"fr"})

    @property
    def room(self) -> int:
        return max(self.capacity - self.load, 0)


class UnassignedReason(enum.StrEnum):
    NO_ADVISER_FOR_TRACK = "no_adviser_for_track"
    CAPACITY_EXHAUSTED = "capacity_exhausted"


REASONS_FR = {
    UnassignedReason.NO_ADVISER_FOR_TRACK: "Aucun conseiller actif ne prend en charge ce parcours.",
    UnassignedReason.CAPACITY_EXHAUSTED: "Tous les conseillers de ce parcours ont atteint leur capacité.",
}


@dataclass(frozen=True)
class CostBreakdown:
    cluster: int = 0
    bassin: int = 0
    language: int = 0
    continuity: int = 0
    load: int = 0
    unassigned: int = 0

    @property
    def total(self) -> int:
        return self.cluster + self.bassin + self.language + self.continuity + self.load + self.unassigned


@dataclass
class AssignmentResult:
    method: str
    assignments: dict[Hashable, Hashable]
    unassigned: dict[Hashable, UnassignedReason]
    cost: CostBreakdown
    seconds: float
    optimal: bool = False
    stats: dict[str, int] = field(default_factory=dict)


def marginal_load_cost(k: int, capacity: int, weights: Weights) -> int:
    """Cost of the ``k``-th seat (1-based) of a portfolio of ``capacity``: ``round(w.load * k / C)``."""
    return (2 * weights.load * k + capacity) // (2 * capacity)


def pair_cost(person: Candidate, adviser: Adviser, weights: Weights) -> int:
    cost = 0
    if person.cluster is not None and person.cluster != adviser.cluster:
        cost += weights.cluster_mismatch
    if person.bassin is not None and person.bassin not in adviser.bassins:
        cost += weights.bassin_mismatch
    if person.language not in adviser.languages:
        cost += weights.language_mismatch
    if person.previous_adviser is not None and person.previous_adviser != adviser.id:
        cost += weights.continuity_break
    return cost


def evaluate(
    people: Sequence[Candidate],
    advisers: Sequence[Adviser],
    assignments: dict[Hashable, Hashable],
    weights: Weights,
) -> CostBreakdown:
    """The model's cost of a plan, recomputed person by person. Raises if the plan breaks a hard rule."""
    by_id = {a.id: a for a in advisers}
    parts = dict.fromkeys(("cluster", "bassin", "language", "continuity", "load", "unassigned"), 0)
    seats: dict[Hashable, int] = defaultdict(int)
    for person in people:
        adviser_id = assignments.get(person.id)
        if adviser_id is None:
            parts["unassigned"] += weights.unassigned
            continue
        adviser = by_id[adviser_id]
        if person.track not in adviser.tracks:
            raise ValueError(f"{person.id} assigned to {adviser_id}, who does not serve {person.track}")
        seats[adviser_id] += 1
        if person.cluster is not None and person.cluster != adviser.cluster:
            parts["cluster"] += weights.cluster_mismatch
        if person.bassin is not None and person.bassin not in adviser.bassins:
            parts["bassin"] += weights.bassin_mismatch
        if person.language not in adviser.languages:
            parts["language"] += weights.language_mismatch
        if person.previous_adviser is not None and person.previous_adviser != adviser.id:
            parts["continuity"] += weights.continuity_break
    for adviser_id, count in seats.items():
        adviser = by_id[adviser_id]
        if count > adviser.room:
            raise ValueError(f"{adviser_id} over capacity ({adviser.load}+{count} > {adviser.capacity})")
        parts["load"] += sum(
            marginal_load_cost(k, adviser.capacity, weights)
            for k in range(adviser.load + 1, adviser.load + count + 1)
        )
    return CostBreakdown(**parts)


class _Rows:
    """Vectorised cost rows over all advisers, cached per class key."""

    def __init__(self, advisers: Sequence[Adviser], weights: Weights) -> None:
        self.advisers = advisers
        self.weights = weights
        self.index = {a.id: i for i, a in enumerate(advisers)}
        self.room = np.array([a.room for a in advisers], dtype=np.int64)
        self._masks: dict[tuple[str, object], np.ndarray] = {}
        self._rows: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def _mask(self, kind: str, value: object) -> np.ndarray:
        key = (kind, value)
        if key not in self._masks:
            test = {
                "track": lambda a: value in a.tracks,
                "cluster": lambda a: a.cluster == value,
                "bassin": lambda a: value in a.bassins,
                "language": lambda a: value in a.languages,
            }[kind]
            self._masks[key] = np.fromiter(
                (test(a) for a in self.advisers), dtype=bool, count=len(self.advisers)
            )
        return self._masks[key]

    def row(self, key: tuple) -> tuple[np.ndarray, np.ndarray]:
        """(eligible mask by track, base cost without continuity) for ``(track, cluster, bassin, language)``."""
        if key not in self._rows:
            track, cluster, bassin, language = key
            w = self.weights
            cost = np.zeros(len(self.advisers), dtype=np.int64)
            if cluster is not None:
                cost += w.cluster_mismatch * ~self._mask("cluster", cluster)
            if bassin is not None:
                cost += w.bassin_mismatch * ~self._mask("bassin", bassin)
            cost += w.language_mismatch * ~self._mask("language", language)
            self._rows[key] = (self._mask("track", track), cost)
        return self._rows[key]


def _key(person: Candidate) -> tuple:
    return (person.track, person.cluster, person.bassin, person.language)


def _reason(rows: _Rows, person: Candidate) -> UnassignedReason:
    eligible, _ = rows.row(_key(person))
    if not eligible.any():
        return UnassignedReason.NO_ADVISER_FOR_TRACK
    return UnassignedReason.CAPACITY_EXHAUSTED


def solve_greedy(
    people: Sequence[Candidate], advisers: Sequence[Adviser], weights: Weights = Weights()
) -> AssignmentResult:
    started = time.perf_counter()
    rows = _Rows(advisers, weights)
    capacity = np.array([max(a.capacity, 1) for a in advisers], dtype=np.int64)
    seats = np.array([a.load for a in advisers], dtype=np.int64)
    room = rows.room.copy()
    assignments: dict[Hashable, Hashable] = {}
    unassigned: dict[Hashable, UnassignedReason] = {}
    big = np.iinfo(np.int64).max // 4
    # the next seat's load cost of each adviser, and who still has room: updated for the one adviser
    # chosen, not recomputed over every adviser for every person (50,000 people: 2 s → 0.3 s)
    seat_cost = (2 * weights.load * (seats + 1) + capacity) // (2 * capacity)
    closed = np.where(room > 0, 0, big)
    for person in people:
        eligible, base = rows.row(_key(person))
        cost = base + seat_cost + closed
        if person.previous_adviser is not None:
            cost += weights.continuity_break
            prev = rows.index.get(person.previous_adviser)
            if prev is not None:
                cost[prev] -= weights.continuity_break
        cost[~eligible] = big
        best = int(np.argmin(cost))
        if cost[best] >= big:
            unassigned[person.id] = _reason(rows, person)
            continue
        assignments[person.id] = advisers[best].id
        seats[best] += 1
        room[best] -= 1
        seat_cost[best] = (2 * weights.load * (seats[best] + 1) + capacity[best]) // (2 * capacity[best])
        if room[best] <= 0:
            closed[best] = big
    return AssignmentResult(
        method="greedy",
        assignments=assignments,
        unassigned=unassigned,
        cost=evaluate(people, advisers, assignments, weights),
        seconds=time.perf_counter() - started,
    )


def _load_arcs(adviser: Adviser, weights: Weights) -> list[tuple[int, int]]:
    """(capacity, unit cost) of the parallel adviser→sink arcs: runs of seats with equal marginal cost."""
    arcs: list[tuple[int, int]] = []
    for k in range(adviser.load + 1, adviser.capacity + 1):
        cost = marginal_load_cost(k, adviser.capacity, weights)
        if arcs and arcs[-1][1] == cost:
            arcs[-1] = (arcs[-1][0] + 1, cost)
        else:
            arcs.append((1, cost))
    return arcs


def solve_exact(
    people: Sequence[Candidate],
    advisers: Sequence[Adviser],
    weights: Weights = Weights(),
    progress: Progress | None = None,
) -> AssignmentResult:
    """Optimal plan for the model in the module docstring (min-cost flow on aggregated classes)."""
    from ortools.graph.python import min_cost_flow

    started = time.perf_counter()
    report = progress or (lambda step, done, total: None)
    rows = _Rows(advisers, weights)
    n_adv = len(advisers)

    base_members: dict[tuple, list[Candidate]] = defaultdict(list)
    cont_members: dict[tuple, list[Candidate]] = defaultdict(list)
    for person in people:
        if person.previous_adviser is not None:
            cont_members[(_key(person), person.previous_adviser)].append(person)
        else:
            base_members[_key(person)].append(person)
        rows.row(_key(person))
    base_keys = list(dict.fromkeys([_key(p) for p in people]))
    report("Construction du graphe", 0, 3)

    # nodes: 0 = sink, 1..n_adv = advisers, then base classes, then continuity classes
    sink = 0
    base_node = {key: 1 + n_adv + i for i, key in enumerate(base_keys)}
    cont_keys = list(cont_members)
    cont_node = {key: 1 + n_adv + len(base_keys) + i for i, key in enumerate(cont_keys)}
    tails: list[np.ndarray] = []
    heads: list[np.ndarray] = []
    caps: list[np.ndarray] = []
    costs: list[np.ndarray] = []

    def add(t, h, c, u) -> None:
        tails.append(np.atleast_1d(np.asarray(t, dtype=np.int32)))
        heads.append(np.atleast_1d(np.asarray(h, dtype=np.int32)))
        caps.append(np.atleast_1d(np.asarray(c, dtype=np.int64)))
        costs.append(np.atleast_1d(np.asarray(u, dtype=np.int64)))

    for i, adviser in enumerate(advisers):
        for cap, cost in _load_arcs(adviser, weights):
            add(1 + i, sink, cap, cost)
    n_load_arcs = sum(len(t) for t in tails)

    volumes = {key: len(base_members.get(key, ())) for key in base_keys}
    for (class_key, _), members in cont_members.items():
        volumes[class_key] += len(members)
    class_arc_start: dict[tuple, tuple[int, np.ndarray]] = {}
    arc_count = n_load_arcs
    for key in base_keys:
        eligible, base = rows.row(key)
        targets = np.flatnonzero(eligible & (rows.room > 0))
        volume = volumes[key]
        node = base_node[key]
        add(np.full(len(targets), node), 1 + targets, np.full(len(targets), volume), base[targets])
        add(node, sink, volume, weights.unassigned)
        class_arc_start[key] = (arc_count, targets)
        arc_count += len(targets) + 1
    cont_arc_start: dict[tuple, int] = {}
    for key in cont_keys:
        members = cont_members[key]
        class_key, previous = key
        prev_index = rows.index.get(previous)
        eligible, base = rows.row(class_key)
        usable = prev_index is not None and bool(eligible[prev_index] and rows.room[prev_index] > 0)
        node = cont_node[key]
        # arc 0: straight to the previous referent (capacity 0 when they cannot take the person back)
        if prev_index is None:
            add(node, sink, 0, 0)
        else:
            add(node, 1 + prev_index, len(members) if usable else 0, int(base[prev_index]))
        add(node, base_node[class_key], len(members), weights.continuity_break)
        add(node, sink, len(members), weights.unassigned)
        cont_arc_start[key] = arc_count
        arc_count += 3
    report("Construction du graphe", 1, 3)
    if not tails:  # nobody waiting and no adviser: an empty plan (OR-Tools refuses a graph without arcs)
        return AssignmentResult(
            method="min_cost_flow",
            assignments={},
            unassigned={},
            cost=evaluate(people, advisers, {}, weights),
            seconds=time.perf_counter() - started,
            optimal=True,
            stats={"people": 0, "advisers": 0, "classes": 0, "continuity_classes": 0, "arcs": 0},
        )

    smcf = min_cost_flow.SimpleMinCostFlow()
    all_arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails), np.concatenate(heads), np.concatenate(caps), np.concatenate(costs)
    )
    supply_nodes = [sink] + [base_node[k] for k in base_keys] + [cont_node[k] for k in cont_keys]
    supplies = (
        [-len(people)]
        + [len(base_members.get(k, ())) for k in base_keys]
        + [len(cont_members[k]) for k in cont_keys]
    )
    smcf.set_nodes_supplies(np.asarray(supply_nodes, dtype=np.int32), np.asarray(supplies, dtype=np.int64))
    report("Résolution (flot de coût minimum)", 2, 3)
    status = smcf.solve()
    if status != smcf.OPTIMAL:  # cannot happen: every class can drain to the sink through "unassigned"
        raise RuntimeError(f"min cost flow failed with status {status}")
    flows = smcf.flows(all_arcs)
    report("Résolution (flot de coût minimum)", 3, 3)

    assignments: dict[Hashable, Hashable] = {}
    unassigned: dict[Hashable, UnassignedReason] = {}
    hub_queue: dict[tuple, list[Candidate]] = {key: list(base_members.get(key, ())) for key in base_keys}
    for key in cont_keys:
        start = cont_arc_start[key]
        direct, via_hub = int(flows[start]), int(flows[start + 1])
        members = cont_members[key]
        for person in members[:direct]:
            assignments[person.id] = key[1]
        hub_queue[key[0]].extend(members[direct : direct + via_hub])
        for person in members[direct + via_hub :]:
            unassigned[person.id] = _reason(rows, person)
    for key in base_keys:
        start, targets = class_arc_start[key]
        queue = hub_queue[key]
        position = 0
        for j, target in enumerate(targets):
            count = int(flows[start + j])
            for person in queue[position : position + count]:
                assignments[person.id] = advisers[int(target)].id
            position += count
        for person in queue[position:]:
            unassigned[person.id] = _reason(rows, person)
    breakdown = evaluate(people, advisers, assignments, weights)  # not ``cost``: an int arc cost above
    if breakdown.total != smcf.optimal_cost():  # the proof in the docstring, checked on every run
        raise RuntimeError(f"disaggregated cost {breakdown.total} != flow optimum {smcf.optimal_cost()}")
    return AssignmentResult(
        method="min_cost_flow",
        assignments=assignments,
        unassigned=unassigned,
        cost=breakdown,
        seconds=time.perf_counter() - started,
        optimal=True,
        stats={
            "people": len(people),
            "advisers": n_adv,
            "classes": len(base_keys),
            "continuity_classes": len(cont_keys),
            "arcs": int(len(all_arcs)),
        },
    )
