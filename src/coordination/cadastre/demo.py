"""Demo registry: Walloon partners, their services and agreements (every name and number invented).

``seed_cadastre_demo(session)`` is called by ``coordination.demo`` after the directory (Forem and the CPAS
exist); it returns what it made so the dossier demo can attach trajectory steps to them:
``{"organisations": {key: Organisation}, "services": {key: Service}, "agreements": {key: Agreement}}``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.clock import today as today_brussels
from coordination.db.base import utcnow
from coordination.directory.models import Organisation, OrganisationKind
from coordination.factories import (
    AgreementFactory,
    OrganisationFactory,
    OrientationFactory,
    PartnerProfileFactory,
    PersonFactory,
    ServiceFactory,
    TrajectoryStepFactory,
    bce_from,
    niss_from,
)
from coordination.factories.base import add_all

PARTNERS = {
    # key: (name, partner kind, bassin, first eight BCE digits, description)
    "cisp-envol": ("CISP L'Envol", "cisp", "Charleroi", 4_123_456, "Préformations aux métiers de la logistique et du nettoyage."),
    "mire-hainaut": ("MIRE du Hainaut occidental", "mire", "Wallonie picarde", 4_234_567, "Accompagnement vers et dans l'emploi durable."),
    "duo-mentorat": ("Duo Mentorat Wallonie", "mentoring_association", "Liège", 6_345_678, "Mentorat individuel par des bénévoles expérimentés."),
    "boulangerie-sambre": ("Boulangerie artisanale de la Sambre", "employer", "Charleroi", 7_456_789, "Employeur accueillant des FPI et des immersions."),
}  # fmt: skip

SERVICES = {
    "preformation-logistique": ("cisp-envol", "Préformation cariste et magasinier", ["NEET", "bénéficiaires RIS"],
                                ["Charleroi", "Thuin"], 12, "Demandeur d'emploi inscrit, 18 ans ou plus."),
    "atelier-numerique": ("cisp-envol", "Atelier « Premiers pas numériques »", ["personnes sans autonomie numérique"],
                          ["Charleroi"], 10, "Aucun prérequis."),
    "jobcoaching": ("mire-hainaut", "Job coaching et suivi en emploi", ["demandeurs d'emploi de longue durée"],
                    ["Wallonie picarde", "Mons"], 40, "Inscrit au Forem depuis plus de 12 mois."),
    "mentorat": ("duo-mentorat", "Mentorat vers l'emploi (6 mois)", ["personnes d'origine étrangère", "FLE"],
                 ["Liège", "Verviers"], 25, "Projet professionnel défini ; français oral de base."),
    "fpi-boulangerie": ("boulangerie-sambre", "FPI boulanger-pâtissier", ["demandeurs d'emploi"],
                        ["Charleroi"], 2, "Intérêt pour le métier ; horaires de nuit."),
}  # fmt: skip

AGREEMENTS = {
    # key: (reference, title, partner, funder key, kind, start, end, euros, target entrants, target exits);
    # the dates are those of the demo's first year (2025) and move with the clock (:func:`_this_year`)
    "aap-logistique": ("AAP-{year}-CHA-014", "Préformation logistique — appel à projets", "cisp-envol", "forem",
                       "call_for_projects", date(2025, 1, 1), date(2026, 12, 31), 180_000, 48, 20),
    "marche-jobcoaching": ("MP-{year}-WAPI-003", "Job coaching — marché public", "mire-hainaut", "forem",
                           "public_contract", date(2024, 4, 1), date(2026, 3, 31), 320_000, 120, 60),
    "ami-mentorat": ("AMI-{year}-LIE-007", "Mentorat — appel à manifestation d'intérêt", "duo-mentorat", "forem",
                     "call_for_expressions_of_interest", date(2025, 3, 1), date(2026, 2, 28), 60_000, 50, 20),
    "art61-cpas": ("CPAS-CHA-ART61-{year}", "Mises à l'emploi article 61", "boulangerie-sambre", "cpas-charleroi",
                   "partnership", date(2025, 1, 1), date(2025, 12, 31), 12_000, 2, 1),
}  # fmt: skip
DESIGN_YEAR = 2025
"""The year the agreements above were written for: each demo moves them by as many years as the clock
is past it, so the registry tells the same story every year (two agreements in force, one ending in the
first quarter, one that ended last year) instead of lapsing one after another."""


def _this_year(day: date, today: date) -> date:
    return day.replace(year=day.year + today.year - DESIGN_YEAR)


async def _funders(session: AsyncSession) -> dict[str, Organisation | None]:
    """The Forem and the CPAS of Charleroi of the demo directory (any CPAS when there is no Charleroi)."""
    forem = await session.scalar(
        select(Organisation).where(Organisation.kind == OrganisationKind.FOREM).limit(1)
    )
    cpas = await session.scalar(
        select(Organisation).where(
            Organisation.kind == OrganisationKind.CPAS, Organisation.name.like("%Charleroi%")
        )
    ) or await session.scalar(select(Organisation).where(Organisation.kind == OrganisationKind.CPAS).limit(1))
    return {"forem": forem, "cpas-charleroi": cpas}


async def seed_cadastre_demo(session: AsyncSession, directory: Any = None) -> dict[str, dict]:
    """Create the demo registry (flush only; the caller commits). ``directory``: optional, unused."""
    funders = await _funders(session)
    today = today_brussels()
    now = utcnow()
    verified = {"assured_date": today, "assured_at": now, "created_at": now, "updated_at": now}  # at entry
    organisations = {
        key: OrganisationFactory.build(
            name=name, kind=OrganisationKind.PARTNER, bce_number=bce_from(digits), bassin=bassin
        )
        for key, (name, _kind, bassin, digits, _description) in PARTNERS.items()
    }
    profiles = [
        PartnerProfileFactory.build(
            organisation_id=organisations[key].id, partner_kind=kind, description=description,
            website=f"https://{key}.example.be", email=f"contact@{key}.example.be", **verified,
        )
        for key, (_, kind, _, _, description) in PARTNERS.items()
    ]  # fmt: skip
    services = {
        key: ServiceFactory.build(
            organisation_id=organisations[org_key].id, name=name, publics=publics, service_areas=areas,
            capacity=capacity, eligibility_description=eligibility, **verified,
        )
        for key, (org_key, name, publics, areas, capacity, eligibility) in SERVICES.items()
    }  # fmt: skip
    publics_of = {org_key: publics for org_key, _, publics, *_ in reversed(SERVICES.values())}
    agreements = {}
    for key, (
        ref,
        title,
        org_key,
        funder_key,
        kind,
        start,
        end,
        euros,
        entrants,
        exits,
    ) in AGREEMENTS.items():
        funder = funders.get(funder_key)
        if funder is None:
            continue
        agreements[key] = AgreementFactory.build(
            reference=ref.format(year=today.year), title=title, organisation_id=organisations[org_key].id,
            funder_id=funder.id, kind=kind, start_date=_this_year(start, today), end_date=_this_year(end, today),
            funding_cents=euros * 100, target_entrants=entrants, target_positive_exits=exits,
            territory=[organisations[org_key].bassin], publics=publics_of.get(org_key, []), **verified,
        )  # fmt: skip
    await add_all(session, [*organisations.values(), *profiles, *services.values(), *agreements.values()])
    return {"organisations": organisations, "services": services, "agreements": agreements}


# --- a year of figures for the regulator ---------------------------------------------------------------

EVALUATION_PEOPLE = {
    # partner key: (step kind, people, scores at entry (cycled), positive exits per 10 ended steps)
    "cisp-envol": ("training", 40, (1, 2, 3), 6),
    "duo-mentorat": ("mentoring", 40, (7, 8), 4),
    "mire-hainaut": ("other", 30, (2, 5, 8), 5),
    "boulangerie-sambre": ("pfi", 3, (4,), 5),  # three people: masked, as the threshold wants
}
"""The evaluation's demo population, in the current year: enough people at three partners for figures,
charts and intervals to show, and a small partner whose figures are legitimately masked (with the cells
that would give them back)."""


def _demo_niss(serial: int) -> str:
    """A valid NISS of an invented person born on 1 January 1990 (serials 500 and up)."""
    return niss_from(date(1990, 1, 1), 500 + serial)


def _evaluated_person(partner: Organisation, serial: int, niss_key: bytes, year_start: date, score: int):
    niss = _demo_niss(serial)
    person = PersonFactory.build(
        niss=niss, niss_key=niss_key, first_name="Personne", last_name=f"Statistique {serial + 1:03d}",
        bassin=partner.bassin,
    )  # fmt: skip
    orientation = OrientationFactory.build(
        person_id=person.id, proximity_score=score, digital_autonomy=score < 5,
        start_on=year_start - timedelta(days=30), matrix_version="demo", rules_version="demo",
    )  # fmt: skip
    return person, orientation


async def seed_evaluation_demo(
    session: AsyncSession, organisations: dict[str, Organisation], today: date, niss_key: bytes
) -> int:
    """Steps begun this year (Brussels) at the demo partners, each with a dated score at entry, and the
    jobs that make some of them positive exits. Deterministic: the same rows for the same ``today``.
    Returns the number of people made. The people have no mandate and no consent: no professional sees
    their files; they only count in the registry's aggregates."""
    employer = organisations["boulangerie-sambre"]
    year_start = date(today.year, 1, 1)
    span = (today - year_start).days
    serial = 0
    people: list[Any] = []
    rows: list[Any] = []
    for key, (kind, count, scores, positive_per_10) in EVALUATION_PEOPLE.items():
        partner = organisations[key]
        for i in range(count):
            person, orientation = _evaluated_person(
                partner, serial, niss_key, year_start, scores[i % len(scores)]
            )
            serial += 1
            people.append(person)
            start = year_start + timedelta(days=span * i // max(count, 1) // 2)
            end = min(start + timedelta(days=28), today)
            ended = i % 10 != 9  # one in ten still under way
            rows.append(orientation)
            rows.append(
                TrajectoryStepFactory.build(
                    person_id=person.id, organisation_id=partner.id, kind=kind,
                    status="completed" if ended else "ongoing", start_date=start,
                    end_date=end if ended else None, title="Étape de démonstration",
                    training_qualifying=False if kind == "training" else None,
                )
            )  # fmt: skip
            if ended and i % 10 < positive_per_10:
                rows.append(
                    TrajectoryStepFactory.build(
                        person_id=person.id, organisation_id=employer.id, kind="job", status="ongoing",
                        start_date=end + timedelta(days=1), job_contract_kind="cdd", job_duration_months=6,
                        title="Emploi de démonstration",
                    )
                )  # fmt: skip
    await add_all(session, [*people, *rows])
    return serial
