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

from coordination.cadastre.models import Agreement, PartnerProfile, Service
from coordination.cadastre.rules import bce_with_check
from coordination.clock import today as today_brussels
from coordination.db.base import utcnow
from coordination.directory.models import Organisation, OrganisationKind

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
    # key: (reference, title, partner, funder key, kind, start, end, euros, target entrants, target exits)
    "aap-logistique": ("AAP-2025-CHA-014", "Préformation logistique — appel à projets 2025-2026", "cisp-envol", "forem",
                       "call_for_projects", date(2025, 1, 1), date(2026, 12, 31), 180_000, 48, 20),
    "marche-jobcoaching": ("MP-2024-WAPI-003", "Job coaching — marché public", "mire-hainaut", "forem",
                           "public_contract", date(2024, 4, 1), date(2026, 3, 31), 320_000, 120, 60),
    "ami-mentorat": ("AMI-2025-LIE-007", "Mentorat — appel à manifestation d'intérêt", "duo-mentorat", "forem",
                     "call_for_expressions_of_interest", date(2025, 3, 1), date(2026, 2, 28), 60_000, 50, 20),
    "art61-cpas": ("CPAS-CHA-ART61-2025", "Mises à l'emploi article 61", "boulangerie-sambre", "cpas-charleroi",
                   "partnership", date(2025, 1, 1), date(2025, 12, 31), 12_000, 2, 1),
}  # fmt: skip


async def seed_cadastre_demo(session: AsyncSession, directory: Any = None) -> dict[str, dict]:
    """Create the demo registry (flush only; the caller commits). ``directory``: optional, unused."""
    funders = {
        "forem": await session.scalar(
            select(Organisation).where(Organisation.kind == OrganisationKind.FOREM).limit(1)
        ),
        "cpas-charleroi": await session.scalar(
            select(Organisation).where(
                Organisation.kind == OrganisationKind.CPAS, Organisation.name.like("%Charleroi%")
            )
        ),
    }
    if funders["cpas-charleroi"] is None:
        funders["cpas-charleroi"] = await session.scalar(
            select(Organisation).where(Organisation.kind == OrganisationKind.CPAS).limit(1)
        )
    today = today_brussels()
    now = utcnow()
    verified = {"assured_at": now, "created_at": now, "updated_at": now}  # verified when entered
    organisations = {}
    for key, (name, _kind, bassin, digits, _description) in PARTNERS.items():
        org = Organisation(
            name=name, kind=OrganisationKind.PARTNER, bce_number=bce_with_check(digits), bassin=bassin
        )
        session.add(org)
        organisations[key] = org
    await session.flush()
    for key, (_, kind, _, _, description) in PARTNERS.items():
        session.add(
            PartnerProfile(
                organisation_id=organisations[key].id,
                partner_kind=kind,
                description=description,
                website=f"https://{key}.example.be",
                email=f"contact@{key}.example.be",
                assured_date=today,
                **verified,
            )
        )
    services = {}
    for key, (org_key, name, publics, areas, capacity, eligibility) in SERVICES.items():
        service = Service(
            organisation_id=organisations[org_key].id,
            name=name,
            publics=publics,
            service_areas=areas,
            capacity=capacity,
            eligibility_description=eligibility,
            languages=["fr"],
            assured_date=today,
            **verified,
        )
        session.add(service)
        services[key] = service
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
        agreement = Agreement(
            reference=ref,
            title=title,
            organisation_id=organisations[org_key].id,
            funder_id=funder.id,
            kind=kind,
            start_date=start,
            end_date=end,
            funding_cents=euros * 100,
            target_entrants=entrants,
            target_positive_exits=exits,
            territory=[organisations[org_key].bassin],
            publics=SERVICES.get(next((s for s, v in SERVICES.items() if v[0] == org_key), ""), ("", "", []))[
                2
            ],
            assured_date=today,
            **verified,
        )
        session.add(agreement)
        agreements[key] = agreement
    await session.flush()
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
    """A well-formed NISS (mod-97) of an invented person born on 1 January 1990 (serial 500-999)."""
    base = f"900101{500 + serial:03d}"
    return base + f"{97 - int(base) % 97:02d}"


async def seed_evaluation_demo(
    session: AsyncSession, organisations: dict[str, Organisation], today: date, niss_key: bytes
) -> int:
    """Steps begun this year (Brussels) at the demo partners, each with a dated score at entry, and the
    jobs that make some of them positive exits. Deterministic: the same rows for the same ``today``.
    Returns the number of people made. The people have no mandate and no consent: no professional sees
    their files; they only count in the registry's aggregates."""
    from coordination.dossier.models import Person, TrajectoryStep
    from coordination.dossier.niss import niss_hash
    from coordination.referent.models import Orientation

    employer = organisations["boulangerie-sambre"]
    year_start = date(today.year, 1, 1)
    span = (today - year_start).days
    serial = 0
    rows: list[Any] = []
    for key, (kind, count, scores, positive_per_10) in EVALUATION_PEOPLE.items():
        partner = organisations[key]
        for i in range(count):
            niss = _demo_niss(serial)
            serial += 1
            person = Person(
                niss_hash=niss_hash(niss, niss_key), niss=niss, first_name="Personne",
                last_name=f"Statistique {serial:03d}", language="fr", bassin=partner.bassin,
                inami_return_to_work=False,
            )  # fmt: skip
            session.add(person)
            await session.flush()
            start = year_start + timedelta(days=span * i // max(count, 1) // 2)
            end = min(start + timedelta(days=28), today)
            ended = i % 10 != 9  # one in ten still under way
            score = scores[i % len(scores)]
            rows.append(
                Orientation(
                    person_id=person.id, proximity_score=score, digital_autonomy=score < 5,
                    computed_track="socio_professional", chosen_track="socio_professional", young=False,
                    start_on=year_start - timedelta(days=30), matrix_version="demo", rules_version="demo",
                )
            )  # fmt: skip
            rows.append(
                TrajectoryStep(
                    person_id=person.id, organisation_id=partner.id, kind=kind,
                    status="completed" if ended else "ongoing", start_date=start,
                    end_date=end if ended else None, title="Étape de démonstration",
                    training_qualifying=False if kind == "training" else None,
                )
            )  # fmt: skip
            if ended and i % 10 < positive_per_10:
                rows.append(
                    TrajectoryStep(
                        person_id=person.id, organisation_id=employer.id, kind="job", status="ongoing",
                        start_date=end + timedelta(days=1), job_contract_kind="cdd", job_duration_months=6,
                        title="Emploi de démonstration",
                    )
                )  # fmt: skip
    session.add_all(rows)
    await session.flush()
    return serial
