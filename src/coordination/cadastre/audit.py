"""Disclosure audit: no masked figure may be pinned down by all the published figures taken together.

Complementary suppression by rows and columns (:func:`.stats.complementary_suppression`) only makes sure no
single published relation is left with exactly one masked cell. A reader holding *every* published figure of
a year can still combine relations (12 − 4 − 5 = 3 across two tables), as statistical offices know; they
audit a table by linear programming (τ-ARGUS's "audit", Cox's interval attack): for each masked cell, the
smallest and largest value it can take given every published figure and every relation a reader knows
(sums, "ended ≤ entries", non-negativity). Here:

* the reader's knowledge is a list of linear constraints over cells (``total = Σ parts`` and
  ``Σ left ≤ Σ right``), published cells being constants and masked cells unknowns ``≥ 0``;
* a masked cell is *protected* when it admits two whole values at least and, for a *sensitive* cell (a
  small count, the reason for masking), when its feasible range ``[lo, hi]`` has ``hi − lo ≥ protection``
  (never "determined exactly or within a narrow interval"); the evaluation takes ``min_cell − 2``: the
  mask already says "from 1 to min_cell − 1", and the reader must not learn more than that;
* a masked cell that the published figures force to 0 (its total is 0) is shown: the reader knows it
  already and a zero identifies nobody;
* any other cell that fails gets a secondary suppression: the published cell of smallest value (zeros
  first: they cost the reader nothing; then by key, so the result is deterministic) among those sharing a
  relation with it, else with its group of masked cells.

Masking one more figure only removes a constant from the reader's system, so a cell's range can only widen:
a cell that passed stays protected, and only failing cells are solved again. Each check is solved on the
*component* of masked cells linked to it by constraints (usually a handful of unknowns), with OR-Tools' GLOP
(linear programming, warm-started between the minimum and the maximum). Sums of counts over hierarchies and
two-way tables have integral vertices; the disclosure test checks the integer ranges exactly (CP-SAT).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any  # cells are any hashable keys: `Mapping[Any, int]`, as Mapping is invariant in its key

from ortools.linear_solver import linear_solver_pb2, pywraplp

EQ, LE = "==", "<="
WIDENING_TRIALS = 6


@dataclass(frozen=True)
class Constraint:
    """``Σ coef · cell  (== or <=)  0``."""

    terms: tuple[tuple[Hashable, int], ...]
    sense: str


def total_of(total: Hashable, parts: Iterable[Hashable]) -> Constraint:
    """``total = Σ parts``."""
    return Constraint(((total, 1), *((p, -1) for p in parts)), EQ)


def at_most(left: Iterable[Hashable], right: Iterable[Hashable]) -> Constraint:
    """``Σ left ≤ Σ right``."""
    return Constraint((*((c, 1) for c in left), *((c, -1) for c in right)), LE)


@dataclass
class Audit:
    """The reader's system and the cells masked so far."""

    values: Mapping[Any, int]
    constraints: list[Constraint]
    protection: int
    hidden: set = field(default_factory=set)
    sensitive: set = field(default_factory=set)
    """The primary cells (small counts): they need ``protection``; any other masked cell needs two values."""
    shown_zeros: set = field(default_factory=set)
    """Masked cells found forced to 0 and shown; never masked again (so the search ends)."""
    rank: Callable[[Any], Any] = repr
    """A total order on cells made of what they mean (a partner's name, a measure), never of ids: every
    choice and every solver's variable order follows it, so the masking is the same whatever the ids and
    whatever the order the rows came in."""

    def __post_init__(self) -> None:
        # one rank per cell, computed once; the constraints and their terms in that order, so that the
        # linear programs (rows, columns) are the same whatever order the caller built them in
        ranks = {c: self.rank(c) for c in self.values}
        self.rank = ranks.__getitem__
        canonical = (
            Constraint(
                tuple(sorted(((c, k) for c, k in con.terms if c in ranks), key=lambda t: ranks[t[0]])),
                con.sense,
            )
            for con in self.constraints
        )
        self.constraints = sorted(
            (con for con in canonical if con.terms),
            key=lambda con: (con.sense, [(ranks[c], k) for c, k in con.terms]),
        )
        self.by_cell: dict[Hashable, list[int]] = {}
        for index, con in enumerate(self.constraints):
            for cell, _ in con.terms:
                self.by_cell.setdefault(cell, []).append(index)

    # --- the reader's view -------------------------------------------------------------------------

    def component(self, cell: Hashable) -> tuple[list[Hashable], list[int]]:
        """The masked cells linked to ``cell`` through constraints, and those constraints."""
        seen, used = {cell}, set()
        queue = deque([cell])
        while queue:
            current = queue.popleft()
            for index in self.by_cell.get(current, ()):
                if index in used:
                    continue
                used.add(index)
                for other, _ in self.constraints[index].terms:
                    if other in self.hidden and other not in seen:
                        seen.add(other)
                        queue.append(other)
        return sorted(seen, key=self.rank), sorted(used)

    def solver_for(self, cell: Hashable) -> _Component:
        return _Component(self, *self.component(cell))

    def interval(self, cell: Hashable) -> tuple[float, float]:
        """Smallest and largest value of ``cell`` consistent with everything published (LP bounds)."""
        return self.solver_for(cell).interval(cell, binding=False)

    def protected(self, cell: Hashable, bounds: tuple[float, float] | None = None) -> bool:
        lo, hi = bounds or self.interval(cell)
        if math.isinf(hi):
            return True
        needed = self.protection if cell in self.sensitive else 1
        return math.floor(hi + 1e-6) - math.ceil(lo - 1e-6) >= needed

    # --- secondary suppression ---------------------------------------------------------------------

    def _cost(self, cell: Hashable) -> tuple:
        """What masking ``cell`` costs the reader: its value (zeros first), then the stable rank."""
        return (self.values[cell], self.rank(cell))

    def _candidate(self, cell: Hashable) -> Hashable | None:
        _, used = self.component(cell)
        direct = set(self.by_cell.get(cell, ()))

        def published(indices, sense=None):
            return {
                c
                for index in indices
                if sense is None or self.constraints[index].sense == sense
                for c, _ in self.constraints[index].terms
                if c not in self.hidden and c not in self.shown_zeros
            }

        for pool in (
            published(direct, EQ),
            published(used, EQ),
            published(direct),
            published(used),
        ):
            if pool:
                return min(pool, key=self._cost)
        return None

    def _widening(self, cell: Hashable, bounds: tuple[float, float], binding: set[int]) -> Hashable | None:
        """The first published cell (smallest value first) of a constraint that binds the cell's range
        (non-zero dual) whose masking actually widens that range; else the smallest non-zero such cell."""
        pool = sorted(
            {
                c
                for index in binding
                for c, _ in self.constraints[index].terms
                if c not in self.hidden and c not in self.shown_zeros
            },
            key=self._cost,
        )
        width = bounds[1] - bounds[0]
        for candidate in pool[:WIDENING_TRIALS]:
            self.hidden.add(candidate)
            lo, hi = self.interval(cell)
            self.hidden.discard(candidate)
            if hi - lo > width + 1e-6:
                return candidate
        # none widens alone (the cell is pinned along several paths): mask the smallest non-zero figure
        # that pins it, and look again
        nonzero = [c for c in pool if self.values[c] > 0]
        return (nonzero or pool or [None])[0]

    def secure(self) -> set:
        """Mask more cells until every masked cell is protected; returns the masked set.

        One linear program per component of masked cells, re-used for each of its pending cells (only the
        objective changes); rebuilt only when a secondary suppression changes the component."""
        pending = sorted(self.hidden, key=self.rank)
        while pending:
            component = self.solver_for(pending[0])
            retry = []
            for index, cell in enumerate(pending):
                if cell not in component.variables:
                    retry.append(cell)
                    continue
                bounds = component.interval(cell)
                if self.protected(cell, bounds):
                    continue
                if bounds[1] < 0.5:
                    # forced to zero by published figures (a total of 0): the reader knows it already, and
                    # a zero identifies nobody; masking it protects nothing, so it is shown (the program
                    # stays valid: the unknown was 0 in every solution)
                    self.hidden.discard(cell)
                    self.shown_zeros.add(cell)
                    continue
                extra = self._widening(cell, bounds, component.binding) or self._candidate(cell)
                if extra is None:  # everything it touches is masked already: nothing more to do
                    continue
                self.hidden.add(extra)
                retry = [cell, extra, *retry, *pending[index + 1 :]]
                break
            pending = retry
        return self.hidden


