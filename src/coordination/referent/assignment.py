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


@dataclass
class _Classes:
    """The waiting people grouped by cost row: ``base`` by class key (no previous referent), ``continuity``
    by (class key, previous adviser). ``base_keys`` lists every class key met, in order of appearance."""

    base: dict[tuple, list[Candidate]]
    continuity: dict[tuple, list[Candidate]]
    base_keys: list[tuple]
    volumes: dict[tuple, int]
    """Per class key, everyone who may flow through its hub (its own members and its continuity classes')."""

    @classmethod
    def of(cls, people: Sequence[Candidate], rows: _Rows) -> _Classes:
        base: dict[tuple, list[Candidate]] = defaultdict(list)
        continuity: dict[tuple, list[Candidate]] = defaultdict(list)
        for person in people:
            if person.previous_adviser is not None:
                continuity[(_key(person), person.previous_adviser)].append(person)
            else:
                base[_key(person)].append(person)
            rows.row(_key(person))
        keys = list(dict.fromkeys([_key(p) for p in people]))
        volumes = {key: len(base.get(key, ())) for key in keys}
        for (class_key, _), members in continuity.items():
            volumes[class_key] += len(members)
        return cls(base, continuity, keys, volumes)

    @property
    def continuity_keys(self) -> list[tuple]:
        return list(self.continuity)


class _FlowGraph:
    """The min-cost-flow graph of the module docstring, as arc arrays. Nodes: 0 = sink, 1..n = advisers,
    then one hub per class, then one node per continuity class. Remembers where each class's arcs start,
    to read the flows back."""

    SINK = 0

    def __init__(self, advisers: Sequence[Adviser], classes: _Classes) -> None:
        n_adv = len(advisers)
        self.base_node = {key: 1 + n_adv + i for i, key in enumerate(classes.base_keys)}
        self.cont_node = {
            key: 1 + n_adv + len(classes.base_keys) + i for i, key in enumerate(classes.continuity_keys)
        }
        self.tails: list[np.ndarray] = []
        self.heads: list[np.ndarray] = []
        self.caps: list[np.ndarray] = []
        self.costs: list[np.ndarray] = []
        self.arc_count = 0
        self.class_arc_start: dict[tuple, tuple[int, np.ndarray]] = {}
        self.cont_arc_start: dict[tuple, int] = {}

    def add(self, t, h, c, u) -> None:
        tails = np.atleast_1d(np.asarray(t, dtype=np.int32))
        self.tails.append(tails)
        self.heads.append(np.atleast_1d(np.asarray(h, dtype=np.int32)))
        self.caps.append(np.atleast_1d(np.asarray(c, dtype=np.int64)))
        self.costs.append(np.atleast_1d(np.asarray(u, dtype=np.int64)))
        self.arc_count += len(tails)

    def add_load_arcs(self, advisers: Sequence[Adviser], weights: Weights) -> None:
        for i, adviser in enumerate(advisers):
            for cap, cost in _load_arcs(adviser, weights):
                self.add(1 + i, self.SINK, cap, cost)

    def add_class_arcs(self, classes: _Classes, rows: _Rows, weights: Weights) -> None:
        """Hub → each eligible adviser with room (base cost), and hub → sink ("unassigned")."""
        for key in classes.base_keys:
            eligible, base = rows.row(key)
            targets = np.flatnonzero(eligible & (rows.room > 0))
            volume = classes.volumes[key]
            node = self.base_node[key]
            start = self.arc_count
            self.add(np.full(len(targets), node), 1 + targets, np.full(len(targets), volume), base[targets])
            self.add(node, self.SINK, volume, weights.unassigned)
            self.class_arc_start[key] = (start, targets)

    def add_continuity_arcs(self, classes: _Classes, rows: _Rows, weights: Weights) -> None:
        """Three arcs per continuity class: straight to the previous referent (capacity 0 when they cannot
        take the person back), to the class's hub (the continuity break), to the sink ("unassigned")."""
        for key, members in classes.continuity.items():
            class_key, previous = key
            prev_index = rows.index.get(previous)
            eligible, base = rows.row(class_key)
            usable = prev_index is not None and bool(eligible[prev_index] and rows.room[prev_index] > 0)
            node = self.cont_node[key]
            start = self.arc_count
            if prev_index is None:
                self.add(node, self.SINK, 0, 0)
            else:
                self.add(node, 1 + prev_index, len(members) if usable else 0, int(base[prev_index]))
            self.add(node, self.base_node[class_key], len(members), weights.continuity_break)
            self.add(node, self.SINK, len(members), weights.unassigned)
            self.cont_arc_start[key] = start

    def solve(self, classes: _Classes, total: int, report: Progress):
        """The solved OR-Tools problem and the flow on each arc."""
        from ortools.graph.python import min_cost_flow  # heavy: loaded only when a plan is computed

        smcf = min_cost_flow.SimpleMinCostFlow()
        all_arcs = smcf.add_arcs_with_capacity_and_unit_cost(
            np.concatenate(self.tails),
            np.concatenate(self.heads),
            np.concatenate(self.caps),
            np.concatenate(self.costs),
        )
        keys, cont_keys = classes.base_keys, classes.continuity_keys
        nodes = [self.SINK] + [self.base_node[k] for k in keys] + [self.cont_node[k] for k in cont_keys]
        supplies = (
            [-total]
            + [len(classes.base.get(k, ())) for k in keys]
            + [len(classes.continuity[k]) for k in cont_keys]
        )
        smcf.set_nodes_supplies(np.asarray(nodes, dtype=np.int32), np.asarray(supplies, dtype=np.int64))
        report("Résolution (flot de coût minimum)", 2, 3)
        status = smcf.solve()
        if status != smcf.OPTIMAL:  # cannot happen: every class can drain to the sink through "unassigned"
            raise RuntimeError(f"min cost flow failed with status {status}")
        flows = smcf.flows(all_arcs)
        report("Résolution (flot de coût minimum)", 3, 3)
        return smcf, flows, len(all_arcs)

    def disaggregate(
        self, flows, classes: _Classes, rows: _Rows, advisers: Sequence[Adviser]
    ) -> tuple[dict[Hashable, Hashable], dict[Hashable, UnassignedReason]]:
        """Per-person assignments from the class flows: continuity classes first (straight to the previous
        referent, or queued at the hub), then each hub's queue handed out along its arcs' flows."""
        assignments: dict[Hashable, Hashable] = {}
        unassigned: dict[Hashable, UnassignedReason] = {}
        hub_queue = {key: list(classes.base.get(key, ())) for key in classes.base_keys}
        for key, members in classes.continuity.items():
            start = self.cont_arc_start[key]
            direct, via_hub = int(flows[start]), int(flows[start + 1])
            for person in members[:direct]:
                assignments[person.id] = key[1]
            hub_queue[key[0]].extend(members[direct : direct + via_hub])
            for person in members[direct + via_hub :]:
                unassigned[person.id] = _reason(rows, person)
        for key, queue in hub_queue.items():
            start, targets = self.class_arc_start[key]
            position = 0
            for j, target in enumerate(targets):
                count = int(flows[start + j])
                for person in queue[position : position + count]:
                    assignments[person.id] = advisers[int(target)].id
                position += count
            for person in queue[position:]:
                unassigned[person.id] = _reason(rows, person)
        return assignments, unassigned


