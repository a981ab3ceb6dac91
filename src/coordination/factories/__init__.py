"""Factories of the main rows, shared by the demo, the tests and the benchmarks.

One place says what a default organisation, user, person, consent, step or agreement looks like, so the
demo's story, the tests' worlds and the benches' million rows are built the same way and a new required
column is added once. Built on polyfactory's ``SQLAlchemyFactory`` (``base.ModelFactory``): ``build``
returns an unsaved row (its ``id`` already set), ``await add(session, ...)`` adds and flushes one, and
:mod:`.bulk` turns a factory into plain row dicts for bulk inserts. Deterministic: fixed defaults and
counters, dates from the injected clock.
"""

from coordination.factories.access import ConsentFactory, MandateFactory
from coordination.factories.base import add_all
from coordination.factories.cadastre import AgreementFactory, PartnerProfileFactory, ServiceFactory
from coordination.factories.directory import OrganisationFactory, UserFactory
from coordination.factories.dossier import (
    AssessmentFactory,
    FileEventFactory,
    PersonFactory,
    PlanCommitmentFactory,
    PlanObjectiveFactory,
    ProfileSectionFactory,
    ProgressEntryFactory,
    TrajectoryStepFactory,
)
from coordination.factories.identifiers import bce_from, niss_from, nth_niss
from coordination.factories.referent import AdviserFactory, OrientationFactory, ReferentLinkFactory

__all__ = [
    "AdviserFactory",
    "AgreementFactory",
    "AssessmentFactory",
    "ConsentFactory",
    "FileEventFactory",
    "MandateFactory",
    "OrganisationFactory",
    "OrientationFactory",
    "PartnerProfileFactory",
    "PersonFactory",
    "PlanCommitmentFactory",
    "PlanObjectiveFactory",
    "ProfileSectionFactory",
    "ProgressEntryFactory",
    "ReferentLinkFactory",
    "ServiceFactory",
    "TrajectoryStepFactory",
    "UserFactory",
    "add_all",
    "bce_from",
    "niss_from",
    "nth_niss",
]