class _Component:
    """The linear program of one component of masked cells (GLOP), built once."""

    def __init__(self, audit: Audit, cells: list[Hashable], used: list[int]) -> None:
        self.audit = audit
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        infinity = self.solver.infinity()
        self.variables = {c: self.solver.NumVar(0.0, infinity, f"x{i}") for i, c in enumerate(cells)}
        self.rows: dict[int, Any] = {}
        self._binding_at_minimum: set[int] = set()
        self._maximum_solved = False
        for index in used:
            con = audit.constraints[index]
            constant = sum(k * audit.values[c] for c, k in con.terms if c not in self.variables)
            row = self.solver.Constraint(-constant if con.sense == EQ else -infinity, -constant)
            self.rows[index] = row
            for c, k in con.terms:
                if c in self.variables:
                    row.SetCoefficient(self.variables[c], row.GetCoefficient(self.variables[c]) + k)
        self.positions = {index: row.index() for index, row in self.rows.items()}
        """Each constraint's row in the solver's solution."""

    def interval(self, cell: Hashable, *, binding: bool = True) -> tuple[float, float]:
        """The cell's bounds: the minimum, then the maximum warm-started from it. The constraints that bind
        (:attr:`binding`) are read from the duals of both solves: those of the minimum now (the second
        solve replaces them), those of the maximum only if asked (most cells pass, and reading every
        row's dual was a quarter of the audit's time); ``binding=False``: none, they will not be asked."""
        target = self.variables[cell]
        objective = self.solver.Objective()
        objective.Clear()
        objective.SetCoefficient(target, 1)
        bounds = []
        self._binding_at_minimum = set()
        self._maximum_solved = False
        for maximise in (False, True):
            objective.SetMaximization() if maximise else objective.SetMinimization()
            status = self.solver.Solve()
            if status == pywraplp.Solver.UNBOUNDED:
                bounds.append(math.inf)
            elif status == pywraplp.Solver.OPTIMAL:
                bounds.append(target.solution_value())
                if maximise:
                    self._maximum_solved = binding
                elif binding:
                    self._binding_at_minimum = self._binding_now()
            else:  # cannot happen with true values; be safe: count it as disclosed
                bounds.append(float(self.audit.values[cell]))
        return bounds[0], bounds[1]

    def _binding_now(self) -> set[int]:
        """The constraints with a non-zero dual in the last solution, read at once (one call instead of
        one per row: the programs have hundreds of rows)."""
        response = linear_solver_pb2.MPSolutionResponse()
        self.solver.FillSolutionResponseProto(response)
        duals = response.dual_value
        return {i for i, position in self.positions.items() if abs(duals[position]) > 1e-9}

    @property
    def binding(self) -> set[int]:
        """Constraints with a non-zero dual at the last bounds: the published figures that pin the cell.
        Valid until this program is solved again."""
        if self._maximum_solved:
            return self._binding_at_minimum | self._binding_now()
        return set(self._binding_at_minimum)


