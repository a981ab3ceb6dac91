"""People and the parts of their file: plan, trajectory, progress, assessments, file events.

A person gets a valid NISS from a counter (``identifiers.nth_niss``) and its keyed hash: pass ``niss_key``
(``coordination.keys.niss_hash_key(settings)``) when the application will look the person up by NISS;
without it the hash uses :data:`FACTORY_NISS_KEY`, enough for rows only read by id. Defaults describe a
registered job seeker in Charleroi, French-speaking, born on the day their NISS says; a step is an ongoing training.
"""

from __future__ import annotations

from typing import Any

from polyfactory import Use
from stdnum.be import nn

from coordination.dossier.models import (
    Assessment,
    FileEvent,
    Person,
    PlanCommitment,
    PlanObjective,
    ProfileSection,
    ProgressEntry,
    TrajectoryStep,
)
from coordination.dossier.niss import niss_hash
from coordination.factories.base import ModelFactory, counter
from coordination.factories.identifiers import nth_niss

FACTORY_NISS_KEY = b"coordination-factories"
"""The NISS hash key of rows built without the instance's key (benches, rows read by id only)."""

_people = counter(0)


class PersonFactory(ModelFactory[Person]):
    __model__ = Person

    niss = Use(lambda: nth_niss(next(_people)))
    first_name = "Julie"
    last_name = "Martin"
    language = "fr"
    bassin = "Charleroi"
    inami_return_to_work = False

    @classmethod
    def build(cls, factory_use_construct: bool = False, **kwargs: Any) -> Person:
        """``niss_key``: the key of the NISS hash (default :data:`FACTORY_NISS_KEY`); the birth date is the
        NISS's unless given."""
        key = kwargs.pop("niss_key", FACTORY_NISS_KEY)
        person = super().build(factory_use_construct, **kwargs)
        if "niss_hash" not in kwargs:
            person.niss_hash = niss_hash(person.niss, key)
        if "birth_date" not in kwargs:
            person.birth_date = nn.get_birth_date(person.niss)
        return person


class ProfileSectionFactory(ModelFactory[ProfileSection]):
    __model__ = ProfileSection

    section = "project"
    content = Use(lambda: {"metier_vise": "Magasinier"})


class PlanObjectiveFactory(ModelFactory[PlanObjective]):
    __model__ = PlanObjective

    title = "Accéder à un emploi durable"
    status = "in_progress"


class PlanCommitmentFactory(ModelFactory[PlanCommitment]):
    __model__ = PlanCommitment

    party = "person"
    description = "Participer aux séances et tenir son CV à jour"
    status = "pending"


class TrajectoryStepFactory(ModelFactory[TrajectoryStep]):
    __model__ = TrajectoryStep

    kind = "training"
    title = "Formation qualifiante"
    status = "ongoing"


class ProgressEntryFactory(ModelFactory[ProgressEntry]):
    __model__ = ProgressEntry

    note = "Bonne intégration dans le groupe."
    attendance_hours = 18.0


class AssessmentFactory(ModelFactory[Assessment]):
    __model__ = Assessment

    item_code = "confiance"
    qualifier = 2


class FileEventFactory(ModelFactory[FileEvent]):
    __model__ = FileEvent

    section = "identity"
    kind = "person_created"
    summary = "Ouverture du dossier."


def person_identity(n: int, niss_key: bytes = FACTORY_NISS_KEY) -> dict[str, Any]:
    """The NISS, its hash and the birth date of the ``n``-th invented person (bulk rows vary these)."""
    niss = nth_niss(n)
    return {"niss": niss, "niss_hash": niss_hash(niss, niss_key), "birth_date": nn.get_birth_date(niss)}
