"""State and coherence rules of the file, and the rule files they read."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest

from coordination.dossier.rules import (
    RuleViolation,
    StepFacts,
    check_commitment_party,
    check_step,
    check_transition,
    is_stale,
    load_icf,
    load_retention,
    may_write_progress,
)

POLICIES = Path(__file__).resolve().parents[3] / "policies"


@pytest.mark.parametrize(
    ("kind", "current", "new"),
    [
        ("step", "planned", "ongoing"),
        ("step", "ongoing", "completed"),
        ("step", "ongoing", "dropped_out"),
        ("step", "planned", "cancelled"),
        ("objective", "proposed", "agreed"),
        ("objective", "agreed", "achieved"),
        ("commitment", "pending", "done"),
        ("commitment", "not_done", "pending"),
        ("step", "ongoing", "ongoing"),
    ],
)
def test_allowed_transitions(kind: str, current: str, new: str) -> None:
    check_transition(kind, current, new)


@pytest.mark.parametrize(
    ("kind", "current", "new"),
    [
        ("step", "completed", "ongoing"),
        ("step", "planned", "completed"),
        ("step", "cancelled", "planned"),
        ("objective", "achieved", "in_progress"),
        ("objective", "proposed", "achieved"),
        ("commitment", "done", "pending"),
    ],
)
def test_refused_transitions(kind: str, current: str, new: str) -> None:
    with pytest.raises(RuleViolation, match="ne peut pas passer") as info:
        check_transition(kind, current, new)
    assert info.value.code == "invalid-transition"


def test_unknown_status() -> None:
    with pytest.raises(RuleViolation, match="inconnu"):
        check_transition("step", "planned", "finished")


def test_job_outcome_only_on_job_like_steps() -> None:
    check_step(StepFacts(kind="job", status="ongoing", job_contract_kind="cdd", job_duration_months=6))
    check_step(StepFacts(kind="art60", status="ongoing", job_contract_kind="art60"))
    with pytest.raises(RuleViolation, match="contrat"):
        check_step(StepFacts(kind="training", status="ongoing", job_contract_kind="cdi"))
    with pytest.raises(RuleViolation, match="durée"):
        check_step(StepFacts(kind="mentoring", status="ongoing", job_duration_months=3))


def test_qualifying_only_on_trainings() -> None:
    check_step(StepFacts(kind="training", status="completed", training_qualifying=True))
    with pytest.raises(RuleViolation, match="qualifiant"):
        check_step(StepFacts(kind="immersion", status="completed", training_qualifying=True))


def test_dates_order() -> None:
    with pytest.raises(RuleViolation, match="précède"):
        check_step(
            StepFacts(
                kind="training", status="planned", start_date=date(2025, 3, 1), end_date=date(2025, 2, 1)
            )
        )


def test_commitment_party_and_organisation_kind() -> None:
    check_commitment_party("person", None)
    check_commitment_party("cpas", "cpas")
    with pytest.raises(RuleViolation):
        check_commitment_party("forem", None)
    with pytest.raises(RuleViolation):
        check_commitment_party("partner", "cpas")
    with pytest.raises(RuleViolation):
        check_commitment_party("person", "forem")
    with pytest.raises(RuleViolation):
        check_commitment_party("employer", None)


def test_progress_only_by_the_step_organisation() -> None:
    org, other = uuid4(), uuid4()
    assert may_write_progress(org, org)
    assert not may_write_progress(org, other)
    assert not may_write_progress(org, None)


def test_staleness() -> None:
    today = date(2025, 6, 30)
    assert is_stale(None, today, 30)
    assert is_stale(date(2025, 5, 31), today, 30)
    assert not is_stale(date(2025, 6, 1), today, 30)


def test_icf_catalogue_from_policies() -> None:
    catalogue = load_icf(POLICIES)
    assert catalogue.get("confiance").label == "Confiance en soi"
    assert len(catalogue.items) >= 12
    assert catalogue.check("confiance", 0).code == "confiance"
    with pytest.raises(RuleViolation, match="inconnu"):
        catalogue.check("astrologie", 1)
    with pytest.raises(RuleViolation, match="entre 0 et 4"):
        catalogue.check("confiance", 5)


def test_retention_rules_from_policies() -> None:
    policy = load_retention(POLICIES)
    assert policy.for_category("contract").code == "contrat"
    assert policy.retain_until("contract", date(2024, 2, 29)) == date(2034, 2, 28)
    with pytest.raises(RuleViolation):
        policy.for_category("photo_de_vacances")
