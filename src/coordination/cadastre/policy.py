"""The positive-exit definition and the comparison settings, read from ``policies/positive_exit.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

POLICY_FILE = "positive_exit.toml"
VERIFICATION_FILE = "cadastre_verification.toml"
DEFAULT_VERIFICATION_MONTHS = 12


CONTRACT_LABELS = {
    "cdi": "CDI", "cdd": "CDD", "interim": "intérim", "art60": "article 60", "art61": "article 61",
    "independent": "indépendant", "other": "autre",
}  # fmt: skip
"""Contract kinds as a regulator reads them (the rule file keeps the codes)."""


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
    protection_range: int = 3
    """A masked small count must keep a range of at least ``protection_range`` (``protection_range + 1``
    whole values) for a reader holding every published figure (``disclosure.protection_range``, default
    ``min_cell − 2``: the mask itself already says "from 1 to min_cell − 1"); any other masked count must
    admit two values at least."""

    def describe(self) -> dict:
        return {"version": self.version, "label": self.label, "text": self.plain_french()}

    def plain_french(self) -> str:
        """The definition as a sentence a regulator reads (printed on every page and report)."""
        parts = []
        if self.job_enabled:
            open_ended = (
                f" (ou sans date de fin : {', '.join(CONTRACT_LABELS.get(c, c) for c in self.open_ended_contracts)})"
                if self.open_ended_contracts
                else ""
            )
            parts.append(
                f"un emploi d'au moins {self.job_min_months} mois{open_ended}, commencé au plus tard "
                f"{self.job_within_months} mois après la fin de l'étape"
            )
        if self.training_enabled:
            kind = "une formation qualifiante" if self.training_qualifying_only else "une formation"
            parts.append(
                f"{kind}, commencée au plus tard {self.training_within_months} mois après la fin de l'étape"
            )
        statuses = {"ongoing": "en cours", "completed": "terminée", "planned": "prévue"}
        counted = " ou ".join(statuses.get(s, s) for s in self.outcome_statuses)
        return (
            f"Définition {self.version} : une étape terminée (achevée ou abandonnée) compte comme sortie "
            f"positive si la personne a ensuite {' ; ou '.join(parts)}, et jamais avant le début de "
            f"l'étape ; l'emploi ou la formation doit être {counted}. "
            f"Le profil de chaque entrant est son score de proximité à l'emploi au début de l'étape."
        )


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
        protection_range=int(
            data["disclosure"].get("protection_range", max(1, int(data["disclosure"]["min_cell"]) - 2))
        ),
    )
    if not (policy.job_enabled or policy.training_enabled):
        raise ValueError("positive_exit.toml : au moins une forme de sortie positive doit être active.")
    if policy.protection_range < 1:
        raise ValueError("positive_exit.toml : protection_range doit valoir au moins 1.")
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


def verification_months(policies_dir: Path) -> int:
    """Months after which an unverified registry record is flagged (``cadastre_verification.toml``)."""
    return _verification_months(str(policies_dir / VERIFICATION_FILE))


@lru_cache(maxsize=8)
def _verification_months(path: str) -> int:
    try:
        with open(path, "rb") as handle:
            months = int(tomllib.load(handle).get("max_age_months", DEFAULT_VERIFICATION_MONTHS))
    except FileNotFoundError:
        return DEFAULT_VERIFICATION_MONTHS
    if not 1 <= months <= 120:
        raise ValueError("cadastre_verification.toml : max_age_months doit être compris entre 1 et 120.")
    return months