def solve_exact(
    people: Sequence[Candidate],
    advisers: Sequence[Adviser],
    weights: Weights = Weights(),
    progress: Progress | None = None,
) -> AssignmentResult:
    """Optimal plan for the model in the module docstring (min-cost flow on aggregated classes)."""
    started = time.perf_counter()
    report = progress or (lambda step, done, total: None)
    rows = _Rows(advisers, weights)
    classes = _Classes.of(people, rows)
    report("Construction du graphe", 0, 3)
    graph = _FlowGraph(advisers, classes)
    graph.add_load_arcs(advisers, weights)
    graph.add_class_arcs(classes, rows, weights)
    graph.add_continuity_arcs(classes, rows, weights)
    report("Construction du graphe", 1, 3)
    if (
        not graph.tails
    ):  # nobody waiting and no adviser: an empty plan (OR-Tools refuses a graph without arcs)
        return AssignmentResult(
            method="min_cost_flow",
            assignments={},
            unassigned={},
            cost=evaluate(people, advisers, {}, weights),
            seconds=time.perf_counter() - started,
            optimal=True,
            stats={"people": 0, "advisers": 0, "classes": 0, "continuity_classes": 0, "arcs": 0},
        )
    smcf, flows, arcs = graph.solve(classes, len(people), report)
    assignments, unassigned = graph.disaggregate(flows, classes, rows, advisers)
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
            "advisers": len(advisers),
            "classes": len(classes.base_keys),
            "continuity_classes": len(classes.continuity),
            "arcs": arcs,
        },
    )
