"""The positive-exit rule and its configuration file."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from coordination.cadastre.policy import load_policy, parse_policy
from coordination.cadastre.stats import StepFacts, add_months, positive_exit_on, qualifies_as_outcome

POLICIES = Path(__file__).resolve().parents[3] / "policies"
POLICY = load_policy(POLICIES)
TRAINING = StepFacts(1, "training", "completed", date(2025, 1, 6), date(2025, 3, 31))


def job(start, months=6, contract="cdd", status="ongoing", step_id=2):
    return StepFacts(step_id, "job", status, start, job_contract_kind=contract, job_duration_months=months)


def test_default_definition_is_printed_and_versioned():
    assert POLICY.version and "3 mois" in POLICY.label and "6 mois" in POLICY.label
    assert POLICY.job_min_months == 3 and POLICY.job_within_months == 6 and POLICY.min_cell == 5


def test_job_of_three_months_within_six_months_counts():
    assert positive_exit_on(TRAINING, [job(date(2025, 5, 1), months=3)], POLICY) == date(2025, 5, 1)
    assert positive_exit_on(TRAINING, [job(date(2025, 9, 30))], POLICY) == date(2025, 9, 30)  # 31 Mar + 6 m


def test_too_short_too_late_planned_or_before_the_step_does_not_count():
    assert positive_exit_on(TRAINING, [job(date(2025, 5, 1), months=2)], POLICY) is None
    assert positive_exit_on(TRAINING, [job(date(2025, 10, 1))], POLICY) is None
    assert positive_exit_on(TRAINING, [job(date(2025, 5, 1), status="planned")], POLICY) is None
    assert positive_exit_on(TRAINING, [job(date(2024, 12, 1))], POLICY) is None


def test_open_ended_contract_and_qualifying_training_count():
    assert positive_exit_on(TRAINING, [job(date(2025, 4, 1), months=None, contract="cdi")], POLICY)
    qualifying = StepFacts(3, "training", "ongoing", date(2025, 6, 1), training_qualifying=True)
    plain = StepFacts(4, "training", "ongoing", date(2025, 6, 1), training_qualifying=False)
    assert qualifies_as_outcome(qualifying, POLICY) == "training"
    assert positive_exit_on(TRAINING, [plain], POLICY) is None
    assert positive_exit_on(TRAINING, [qualifying], POLICY) == date(2025, 6, 1)


def test_a_step_is_never_its_own_exit_and_an_open_step_has_none():
    itself = StepFacts(
        1, "training", "completed", date(2025, 1, 6), date(2025, 3, 31), training_qualifying=True
    )
    assert positive_exit_on(itself, [itself], POLICY) is None
    ongoing = StepFacts(5, "mentoring", "ongoing", date(2025, 1, 6))
    assert positive_exit_on(ongoing, [job(date(2025, 2, 1))], POLICY) is None
    dropped = StepFacts(6, "mentoring", "dropped_out", date(2025, 1, 6), exit_date=date(2025, 2, 1))
    assert positive_exit_on(dropped, [job(date(2025, 2, 3))], POLICY) == date(2025, 2, 3)


def test_the_first_qualifying_outcome_is_the_exit_date():
    outcomes = [job(date(2025, 8, 1), step_id=7), job(date(2025, 5, 1), step_id=8)]
    assert positive_exit_on(TRAINING, outcomes, POLICY) == date(2025, 5, 1)


def test_add_months_clamps_to_the_end_of_a_shorter_month():
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 15), 12) == date(2026, 1, 15)


def test_the_definition_is_configuration():
    data = tomllib.loads((POLICIES / "positive_exit.toml").read_text())
    data["job"]["min_duration_months"] = 6
    data["training"]["enabled"] = False
    strict = parse_policy(data)
    assert positive_exit_on(TRAINING, [job(date(2025, 5, 1), months=3)], strict) is None
    qualifying = StepFacts(3, "training", "ongoing", date(2025, 6, 1), training_qualifying=True)
    assert positive_exit_on(TRAINING, [qualifying], strict) is None
    data["job"]["enabled"] = False
    with pytest.raises(ValueError, match="au moins une forme"):
        parse_policy(data)
    data["job"]["enabled"] = True
    data["comparison"]["bands"] = [[0, 4], [4, 9]]
    with pytest.raises(ValueError, match="bandes"):
        parse_policy(data)


def test_the_definition_is_a_plain_french_sentence_with_its_version():
    from pathlib import Path

    from coordination.cadastre.policy import load_policy

    policy = load_policy(Path(__file__).resolve().parents[3] / "policies")
    described = policy.describe()
    assert described["version"] == policy.version
    text = described["text"]
    assert text.startswith(f"Définition {policy.version} : ")
    assert "un emploi d'au moins 3 mois" in text and "une formation qualifiante" in text
    assert "{" not in text and "[" not in text and "job_" not in text
