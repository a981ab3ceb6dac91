"""The positive-exit definition and the comparison settings, read from ``policies/positive_exit.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

POLICY_FILE = "positive_exit.toml"


@dataclass(frozen=True)
class PositiveExitPolicy:
    version: str
    label: str
    cohort_kinds: tuple[str, ...]
    outcome_statuses: tuple[str, ...]
    job_enabled: bool
    job_kinds: tuple[str, ...]
    job_min_months: int
    open_ended_contracts: tuple[str, ...]
    job_within_months: int
    training_enabled: bool
    training_kinds: tuple[str, ...]
    training_qualifying_only: bool
    training_within_months: int
    bands: tuple[tuple[int, int], ...]
    mix_bands: tuple[tuple[int, int], ...]
    confidence: float
    small_numbers: int
    min_cell: int

    def describe(self) -> dict:
        return {"version": self.version, "label": self.label}


def parse_policy(data: dict) -> PositiveExitPolicy:
    job, training, comparison = data["job"], data["training"], data["comparison"]
    policy = PositiveExitPolicy(
        version=str(data["version"]),
        label=str(data["label"]),
        cohort_kinds=tuple(data["cohort"]["step_kinds"]),
        outcome_statuses=tuple(data["outcome"]["statuses"]),
        job_enabled=bool(job["enabled"]),
        job_kinds=tuple(job["step_kinds"]),
        job_min_months=int(job["min_duration_months"]),
        open_ended_contracts=tuple(job.get("open_ended_contract_kinds", ())),
        job_within_months=int(job["within_months"]),
        training_enabled=bool(training["enabled"]),
        training_kinds=tuple(training["step_kinds"]),
        training_qualifying_only=bool(training.get("qualifying_only", True)),
        training_within_months=int(training["within_months"]),
        bands=tuple((int(lo), int(hi)) for lo, hi in comparison["bands"]),
        mix_bands=tuple((int(lo), int(hi)) for lo, hi in comparison["mix_bands"]),
        confidence=float(comparison.get("confidence", 0.95)),
        small_numbers=int(comparison.get("small_numbers", 30)),
        min_cell=int(data["disclosure"]["min_cell"]),
    )
    if not (policy.job_enabled or policy.training_enabled):
        raise ValueError("positive_exit.toml : au moins une forme de sortie positive doit être active.")
    if policy.min_cell < 2:
        raise ValueError("positive_exit.toml : min_cell doit valoir au moins 2.")
    covered = sorted(s for lo, hi in policy.bands for s in range(lo, hi + 1))
    if covered != list(range(10)):
        raise ValueError(
            "positive_exit.toml : les bandes doivent couvrir les scores 0 à 9, une seule fois chacun."
        )
    return policy


def load_policy(policies_dir: Path) -> PositiveExitPolicy:
    return _load(str(policies_dir / POLICY_FILE))


@lru_cache(maxsize=8)
def _load(path: str) -> PositiveExitPolicy:
    with open(path, "rb") as handle:
        return parse_policy(tomllib.load(handle))
