import itertools
import random

import pytest

from coordination.referent.assignment import (
    Adviser,
    Candidate,
    UnassignedReason,
    Weights,
    evaluate,
    marginal_load_cost,
    pair_cost,
    solve_exact,
    solve_greedy,
)

TRACKS = ["e_adviser", "sectoral", "socio_professional"]
CLUSTERS = [None, "construction", "care"]
BASSINS = [None, "liege", "namur"]
LANGUAGES = ["fr", "de", "nl"]


def random_instance(rng: random.Random, n_people: int, n_advisers: int):
    advisers = []
    for i in range(n_advisers):
        capacity = rng.randint(1, 4)
        advisers.append(
            Adviser(
                id=f"a{i}",
                tracks=frozenset(rng.sample(TRACKS, rng.randint(1, 2))),
                capacity=capacity,
                load=rng.randint(0, capacity),
                cluster=rng.choice(CLUSTERS[1:]),
                bassins=frozenset(rng.sample(BASSINS[1:], rng.randint(0, 2))),
                languages=frozenset({"fr"} | set(rng.sample(LANGUAGES, rng.randint(0, 1)))),
            )
        )
    people = [
        Candidate(
            id=f"p{i}",
            track=rng.choice(TRACKS),
            language=rng.choice(LANGUAGES),
            bassin=rng.choice(BASSINS),
            cluster=rng.choice(CLUSTERS),
            previous_adviser=rng.choice([None, None, "gone", *[a.id for a in advisers]]),
        )
        for i in range(n_people)
    ]
    return people, advisers


def brute_force(people, advisers, weights) -> int:
    options = [[None] + [a.id for a in advisers if p.track in a.tracks] for p in people]
    room = {a.id: a.room for a in advisers}
    best = None
    for choice in itertools.product(*options):
        used: dict = {}
        for adviser_id in choice:
            if adviser_id is not None:
                used[adviser_id] = used.get(adviser_id, 0) + 1
        if any(count > room[a] for a, count in used.items()):
            continue
        plan = {p.id: a for p, a in zip(people, choice, strict=True) if a is not None}
        total = evaluate(people, advisers, plan, weights).total
        best = total if best is None else min(best, total)
    return best


@pytest.mark.parametrize("seed", range(120))
def test_exact_solver_matches_brute_force(seed):
    rng = random.Random(seed)
    people, advisers = random_instance(rng, rng.randint(1, 6), rng.randint(1, 3))
    weights = Weights(unassigned=rng.choice([50, 10_000]), load=rng.choice([0, 7, 20]))
    exact = solve_exact(people, advisers, weights)
    greedy = solve_greedy(people, advisers, weights)
    optimum = brute_force(people, advisers, weights)
    assert exact.cost.total == optimum
    assert exact.cost.total <= greedy.cost.total
    assert set(exact.assignments) | set(exact.unassigned) == {p.id for p in people}


def test_continuity_prefers_previous_referent_and_aggregation_keeps_people_apart():
    advisers = [
        Adviser(id="anna", tracks=frozenset({"sectoral"}), capacity=10, bassins=frozenset({"liege"})),
        Adviser(id="bob", tracks=frozenset({"sectoral"}), capacity=10, bassins=frozenset({"liege"})),
    ]
    people = [
        Candidate(id=1, track="sectoral", bassin="liege", previous_adviser="bob"),
        Candidate(id=2, track="sectoral", bassin="liege"),
        Candidate(id=3, track="sectoral", bassin="liege", previous_adviser="anna"),
    ]
    result = solve_exact(people, advisers)
    assert result.assignments[1] == "bob" and result.assignments[3] == "anna"
    assert result.cost.continuity == 0


def test_unassigned_people_are_reported_with_a_reason():
    advisers = [Adviser(id="eva", tracks=frozenset({"e_adviser"}), capacity=2, load=1)]
    people = [
        Candidate(id="x", track="e_adviser"),
        Candidate(id="y", track="e_adviser"),
        Candidate(id="z", track="socio_professional"),
    ]
    for result in (solve_exact(people, advisers), solve_greedy(people, advisers)):
        assert len(result.assignments) == 1
        assert result.unassigned["z"] is UnassignedReason.NO_ADVISER_FOR_TRACK
        left = {"x", "y"} - set(result.assignments)
        assert [result.unassigned[p] for p in left] == [UnassignedReason.CAPACITY_EXHAUSTED]


def test_load_cost_is_convex_and_spreads_people():
    weights = Weights()
    costs = [marginal_load_cost(k, 30, weights) for k in range(1, 31)]
    assert costs == sorted(costs) and costs[-1] == weights.load
    advisers = [Adviser(id=i, tracks=frozenset({"sectoral"}), capacity=10) for i in range(2)]
    people = [Candidate(id=i, track="sectoral") for i in range(10)]
    result = solve_exact(people, advisers)
    assert sorted(list(result.assignments.values()).count(i) for i in range(2)) == [5, 5]


def test_pair_cost_components():
    weights = Weights()
    adviser = Adviser(
        id="a", tracks=frozenset({"sectoral"}), capacity=1, cluster="care", bassins=frozenset({"mons"})
    )
    person = Candidate(
        id=1, track="sectoral", language="de", bassin="liege", cluster="it", previous_adviser="b"
    )
    assert pair_cost(person, adviser, weights) == 40 + 30 + 60 + 20


def test_evaluate_refuses_a_plan_over_capacity():
    advisers = [Adviser(id="a", tracks=frozenset({"sectoral"}), capacity=1)]
    people = [Candidate(id=i, track="sectoral") for i in range(2)]
    with pytest.raises(ValueError, match="over capacity"):
        evaluate(people, advisers, {0: "a", 1: "a"}, Weights())


def test_exact_solver_with_nobody_waiting_and_no_adviser_returns_an_empty_plan():
    """Found by Schemathesis: a bulk assignment on an empty directory answered 500 (OR-Tools got no arc)."""
    result = solve_exact([], [])
    assert result.assignments == {} and result.unassigned == {} and result.cost.total == 0
