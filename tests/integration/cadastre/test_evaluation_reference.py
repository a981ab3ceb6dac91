"""The evaluation's sums, on both engines, against a plain-Python computation on a random population.

The SQL differs by engine (PostgreSQL: two statements on two connections sharing a snapshot, repeats by a
self-join; SQLite: one statement with ``COUNT(DISTINCT)``); both must give, cell by cell and score by score,
what the definition says, computed here row by row. The population is drawn to reach the corners: people
with several steps in the same cell, services shared across partners, steps outside the registry or the
year, unknown bassins and scores, exit dates, steps that end long after the year, outcomes on the step's
own start day, several assessments on the same first or last day, and two windows of different lengths.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from coordination.cadastre.evaluation import aggregate_cells
from coordination.cadastre.evaluation_sql import DIMENSIONS
from coordination.cadastre.policy import load_policy
from coordination.cadastre.stats import add_months
from coordination.directory.models import OrganisationKind, Role
from coordination.dossier.models import Assessment, TrajectoryStep
from coordination.factories import (
    AssessmentFactory,
    OrganisationFactory,
    OrientationFactory,
    PartnerProfileFactory,
    PersonFactory,
    TrajectoryStepFactory,
    UserFactory,
)
from coordination.referent.models import Orientation
from tests.integration.cadastre.conftest import direct_session

POLICIES = Path(__file__).resolve().parents[3] / "policies"
YEAR_START, YEAR_END = date(2025, 1, 1), date(2025, 12, 31)
BASSINS = ("Charleroi", "Liège", "Mons")
KINDS = ("training", "immersion", "mentoring", "pfi", "job", "other", "orientation")
STATUSES = ("planned", "ongoing", "completed", "dropped_out", "cancelled")
ITEMS = ("confiance", "mobilite", "numerique")


def _day(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randint(0, (hi - lo).days))


def _orientation(person_id, score: int, day: date) -> Orientation:
    return OrientationFactory.build(
        person_id=person_id,
        proximity_score=score,
        digital_autonomy=True,
        computed_track="digital",
        chosen_track="digital",
        young=False,
        start_on=day,
        matrix_version="test",
        rules_version="test",
    )


async def _population(session, rng: random.Random) -> dict:
    partners = [
        OrganisationFactory.build(name=f"Partenaire {i}", kind=OrganisationKind.PARTNER, bassin=b)
        for i, b in enumerate((*BASSINS, None))
    ]
    outsider = OrganisationFactory.build(name="Hors cadastre", kind=OrganisationKind.PARTNER, bassin="Namur")
    session.add_all([*partners, outsider])
    await session.flush()
    session.add_all(
        [PartnerProfileFactory.build(organisation_id=o.id, partner_kind="cisp") for o in partners]
    )
    author = UserFactory.build(
        subject="op", display_name="Op", role=Role.PARTNER_OPERATOR, organisation_id=partners[0].id
    )
    session.add(author)
    services = [uuid4() for _ in range(5)]
    agreements = [uuid4() for _ in range(3)]
    organisations = {o.id: o for o in (*partners, outsider)}
    persons, steps, assessments = {}, [], []
    orientations = defaultdict(list)
    for n in range(70):
        person = PersonFactory.build(
            first_name="P",
            last_name=f"N{n}",
            bassin=rng.choice((*BASSINS, None)),
            birth_date=None,
            proximity_score=rng.choice((0, 1, 5, 8, 9, None)),
        )
        session.add(person)
        await session.flush()
        persons[person.id] = person
        # the score at entry comes from dated orientations (the current score above is never read):
        # none, one, or a re-scoring later, some dated exactly on a step's start
        days = [
            date(2024, 9, 1) + timedelta(days=d) for d in rng.sample(range(0, 700), rng.choice((0, 1, 2, 3)))
        ]
        first = _day(rng, date(2024, 10, 1), date(2026, 2, 1))
        if rng.random() < 0.3 and first not in days:
            days.append(first)  # dated on the very day the first step begins: in force for it
        for day in days:
            orientation = _orientation(person.id, rng.randint(0, 9), day)
            session.add(orientation)
            orientations[person.id].append(orientation)
        for _ in range(rng.randint(1, 6)):
            # several steps close together: same quarter, same partner, same service, same day
            start = first + timedelta(days=rng.choice((0, 0, 3, 20, 45, 100, 200, 480, 600)))
            org = rng.choice((*partners, *partners, outsider))
            status = rng.choice(STATUSES)
            ended = status in ("completed", "dropped_out")
            end = (
                start + timedelta(days=rng.choice((0, 30, 90, 400))) if ended or rng.random() < 0.3 else None
            )
            kind = rng.choice(KINDS)
            steps.append(
                TrajectoryStepFactory.build(
                    title=None,
                    person_id=person.id,
                    organisation_id=org.id,
                    kind=kind,
                    status=status,
                    start_date=start,
                    end_date=end,
                    exit_date=start + timedelta(days=10) if ended and rng.random() < 0.2 else None,
                    service_id=rng.choice((None, *services)),
                    agreement_id=rng.choice((None, *agreements)),
                    job_contract_kind=rng.choice(("cdd", "cdi", "interim")) if kind == "job" else None,
                    job_duration_months=rng.choice((None, 1, 3, 12)) if kind == "job" else None,
                    training_qualifying=rng.random() < 0.5 if kind == "training" else None,
                )
            )
    # planted: a step of the year that ends long after it, and a job found after that
    late = next(iter(persons))
    steps.append(
        TrajectoryStepFactory.build(title=None, person_id=late, organisation_id=partners[0].id, kind="training", status="completed",
                       start_date=date(2025, 11, 3), end_date=date(2026, 12, 18))
    )  # fmt: skip
    steps.append(
        TrajectoryStepFactory.build(title=None, person_id=late, organisation_id=outsider.id, kind="job", status="ongoing",
                       start_date=date(2027, 2, 1), job_contract_kind="cdi")
    )  # fmt: skip
    session.add_all(steps)
    await session.flush()
    for step in rng.sample(steps, 60):
        for item in rng.sample(ITEMS, rng.randint(1, 3)):
            for _ in range(rng.randint(1, 4)):
                assessments.append(
                    AssessmentFactory.build(
                        step_id=step.id,
                        person_id=step.person_id,
                        organisation_id=step.organisation_id,
                        author_user_id=author.id,
                        item_code=item,
                        qualifier=rng.randint(0, 4),
                        assessed_on=step.start_date + timedelta(days=rng.choice((0, 0, 15, 60))),
                    )
                )
    session.add_all(assessments)
    await session.commit()
    return {
        "registry": {o.id for o in partners},
        "organisations": organisations,
        "persons": persons,
        "steps": steps,
        "assessments": assessments,
        "orientations": orientations,
    }


def _outcome_kind(x: TrajectoryStep, policy) -> str | None:
    if x.status not in policy.outcome_statuses or x.start_date < YEAR_START:
        return None
    long_enough = (x.job_duration_months or 0) >= policy.job_min_months
    if (
        policy.job_enabled
        and x.kind in policy.job_kinds
        and (long_enough or x.job_contract_kind in policy.open_ended_contracts)
    ):
        return "job"
    if (
        policy.training_enabled
        and x.kind in policy.training_kinds
        and (x.training_qualifying or not policy.training_qualifying_only)
    ):
        return "training"
    return None


def _gain(step_assessments: list[Assessment]) -> float | None:
    per_item = defaultdict(list)
    for a in step_assessments:
        per_item[a.item_code].append(a)
    gains = []
    for rows in per_item.values():
        if len(rows) < 2:
            continue
        first, last = min(a.assessed_on for a in rows), max(a.assessed_on for a in rows)
        at_first = [a.qualifier for a in rows if a.assessed_on == first]
        at_last = [a.qualifier for a in rows if a.assessed_on == last]
        gains.append(sum(at_first) / len(at_first) - sum(at_last) / len(at_last))
    return sum(gains) / len(gains) if gains else None


def _reference(data: dict, policy) -> dict:
    """(dim, key, score) → sums, straight from the definition."""
    persons, organisations = data["persons"], data["organisations"]
    by_step = defaultdict(list)
    for a in data["assessments"]:
        by_step[a.step_id].append(a)
    outcomes = [(x, kind) for x in data["steps"] if (kind := _outcome_kind(x, policy))]
    within = {"job": policy.job_within_months, "training": policy.training_within_months}
    sums = defaultdict(lambda: defaultdict(float))
    first_step: dict = {}
    for s in data["steps"]:
        if not (
            s.organisation_id in data["registry"]
            and s.kind in policy.cohort_kinds
            and s.status in ("ongoing", "completed", "dropped_out")
            and YEAR_START <= s.start_date <= YEAR_END
        ):
            continue
        person = persons[s.person_id]
        cell = {
            "partner_id": s.organisation_id,
            "service_id": s.service_id,
            "agreement_id": s.agreement_id,
            "bassin": person.bassin or organisations[s.organisation_id].bassin,
            "period": s.start_date.year * 10 + (s.start_date.month + 2) // 3,
        }
        dated = [o for o in data["orientations"][s.person_id] if o.start_on <= s.start_date]
        score = max(dated, key=lambda o: o.start_on).proximity_score if dated else -1
        ended_on = s.exit_date or s.end_date
        ended = s.status in ("completed", "dropped_out") and ended_on is not None
        exit_on = None
        if ended:
            found = [
                x.start_date
                for x, kind in outcomes
                if x.person_id == s.person_id
                and x.id != s.id
                and s.start_date <= x.start_date <= add_months(ended_on, within[kind])
            ]
            exit_on = min(found, default=None)
        gain = _gain(by_step[s.id])
        for dim, keys in DIMENSIONS.items():
            at = (dim, tuple(cell[k] for k in keys), score)
            row = sums[at]
            row["entries"] += 1
            first = first_step.setdefault((dim, at[1], s.person_id), (s.id, score))
            if s.id < first[0]:
                first_step[(dim, at[1], s.person_id)] = (s.id, score)
            row["completed"] += s.status == "completed"
            row["dropped_out"] += s.status == "dropped_out"
            row["ended"] += ended
            if exit_on is not None:
                row["positive_exits"] += 1
                row["days_sum"] += 0 if exit_on <= ended_on else (exit_on - ended_on).days
                row["days_n"] += 1
            if gain is not None:
                row["gain_sum"] += gain
                row["gain_n"] += 1
                row["improved"] += gain > 0
    # a person counts once per cell, in the score row of their first step there (lowest id)
    for (dim, key, _), (_, score) in first_step.items():
        sums[(dim, key, score)]["people"] += 1
    return sums


@pytest.mark.parametrize(
    ("windows", "parts"),
    [((6, 6), 2), ((6, 3), 1), ((6, 6), 3)],
    ids=["same-window", "shorter-training-window-one-statement", "three-shares-of-people"],
)
async def test_sums_match_a_row_by_row_computation(database, windows, parts):
    policy = load_policy(POLICIES)
    policy = replace(policy, job_within_months=windows[0], training_within_months=windows[1])
    async with direct_session(database) as session:
        data = await _population(session, random.Random(2025 + windows[1]))
    async with direct_session(database) as session:
        cells = await aggregate_cells(session, YEAR_START, YEAR_END, policy, parts=parts)
    expected = _reference(data, policy)
    measures = (
        "entries",
        "people",
        "completed",
        "dropped_out",
        "ended",
        "positive_exits",
        "days_sum",
        "days_n",
    )
    got = {
        (dim, key, score): values
        for (dim, key), cell in cells.items()
        for score, values in cell.by_score.items()
    }
    assert set(got) == set(expected)
    assert len(got) > 100  # the population reaches many cells
    for at, want in expected.items():
        have = got[at]
        for name in (*measures, "gain_n", "improved"):
            assert have[name] == want[name], (at, name)
        assert have["gain_sum"] == pytest.approx(want["gain_sum"]), at
    overall = [v for (dim, _, _), v in expected.items() if dim == "all"]
    # the corners were reached: repeated people, exits, progression
    assert sum(v["entries"] for v in overall) > sum(v["people"] for v in overall)
    assert sum(v["positive_exits"] for v in overall) > 0
    assert sum(v["gain_n"] for v in overall) > 0