def secure(
    values: Mapping[Any, int],
    hidden: set,
    constraints: list[Constraint],
    protection: int,
    sensitive: set | None = None,
    rank: Callable[[Any], Any] = repr,
) -> set:
    """The masked set, grown from ``hidden`` until the audit passes (deterministic: every choice follows
    ``rank``). ``sensitive`` (default: every masked cell) need a range of ``protection``; the other masked
    cells two values at least."""
    if not hidden:
        return set()  # nothing masked: nothing to protect
    sensitive = set(hidden) if sensitive is None else set(sensitive)
    key = _inputs_digest(values, hidden, constraints, protection, sensitive, rank)
    with _SECURED_LOCK:
        found = _SECURED.get(key)
        if found is not None:
            _SECURED.move_to_end(key)
            return set(found)
    result = Audit(values, constraints, protection, set(hidden), sensitive, rank=rank).secure()
    with _SECURED_LOCK:
        _SECURED[key] = frozenset(result)
        while len(_SECURED) > SECURED_KEPT:
            _SECURED.popitem(last=False)
    return result


SECURED_KEPT = 16
"""Audits kept (their inputs' digest and masked set): the audit of a year is a second of linear programs,
and every page, the JSON, the CSV and the PDF of that year ask for it again with the same figures."""
_SECURED: OrderedDict[bytes, frozenset] = OrderedDict()
_SECURED_LOCK = threading.Lock()


def forget_audits() -> None:
    """Empty the cache of audits: for a measurement of the whole computation (``bench/cadastre``)."""
    with _SECURED_LOCK:
        _SECURED.clear()


def _inputs_digest(
    values: Mapping[Any, int],
    hidden: set,
    constraints: list[Constraint],
    protection: int,
    sensitive: set,
    rank: Callable[[Any], Any],
) -> bytes:
    """Everything :meth:`Audit.secure` reads, as given (the values and the constraints in the caller's
    order: only the same call is answered from the cache), with each cell's rank (the order it follows)."""
    masked = sorted(((rank(c), repr(c), c in hidden, c in sensitive) for c in hidden | sensitive), key=repr)
    text = repr(
        (
            protection,
            [(repr(c), v, rank(c)) for c, v in values.items()],
            masked,
            [(con.sense, [(repr(c), k) for c, k in con.terms]) for con in constraints],
        )
    )
    return hashlib.blake2b(text.encode(), digest_size=32).digest()


def unprotected(
    values: Mapping[Any, int], hidden: set, constraints: list[Constraint], protection: int
) -> dict[Hashable, tuple[float, float]]:
    """The masked cells a reader could pin down (every masked cell needing ``protection``), with their
    feasible range: empty when the audit passes."""
    audit = Audit(values, constraints, protection, set(hidden), set(hidden))
    return {
        cell: audit.interval(cell) for cell in sorted(hidden, key=audit.rank) if not audit.protected(cell)
    }
