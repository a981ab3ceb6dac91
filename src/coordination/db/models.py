"""Imports every package's tables so that ``Base.metadata`` is complete (Alembic, tests)."""

import importlib

from coordination.db.base import Base

MODEL_MODULES = (
    "coordination.directory.models",
    "coordination.access.models",
    "coordination.dossier.models",
    "coordination.referent.models",
    "coordination.visa.models",
    "coordination.cadastre.models",
    "coordination.cadastre.proposal_models",
    "coordination.referral.models",
    "coordination.inbox.models",
    "coordination.events.models",
    "coordination.task_runs",
    "coordination.directory.admin",
)


def load_all_models() -> type[Base]:
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base
