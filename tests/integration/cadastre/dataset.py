"""A small hand-built population with planted effects, and the figures computed by hand.

Three partners, year 2025 (score = distance from a job, 0 = closest); every group below is repeated
``scale`` times (3 by default, so that the planted figures are above the disclosure threshold of 5):

* A "CISP Tremplin" takes only people close to a job (score 1): 10 trainings, all completed; 6 jobs of
  6 months begun 30 days after the end (positive), 1 job of 2 months (too short), 1 job begun 7 months after
  (too late), 2 nothing. Raw rate 6/10.
* B "Mentorat Horizon" takes only people far from a job (score 8): 10 mentorings, 8 completed, 2 dropped
  out; positives: 2 jobs of 6 months, 1 qualifying training, 1 CDI (no duration) after a drop-out = 4/10.
  Agreement AG-B funds it with 40 000 € for 2025 → 40 000 / 12 = 3 333,33 € per positive exit. 5 of its steps have ICF
  assessments: "confiance" 3 → 1 (gain 2), "initiative" 2 → 2 (gain 0): step gain 1.0, improved.
* C "MIRE Centre" (the average): 10 people score 1 (8 positive) and 10 score 8 (1 positive), all completed
  in Q1, plus 5 people score 1 still ongoing, begun in Q2 (not repeated).

Reference rates: score 1 = (6 + 8) / 20 = 0.70; score 8 = (4 + 1) / 20 = 0.25.
A: expected 30 × 0.70 = 21.0, ratio 18 / 21 = 0.857. B: expected 30 × 0.25 = 7.5, ratio 12 / 7.5 = 1.6.
Raw rates rank A above B; the adjusted ratio ranks B above A, as planted.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

from coordination.directory.models import OrganisationKind, Role
from coordination.dossier.models import Person
from coordination.factories import (
    AgreementFactory,
    AssessmentFactory,
    OrganisationFactory,
    OrientationFactory,
    PartnerProfileFactory,
    PersonFactory,
    TrajectoryStepFactory,
    UserFactory,
)
from coordination.referent.models import Orientation

_serial = count(1)


SCORED_ON = date(2024, 12, 1)
"""The planted scores are dated orientations of this day (before every step): the score at entry."""


def _person(score: int, bassin: str) -> Person:
    n = next(_serial)
    person = PersonFactory.build(
        first_name=f"Prénom{n}",
        last_name=f"Nom{n}",
        bassin=bassin,
        birth_date=None,
        proximity_score=9 - score,  # today's score, never read by the evaluation
    )
    _planted.append((person, score))
    return person


_planted: list[tuple[Person, int]] = []


def orientation(person_id, score: int, day: date = SCORED_ON) -> Orientation:
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


def _step(
    person, org, kind="training", status="completed", start=date(2025, 1, 6), end=date(2025, 3, 28), **kw
):
    return TrajectoryStepFactory.build(
        person_id=person.id,
        organisation_id=org.id,
        title=None,
        kind=kind,
        status=status,
        start_date=start,
        end_date=end,
        **kw,
    )


def _job(person, employer, start, months=6, contract="cdd"):
    return TrajectoryStepFactory.build(
        person_id=person.id,
        organisation_id=employer.id,
        title=None,
        kind="job",
        status="ongoing",
        start_date=start,
        job_contract_kind=contract,
        job_duration_months=months,
    )


async def build(session, *, small_partner: bool = False, scale: int = 3) -> dict:
    _planted.clear()
    forem = OrganisationFactory.build(name="Forem", kind=OrganisationKind.FOREM, bassin=None)
    employer = OrganisationFactory.build(
        name="Employeur sans fiche", kind=OrganisationKind.PARTNER, bassin=None
    )
    a = OrganisationFactory.build(name="CISP Tremplin", kind=OrganisationKind.PARTNER, bassin="Charleroi")
    b = OrganisationFactory.build(name="Mentorat Horizon", kind=OrganisationKind.PARTNER, bassin="Liège")
    c = OrganisationFactory.build(name="MIRE Centre", kind=OrganisationKind.PARTNER, bassin="Mons")
    d = OrganisationFactory.build(name="Petite ASBL", kind=OrganisationKind.PARTNER, bassin="Namur")
    partners = [a, b, c] + ([d] if small_partner else [])
    session.add_all([forem, employer, *partners])
    await session.flush()
    kinds = {a.id: "cisp", b.id: "mentoring_association", c.id: "mire", d.id: "other"}
    session.add_all(
        [PartnerProfileFactory.build(organisation_id=o.id, partner_kind=kinds[o.id]) for o in partners]
    )
    author = UserFactory.build(
        subject="op", display_name="Opératrice", role=Role.PARTNER_OPERATOR, organisation_id=b.id
    )
    agreement = AgreementFactory.build(
        reference="AG-B",
        title="Mentorat vers l'emploi",
        organisation_id=b.id,
        funder_id=forem.id,
        kind="call_for_projects",
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
        funding_cents=4_000_000,
        territory=[],
    )
    session.add_all([author, agreement])
    await session.flush()

    rows = []
    end = date(2025, 3, 28)
    # A: close to a job
    for j in range(10 * scale):
        i = j % 10
        person = _person(1, "Charleroi")
        session.add(person)
        await session.flush()
        rows.append(_step(person, a, training_qualifying=False))
        if i < 6:
            rows.append(_job(person, employer, end + timedelta(days=30)))
        elif i == 6:
            rows.append(_job(person, employer, end + timedelta(days=30), months=2))
        elif i == 7:
            rows.append(_job(person, employer, date(2025, 10, 29)))  # 28 Mar + 6 months = 28 Sep: too late
    # A: a cancelled step and a step of 2024 are not in the cohort
    session.add(extra := _person(1, "Charleroi"))
    await session.flush()
    rows.append(_step(extra, a, status="cancelled"))
    rows.append(_step(extra, a, start=date(2024, 5, 1), end=date(2024, 6, 1)))

    # B: far from a job
    b_steps = []
    for j in range(10 * scale):
        i = j % 10
        person = _person(8, "Liège")
        session.add(person)
        await session.flush()
        dropped = i >= 8
        step = _step(
            person,
            b,
            kind="mentoring",
            status="dropped_out" if dropped else "completed",
            agreement_id=agreement.id,
        )
        if dropped:
            step.exit_date = date(2025, 2, 14)
        b_steps.append(step)
        rows.append(step)
        if i < 2:
            rows.append(_job(person, employer, end + timedelta(days=60)))
        elif i == 2:
            rows.append(
                TrajectoryStepFactory.build(
                    person_id=person.id,
                    title=None,
                    organisation_id=forem.id,  # a Forem training: outside the registry, not an entry
                    kind="training",
                    status="ongoing",
                    start_date=end + timedelta(days=90),
                    training_qualifying=True,
                )
            )
        elif i == 8:
            rows.append(_job(person, employer, date(2025, 3, 3), months=None, contract="cdi"))

    # C: the average partner
    for j in range(20 * scale):
        i = j % 20
        far = i >= 10
        person = _person(8 if far else 1, "Charleroi" if i % 2 else "Mons")
        session.add(person)
        await session.flush()
        rows.append(_step(person, c, kind="immersion"))
        if (not far and i < 8) or (far and i == 10):
            rows.append(_job(person, employer, end + timedelta(days=10), months=12))
    for _ in range(5):
        session.add(ongoing := _person(1, "Mons"))
        await session.flush()
        rows.append(_step(ongoing, c, kind="immersion", status="ongoing", start=date(2025, 4, 7), end=None))

    if small_partner:
        for _ in range(3):
            person = _person(5, "Namur")
            session.add(person)
            await session.flush()
            rows.append(_step(person, d, kind="mentoring"))
            rows.append(_job(person, employer, end + timedelta(days=5)))

    session.add_all(rows)
    session.add_all([orientation(person.id, score) for person, score in _planted])
    await session.flush()
    for step in b_steps[:5]:
        for item, first, last in (("confiance", 3, 1), ("initiative", 2, 2)):
            for on, qualifier in ((date(2025, 1, 10), first), (date(2025, 3, 20), last)):
                session.add(
                    AssessmentFactory.build(
                        step_id=step.id,
                        person_id=step.person_id,
                        organisation_id=b.id,
                        author_user_id=author.id,
                        item_code=item,
                        qualifier=qualifier,
                        assessed_on=on,
                    )
                )
    await session.commit()
    return {
        "a": a.id,
        "b": b.id,
        "c": c.id,
        "d": d.id,
        "agreement": agreement.id,
        "people": {o.id: [p.id for p, _ in _planted if _steps_of(rows, p, o)] for o in partners},
    }


def _steps_of(rows, person, org) -> bool:
    return any(r.person_id == person.id and r.organisation_id == org.id for r in rows)
