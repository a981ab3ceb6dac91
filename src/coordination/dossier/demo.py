"""Synthetic files for ``coordination demo``: French-named people at different stages of their pathway.

Everything is invented (names, NISS built with a valid check so they pass validation). Rows are written
directly through the models: the demo seeds a database, it does not act as a user (no journal rows).
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from coordination.access.mandates import seed_mandate
from coordination.access.models import MandateKind
from coordination.clock import today as brussels_today
from coordination.directory.models import Organisation, OrganisationKind, Role, User
from coordination.dossier.models import (
    Assessment,
    Document,
    DocumentVersion,
    FileEvent,
    Person,
    PlanCommitment,
    PlanObjective,
    ProfileSection,
    ProgressEntry,
    TrajectoryStep,
)
from coordination.dossier.niss import niss_hash

PEOPLE = [
    # first, last, birth (yymmdd), serial, bassin, score, digital, ris, stage
    ("Julie", "Martin", "850714", "123", "Charleroi", 2, True, False, "emploi"),
    ("Mehdi", "El Amrani", "920305", "211", "Charleroi", 6, False, True, "formation"),
    ("Sophie", "Lemaire", "780922", "045", "Charleroi", 8, False, True, "art60"),
    ("Kevin", "Dupont", "010417", "317", "Liège", 5, True, False, "immersion"),
    ("Aïcha", "Diallo", "990101", "402", "Liège", 7, False, True, "debut"),
    ("Luc", "Vandenberghe", "690630", "089", "Charleroi", 4, True, False, "inami"),
]


def _niss(birth: str, serial: str) -> str:
    base = int(birth + serial)
    if birth[:2] < "25":  # born in the 2000s: the check is computed with a leading 2
        return f"{birth}{serial}{97 - (2_000_000_000 + base) % 97:02d}"
    return f"{birth}{serial}{97 - base % 97:02d}"


def _birth(birth: str) -> date:
    year = int(birth[:2])
    return date(2000 + year if year < 25 else 1900 + year, int(birth[2:4]), int(birth[4:6]))


def _pdf(text: str) -> bytes:
    """A minimal, valid one-page PDF (no dependency needed for a demo file)."""
    content = f"BT /F1 14 Tf 60 760 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _by_kind(orgs: dict[str, Organisation], kind: OrganisationKind) -> list[Organisation]:
    return [o for o in orgs.values() if o.kind is kind]


def _by_role(users: dict[str, User], role: Role) -> User | None:
    return next((u for u in users.values() if u.role is role), None)


def _seed_mandates(session, person, forem, cpas, users, registered_on: date) -> None:
    """Every demo person is a registered job seeker (asserted by the Forem referent); some get the RIS
    from a CPAS (asserted by that CPAS's social worker when the demo has one)."""
    referent = _by_role(users, Role.FOREM_REFERENT)
    seed_mandate(
        session,
        person.id,
        MandateKind.FOREM_REGISTRATION,
        forem.id,
        started_on=registered_on,
        by_user_id=referent.id if referent else None,
        by_name=referent.display_name if referent else "Forem",
        ground="Inscription comme demandeur·euse d'emploi",
    )
    if cpas is None:
        return
    worker = next(
        (u for u in users.values() if u.role is Role.CPAS_SOCIAL_WORKER and u.organisation_id == cpas.id),
        None,
    )
    seed_mandate(
        session,
        person.id,
        MandateKind.RIS,
        cpas.id,
        started_on=registered_on,
        by_user_id=worker.id if worker else None,
        by_name=worker.display_name if worker else cpas.name,
        ground="Décision d'octroi du revenu d'intégration",
    )


async def seed_dossier_demo(
    session: AsyncSession,
    orgs: dict[str, Organisation],
    users: dict[str, User],
    *,
    niss_key: bytes,
    store=None,
    today: date | None = None,
) -> list[Person]:
    """Create the demo people and their files; flushes, does not commit (the caller does).

    ``orgs``/``users``: the demo directory (any keys; organisations are picked by kind, users by role),
    already flushed (ids set). Needs at least one Forem organisation; CPAS and partner organisations are
    used when present (two partners or more give steps at several partners). ``niss_key``: the keyed-hash
    key (``coordination.keys.niss_hash_key(settings)``). ``store``: a DocumentStore to put two small PDF
    documents per person in (skipped when None). The beneficiary user, if any, is linked to the first
    person (``user.person_id``) so their own space shows a file. Returns the people created.
    """
    today = today or brussels_today()
    forem = _by_kind(orgs, OrganisationKind.FOREM)[0]
    cpas_list = _by_kind(orgs, OrganisationKind.CPAS)
    partners = _by_kind(orgs, OrganisationKind.PARTNER) or [forem]
    referent = _by_role(users, Role.FOREM_REFERENT)
    operator = _by_role(users, Role.PARTNER_OPERATOR)
    author = referent.id if referent else None
    people = []
    for index, (first, last, birth, serial, bassin, score, digital, ris, stage) in enumerate(PEOPLE):
        niss = _niss(birth, serial)
        cpas = cpas_list[index % len(cpas_list)] if (ris and cpas_list) else None
        person = Person(
            niss=niss,
            niss_hash=niss_hash(niss, niss_key),
            first_name=first,
            last_name=last,
            birth_date=_birth(birth),
            email=f"{first.lower()}.{last.lower().replace(' ', '')}@exemple.be".replace("ï", "i"),
            phone=f"+32 47{index} 12 34 5{index}",
            address=f"Rue de la Station {10 + index}, {bassin}",
            bassin=bassin,
            inami_return_to_work=stage == "inami",
            proximity_score=score,
            digital_autonomy=digital,
        )
        session.add(person)
        await session.flush()
        _seed_mandates(session, person, forem, cpas, users, today - timedelta(days=60 + 45 * index))
        people.append(person)
        started = today - timedelta(days=30 + 40 * index)

        def event(
            section: str,
            kind: str,
            summary: str,
            days_ago: int,
            subject: UUID | None = None,
            *,
            pid=person.id,
        ) -> None:
            session.add(
                FileEvent(
                    person_id=pid,
                    section=section,
                    kind=kind,
                    summary=summary,
                    subject_id=subject,
                    actor_user_id=author,
                    actor_organisation_id=forem.id,
                    occurred_at=datetime.now(UTC) - timedelta(days=days_ago),
                )
            )

        event("identity", "person_created", "Ouverture du dossier.", 60 + 45 * index)
        session.add(
            ProfileSection(
                person_id=person.id,
                section="project",
                updated_by=author,
                organisation_id=forem.id,
                content={
                    "metier_vise": [
                        "Aide-soignante",
                        "Soudeur",
                        "Commis de cuisine",
                        "Magasinier",
                        "Aide ménagère",
                        "Électricien",
                    ][index],
                    "atouts": "Motivation, expérience bénévole",
                    "freins": [
                        "Mobilité",
                        "Garde d'enfants",
                        "Maîtrise du français",
                        "Aucun",
                        "Logement",
                        "Santé",
                    ][index],
                },
            )
        )
        if cpas:
            session.add(
                ProfileSection(
                    person_id=person.id,
                    section="social",
                    organisation_id=cpas.id,
                    content={
                        "situation": "Isolé(e), revenu d'intégration au taux isolé",
                        "suivi_cpas": "PIIS signé, rendez-vous mensuel",
                    },
                )
            )
        objective = PlanObjective(
            person_id=person.id,
            title="Accéder à un emploi durable" if stage != "debut" else "Définir un projet professionnel",
            description="Objectif négocié lors de l'entretien de diagnostic.",
            due_date=today + timedelta(days=180),
            status="in_progress" if stage != "debut" else "proposed",
            created_by=author,
        )
        session.add(objective)
        await session.flush()
        event(
            "plan",
            "objective_created",
            f"Objectif ajouté au plan d'action : « {objective.title} ».",
            50 + 40 * index,
            objective.id,
        )
        commitments = [
            ("person", None, "Participer aux séances et tenir son CV à jour", "pending"),
            ("forem", forem.id, "Proposer une formation adaptée dans le mois", "done"),
        ]
        if cpas:
            commitments.append(
                ("cpas", cpas.id, "Financer l'abonnement de transport pendant la formation", "pending")
            )
        for party, org_id, text, status in commitments:
            session.add(
                PlanCommitment(
                    objective_id=objective.id,
                    person_id=person.id,
                    party=party,
                    organisation_id=org_id,
                    description=text,
                    status=status,
                )
            )
        if stage == "debut":
            continue
        kinds = {
            "emploi": [("training", "completed"), ("job", "ongoing")],
            "formation": [("orientation", "completed"), ("training", "ongoing")],
            "art60": [("art60", "ongoing")],
            "immersion": [("mentoring", "completed"), ("immersion", "ongoing")],
            "inami": [("orientation", "completed"), ("pfi", "planned")],
        }[stage]
        for step_index, (kind, status) in enumerate(kinds):
            org = (
                partners[(index + step_index) % len(partners)]
                if kind not in ("orientation", "art60")
                else (cpas or forem)
                if kind == "art60"
                else forem
            )
            start = started + timedelta(days=60 * step_index)
            step = TrajectoryStep(
                person_id=person.id,
                kind=kind,
                organisation_id=org.id,
                title={
                    "training": "Formation qualifiante",
                    "job": "Contrat de travail",
                    "orientation": "Bilan d'orientation",
                    "art60": "Mise à l'emploi article 60 §7",
                    "mentoring": "Mentorat Duo for a job",
                    "immersion": "Stage d'immersion en entreprise",
                    "pfi": "Formation en entreprise (PFI)",
                }[kind],
                start_date=start if status != "planned" else today + timedelta(days=14),
                end_date=start + timedelta(days=50) if status == "completed" else None,
                status=status,
                job_contract_kind={"job": "cdd", "art60": "art60"}.get(kind),
                job_duration_months={"job": 12, "art60": 18}.get(kind),
                training_qualifying=True if kind == "training" else None,
                exit_date=start + timedelta(days=50) if status == "completed" else None,
                created_by=author,
            )
            session.add(step)
            await session.flush()
            event(
                "trajectory",
                "step_created",
                f"{step.title} chez {org.name}.",
                40 * index + 30 - 10 * step_index,
                step.id,
            )
            if org.kind is OrganisationKind.PARTNER and status in ("ongoing", "completed"):
                writer = (
                    operator.id
                    if operator and operator.organisation_id == org.id
                    else (operator.id if operator else author)
                )
                if writer is None:
                    continue
                for week in range(3):
                    session.add(
                        ProgressEntry(
                            step_id=step.id,
                            person_id=person.id,
                            organisation_id=org.id,
                            author_user_id=writer,
                            note=[
                                "Bonne intégration dans le groupe.",
                                "Assiduité régulière, quelques retards.",
                                "Progrès nets en autonomie.",
                            ][week],
                            attendance_hours=[18, 16.5, 19][week],
                            milestone="Module 1 validé" if week == 2 else None,
                        )
                    )
                for code, first_q, last_q in [
                    ("confiance", 3, 2),
                    ("ponctualite", 2, 1),
                    ("communication_orale", 2, 1),
                ]:
                    for when, qualifier in ((start, first_q), (start + timedelta(days=30), last_q)):
                        session.add(
                            Assessment(
                                step_id=step.id,
                                person_id=person.id,
                                organisation_id=org.id,
                                author_user_id=writer,
                                item_code=code,
                                qualifier=qualifier,
                                assessed_on=when,
                            )
                        )
                event("progress", "progress_added", "Progression notée par le partenaire.", 40 * index + 5)
        if store is not None and index < 3:
            for title, category, rule in (
                ("Curriculum vitae", "cv", "accompagnement"),
                ("Attestation de formation", "certificate", "accompagnement"),
            ):
                document_id = uuid7()
                key = f"persons/{person.id}/{document_id}/v1-{uuid7().hex}"
                body = _pdf(f"{title} - {first} {last} (document de demonstration)")

                async def chunks(data: bytes = body):
                    yield data

                stored = await store.put(key, chunks(), content_type="application/pdf", max_size=1024 * 1024)
                document = Document(
                    id=document_id,
                    person_id=person.id,
                    title=title,
                    category=category,
                    section="documents",
                    retention_rule=rule,
                    retain_until=today.replace(year=today.year + 5),
                    organisation_id=forem.id,
                    created_by=author,
                    current_version=1,
                )
                session.add(document)
                await session.flush()
                session.add(
                    DocumentVersion(
                        document_id=document_id,
                        person_id=person.id,
                        number=1,
                        object_key=key,
                        sha256=stored.sha256,
                        size=stored.size,
                        media_type="application/pdf",
                        filename=f"{category}.pdf",
                        scan_status="clean",
                        scanned_at=datetime.now(UTC),
                        uploaded_by=author,
                    )
                )
                event("documents", "document_added", f"Document déposé : « {title} ».", 20, document_id)
    beneficiary = _by_role(users, Role.BENEFICIARY)
    if beneficiary is not None and beneficiary.person_id is None:
        beneficiary.person_id = people[0].id
    await session.flush()
    return people


async def seed_dossier_demo_from_directory(
    session: AsyncSession, settings, directory, registry=None, *, store=None
) -> list[Person]:
    """What ``coordination demo`` calls: the demo directory (``organisations``/``users`` dicts), the
    partners of the cadastre's demo registry when there is one (any object exposing Organisations, as a
    dict, a list or an ``organisations`` attribute), documents in the configured store."""
    from coordination.keys import niss_hash_key
    from coordination.storage.factory import build_store

    orgs = dict(directory.organisations)
    for index, org in enumerate(_organisations_in(registry)):
        orgs.setdefault(f"registry-{index}", org)
    return await seed_dossier_demo(
        session,
        orgs,
        dict(directory.users),
        niss_key=niss_hash_key(settings),
        store=store if store is not None else build_store(settings),
    )


def _organisations_in(registry) -> list[Organisation]:
    if registry is None:
        return []
    found = getattr(registry, "organisations", registry)
    values = found.values() if isinstance(found, dict) else found
    try:
        return [o for o in values if isinstance(o, Organisation)]
    except TypeError:
        return []
