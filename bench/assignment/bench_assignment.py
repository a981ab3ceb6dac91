"""Bulk-assignment benchmark: 50,000 people × 1,000 advisers, exact min-cost flow beside the greedy baseline.

Run: ``.venv/bin/python bench/assignment/bench_assignment.py [--people N] [--advisers M] [--seed S]``.

The instance is synthetic but shaped like Wallonia: 13 bassins, 8 sector clusters, French-speaking
majority with German- and Dutch-speaking minorities, tracks drawn through the orientation matrix,
20 % of people with a previous referent, advisers' portfolios partly filled already. Total room is a
little above the demand, but not everywhere, so a few people cannot be seated in their track.

Both plans are costed by the same function (``evaluate``), person by person; the exact plan must cost
no more than the greedy one (the script fails otherwise).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

from coordination.referent.assignment import Adviser, Candidate, Weights, solve_exact, solve_greedy
from coordination.referent.orientation import load_matrix

BASSINS = [
    "brabant-wallon",
    "hainaut-centre",
    "hainaut-sud",
    "wallonie-picarde",
    "liege",
    "verviers",
    "huy-waremme",
    "luxembourg",
    "namur",
    "dinant",
    "mons",
    "charleroi",
    "eupen",
]
CLUSTERS = ["construction", "care", "industry", "logistics", "hospitality", "it", "retail", "agri-food"]
ADVISER_TRACKS = [
    (frozenset({"digital", "e_adviser"}), 0.57),
    (frozenset({"sectoral"}), 0.13),
    (frozenset({"socio_professional"}), 0.30),
]


def make_instance(n_people: int, n_advisers: int, seed: int):
    rng = random.Random(seed)
    matrix = load_matrix(Path(__file__).resolve().parents[2] / "policies")
    advisers = []
    for i in range(n_advisers):
        tracks = rng.choices([t for t, _ in ADVISER_TRACKS], weights=[w for _, w in ADVISER_TRACKS])[0]
        capacity = rng.randint(50, 80)
        languages = (
            {"fr"} | ({"de"} if rng.random() < 0.08 else set()) | ({"nl"} if rng.random() < 0.1 else set())
        )
        advisers.append(
            Adviser(
                id=i,
                tracks=tracks,
                capacity=capacity,
                load=rng.randint(0, 20),
                cluster=rng.choice(CLUSTERS) if "sectoral" in tracks else None,
                bassins=frozenset(rng.sample(BASSINS, rng.randint(1, 3))),
                languages=frozenset(languages),
            )
        )
    people = []
    for i in range(n_people):
        track = str(matrix.track_for(rng.randint(0, 9), rng.random() < 0.6))
        people.append(
            Candidate(
                id=i,
                track=track,
                language=rng.choices(["fr", "de", "nl"], weights=[90, 4, 6])[0],
                bassin=rng.choice(BASSINS),
                cluster=rng.choice(CLUSTERS) if track == "sectoral" else None,
                previous_adviser=rng.randrange(n_advisers) if rng.random() < 0.2 else None,
            )
        )
    return people, advisers


def describe(result) -> str:
    c = result.cost
    reasons = Counter(str(r) for r in result.unassigned.values())
    return (
        f"{result.method:>14}: {result.seconds:7.2f} s  total cost {c.total:>10,}  "
        f"(cluster {c.cluster:,}, bassin {c.bassin:,}, language {c.language:,}, continuity {c.continuity:,}, "
        f"load {c.load:,}, unassigned {c.unassigned:,})  assigned {len(result.assignments):,}  "
        f"unassigned {len(result.unassigned):,} {dict(reasons)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--advisers", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=20220603)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    people, advisers = make_instance(args.people, args.advisers, args.seed)
    demand = Counter(p.track for p in people)
    room = sum(a.room for a in advisers)
    print(
        f"instance: {len(people):,} people × {len(advisers):,} advisers, room {room:,} seats, "
        f"demand by track {dict(demand)} (built in {time.perf_counter() - started:.2f} s)"
    )
    weights = Weights()
    exact = solve_exact(people, advisers, weights)
    print(describe(exact))
    print(f"{'':>14}  graph: {exact.stats}")
    greedy = solve_greedy(people, advisers, weights)
    print(describe(greedy))
    gap = greedy.cost.total - exact.cost.total
    seated = exact.cost.total - exact.cost.unassigned
    print(
        f"greedy costs {gap:,} more than the optimum "
        f"({100 * gap / max(seated, 1):.1f} % of the optimum's cost excluding the unassigned penalty)"
    )
    if exact.cost.total > greedy.cost.total:
        print("ERROR: the exact plan costs more than the greedy one", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
