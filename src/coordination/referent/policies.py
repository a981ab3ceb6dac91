"""The referent rule files, read once per policies folder (they change by a reviewed commit and a restart)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from coordination.referent.orientation import OrientationMatrix, ReferentRules, load_matrix, load_rules
from coordination.settings import Settings


@dataclass(frozen=True)
class ReferentPolicies:
    matrix: OrientationMatrix
    rules: ReferentRules


@lru_cache(maxsize=4)
def referent_policies(policies_dir: Path) -> ReferentPolicies:
    return ReferentPolicies(load_matrix(policies_dir), load_rules(policies_dir))


def provide_policies(settings: Settings) -> ReferentPolicies:
    """The ``policies`` dependency of the referent routes and pages."""
    return referent_policies(settings.policies_dir)
