"""Synthetic files for ``coordination demo``: French-named people at different stages of their pathway.

Everything is invented (names, NISS built with a valid check so they pass validation). Rows are written
directly through the models: the demo seeds a database, it does not act as a user (no journal rows).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from coordination import clock
from coordination.access.models import MandateKind
from coordination.directory.models import Organisation, OrganisationKind, Role, User
from coordination.dossier.models import Document, DocumentVersion, Person
from coordination.factories import (
    AssessmentFactory,
    FileEventFactory,
    MandateFactory,
    PersonFactory,
    PlanCommitmentFactory,
    PlanObjectiveFactory,
    ProfileSectionFactory,
    ProgressEntryFactory,
    TrajectoryStepFactory,
    niss_from,
)
from coordination.factories.base import add_all

PEOPLE = [
    # first, last, birth, NISS serial, bassin, score, digital, ris, stage
    ("Julie", "Martin", date(1985, 7, 14), 123, "Charleroi", 2, True, False, "emploi"),
    ("Mehdi", "El Amrani", date(1992, 3, 5), 211, "Charleroi", 6, False, True, "formation"),
    ("Sophie", "Lemaire", date(1978, 9, 22), 45, "Charleroi", 8, False, True, "art60"),
    ("Kevin", "Dupont", date(2001, 4, 17), 317, "Liège", 5, True, False, "immersion"),
    ("Aïcha", "Diallo", date(1999, 1, 1), 402, "Liège", 7, False, True, "debut"),
    ("Luc", "Vandenberghe", date(1969, 6, 30), 89, "Charleroi", 4, True, False, "inami"),
]


JOBS = ("Aide-soignante", "Soudeur", "Commis de cuisine", "Magasinier", "Aide ménagère", "Électricien")
OBSTACLES = ("Mobilité", "Garde d'enfants", "Maîtrise du français", "Aucun", "Logement", "Santé")
STAGES = {
    # the steps of each stage of the pathway, in order (``debut``: none yet)
    "emploi": [("training", "completed"), ("job", "ongoing")],
    "formation": [("orientation", "completed"), ("training", "ongoing")],
    "art60": [("art60", "ongoing")],
    "immersion": [("mentoring", "completed"), ("immersion", "ongoing")],
    "inami": [("orientation", "completed"), ("pfi", "planned")],
}
STEP_TITLES = {
    "training": "Formation qualifiante",
    "job": "Contrat de travail",
    "orientation": "Bilan d'orientation",
    "art60": "Mise à l'emploi article 60 §7",
    "mentoring": "Mentorat Duo for a job",
    "immersion": "Stage d'immersion en entreprise",
    "pfi": "Formation en entreprise (PFI)",
}
WEEKLY_NOTES = (
    ("Bonne intégration dans le groupe.", 18),
    ("Assiduité régulière, quelques retards.", 16.5),
    ("Progrès nets en autonomie.", 19),
)
ASSESSED = (("confiance", 3, 2), ("ponctualite", 2, 1), ("communication_orale", 2, 1))
"""ICF items a partner assesses: (code, qualifier at entry, a month later): 0 = no problem … 4 = complete."""


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


def _mandates(person: Person, forem, cpas, users, registered_on: date) -> list:
    """Every demo person is a registered job seeker (asserted by the Forem referent); some get the RIS
    from a CPAS (asserted by that CPAS's social worker when the demo has one)."""
    referent = _by_role(users, Role.FOREM_REFERENT)
    rows = [
        MandateFactory.build(
            person_id=person.id, kind=MandateKind.FOREM_REGISTRATION, organisation_id=forem.id,
            started_on=registered_on, asserted_by_user_id=referent.id if referent else None,
            asserted_by_name=referent.display_name if referent else "Forem",
        )
    ]  # fmt: skip
    if cpas is not None:
        worker = next(
            (u for u in users.values() if u.role is Role.CPAS_SOCIAL_WORKER and u.organisation_id == cpas.id),
            None,
        )
        rows.append(
            MandateFactory.build(
                person_id=person.id, kind=MandateKind.RIS, organisation_id=cpas.id, started_on=registered_on,
                ground="Décision d'octroi du revenu d'intégration",
                asserted_by_user_id=worker.id if worker else None,
                asserted_by_name=worker.display_name if worker else cpas.name,
            )
        )  # fmt: skip
    return rows


def _person(index: int, row: tuple, niss_key: bytes) -> Person:
    first, last, birth, serial, bassin, score, digital, _ris, stage = row
    return PersonFactory.build(
        niss=niss_from(birth, serial), niss_key=niss_key, first_name=first, last_name=last, birth_date=birth,
        email=f"{first.lower()}.{last.lower().replace(' ', '')}@exemple.be".replace("ï", "i"),
        phone=f"+32 47{index} 12 34 5{index}", address=f"Rue de la Station {10 + index}, {bassin}",
        bassin=bassin, inami_return_to_work=stage == "inami", proximity_score=score, digital_autonomy=digital,
    )  # fmt: skip


@dataclass
class _File:
    """What one person's file is made of, and who wrote it (the Forem referent, at the Forem)."""

    person: Person
    index: int
    stage: str
    forem: Organisation
    cpas: Organisation | None
    author: UUID | None
    today: date
    rows: list = field(default_factory=list)

    def event(
        self, section: str, kind: str, summary: str, days_ago: int, subject: UUID | None = None
    ) -> None:
        self.rows.append(
            FileEventFactory.build(
                person_id=self.person.id, section=section, kind=kind, summary=summary, subject_id=subject,
                actor_user_id=self.author, actor_organisation_id=self.forem.id,
                occurred_at=clock.now() - timedelta(days=days_ago),
            )
        )  # fmt: skip


def _profile_and_plan(file: _File) -> None:
    person, index, forem, cpas = file.person, file.index, file.forem, file.cpas
    file.event("identity", "person_created", "Ouverture du dossier.", 60 + 45 * index)
    file.rows.append(
        ProfileSectionFactory.build(
            person_id=person.id, section="project", updated_by=file.author, organisation_id=forem.id,
            content={"metier_vise": JOBS[index], "atouts": "Motivation, expérience bénévole",
                     "freins": OBSTACLES[index]},
        )
    )  # fmt: skip
    if cpas:
        file.rows.append(
            ProfileSectionFactory.build(
                person_id=person.id, section="social", organisation_id=cpas.id,
                content={"situation": "Isolé(e), revenu d'intégration au taux isolé",
                         "suivi_cpas": "PIIS signé, rendez-vous mensuel"},
            )
        )  # fmt: skip
    starting = file.stage == "debut"
    objective = PlanObjectiveFactory.build(
        person_id=person.id, title="Définir un projet professionnel" if starting else "Accéder à un emploi durable",
        description="Objectif négocié lors de l'entretien de diagnostic.", due_date=file.today + timedelta(days=180),
        status="proposed" if starting else "in_progress", created_by=file.author,
    )  # fmt: skip
    file.rows.append(objective)
    file.event(
        "plan", "objective_created", f"Objectif ajouté au plan d'action : « {objective.title} ».",
        50 + 40 * index, objective.id,
    )  # fmt: skip
    commitments = [
        ("person", None, "Participer aux séances et tenir son CV à jour", "pending"),
        ("forem", forem.id, "Proposer une formation adaptée dans le mois", "done"),
    ]
    if cpas:
        commitments.append(
            ("cpas", cpas.id, "Financer l'abonnement de transport pendant la formation", "pending")
        )
    file.rows.extend(
        PlanCommitmentFactory.build(
            objective_id=objective.id, person_id=person.id, party=party, organisation_id=org_id,
            description=text, status=status,
        )
        for party, org_id, text, status in commitments
    )  # fmt: skip


def _step_organisation(kind: str, file: _File, partners: list[Organisation], step_index: int) -> Organisation:
    if kind == "orientation":
        return file.forem
    if kind == "art60":
        return file.cpas or file.forem
    return partners[(file.index + step_index) % len(partners)]


def _trajectory(file: _File, partners: list[Organisation], operator: User | None) -> None:
    started = file.today - timedelta(days=30 + 40 * file.index)
    for step_index, (kind, status) in enumerate(STAGES.get(file.stage, [])):
        org = _step_organisation(kind, file, partners, step_index)
        start = started + timedelta(days=60 * step_index)
        ended = start + timedelta(days=50) if status == "completed" else None
        step = TrajectoryStepFactory.build(
            person_id=file.person.id, kind=kind, organisation_id=org.id, title=STEP_TITLES[kind],
            start_date=file.today + timedelta(days=14) if status == "planned" else start, end_date=ended,
            exit_date=ended, status=status, job_contract_kind={"job": "cdd", "art60": "art60"}.get(kind),
            job_duration_months={"job": 12, "art60": 18}.get(kind),
            training_qualifying=True if kind == "training" else None, created_by=file.author,
        )  # fmt: skip
        file.rows.append(step)
        file.event(
            "trajectory", "step_created", f"{step.title} chez {org.name}.",
            40 * file.index + 30 - 10 * step_index, step.id,
        )  # fmt: skip
        writer = operator.id if operator else file.author
        if org.kind is OrganisationKind.PARTNER and status in ("ongoing", "completed") and writer is not None:
            _progress(file, step, org, writer, start)


def _progress(file: _File, step, org: Organisation, writer: UUID, start: date) -> None:
    """Three weeks of notes and attendance, and three ICF items assessed at entry and a month later."""
    about = {
        "step_id": step.id,
        "person_id": file.person.id,
        "organisation_id": org.id,
        "author_user_id": writer,
    }
    file.rows.extend(
        ProgressEntryFactory.build(
            **about, note=note, attendance_hours=hours, milestone="Module 1 validé" if week == 2 else None
        )
        for week, (note, hours) in enumerate(WEEKLY_NOTES)
    )
    file.rows.extend(
        AssessmentFactory.build(**about, item_code=code, qualifier=qualifier, assessed_on=when)
        for code, first_q, last_q in ASSESSED
        for when, qualifier in ((start, first_q), (start + timedelta(days=30), last_q))
    )
    file.event("progress", "progress_added", "Progression notée par le partenaire.", 40 * file.index + 5)


async def _documents(file: _File, store) -> None:
    """A CV and a training certificate, stored as small PDFs (object first, row second)."""
    person = file.person
    for title, category in (("Curriculum vitae", "cv"), ("Attestation de formation", "certificate")):
        document_id = uuid7()
        key = f"persons/{person.id}/{document_id}/v1-{uuid7().hex}"
        body = _pdf(f"{title} - {person.first_name} {person.last_name} (document de demonstration)")

        async def chunks(data: bytes = body):
            yield data

        stored = await store.put(key, chunks(), content_type="application/pdf", max_size=1024 * 1024)
        file.rows.append(
            Document(
                id=document_id, person_id=person.id, title=title, category=category, section="documents",
                retention_rule="accompagnement", retain_until=file.today.replace(year=file.today.year + 5),
                organisation_id=file.forem.id, created_by=file.author, current_version=1,
            )
        )  # fmt: skip
        file.rows.append(
            DocumentVersion(
                document_id=document_id, person_id=person.id, number=1, object_key=key, sha256=stored.sha256,
                size=stored.size, media_type="application/pdf", filename=f"{category}.pdf", scan_status="clean",
                scanned_at=clock.now(), uploaded_by=file.author,
            )
        )  # fmt: skip
        file.event("documents", "document_added", f"Document déposé : « {title} ».", 20, document_id)


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
    today = today or clock.today()
    forem = _by_kind(orgs, OrganisationKind.FOREM)[0]
    cpas_list = _by_kind(orgs, OrganisationKind.CPAS)
    partners = _by_kind(orgs, OrganisationKind.PARTNER) or [forem]
    referent = _by_role(users, Role.FOREM_REFERENT)
    operator = _by_role(users, Role.PARTNER_OPERATOR)
    people = [_person(index, row, niss_key) for index, row in enumerate(PEOPLE)]
    rows: list = [*people]
    for index, (person, row) in enumerate(zip(people, PEOPLE, strict=True)):
        ris, stage = row[7], row[8]
        cpas = cpas_list[index % len(cpas_list)] if (ris and cpas_list) else None
        file = _File(person, index, stage, forem, cpas, referent.id if referent else None, today)
        file.rows.extend(_mandates(person, forem, cpas, users, today - timedelta(days=60 + 45 * index)))
        _profile_and_plan(file)
        _trajectory(file, partners, operator)
        if store is not None and index < 3:
            await _documents(file, store)
        rows.extend(file.rows)
    await add_all(session, rows)
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
