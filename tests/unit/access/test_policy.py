"""The policy file and its check: unknown vocabulary fails; enforce is cheap."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from coordination.access.policy import Policy, read_lines
from coordination.access.policy_check import check_policy_lines

POLICIES = Path(__file__).resolve().parents[3] / "policies"


def test_shipped_policy_is_clean():
    assert check_policy_lines(read_lines(POLICIES / "policy.csv")) == []


def test_unknown_vocabulary_fails(tmp_path):
    shutil.copy(POLICIES / "model.conf", tmp_path / "model.conf")
    (tmp_path / "policy.csv").write_text(
        "p, forem_referent, plan, read, mandate\n"
        "p, wizard, plan, read, mandate\n"
        "p, forem_referent, diary, read, mandate\n"
        "p, forem_referent, plan, peek, mandate\n"
        "p, forem_referent, plan, read, friendship\n"
        "p, forem_referent, plan\n"
        "p, forem_referent, plan, read, mandate\n"
    )
    problems = check_policy_lines(read_lines(tmp_path / "policy.csv"))
    joined = "\n".join(problems)
    for needle in ("rôle inconnu « wizard »", "section inconnue « diary »", "action inconnue « peek »",
                   "base inconnue « friendship »", "ligne 6", "en double"):  # fmt: skip
        assert needle in joined


def test_social_and_health_never_by_forem_mandate():
    policy = Policy(POLICIES)
    for role in ("forem_referent", "forem_eadviser", "partner_operator", "partner_manager"):
        for action in ("read", "write", "export"):
            assert not policy.allows(role, "social", action, "mandate")
            assert not policy.allows(role, "health", action, "mandate")
            assert not policy.allows(role, "social", action, "referent")
    assert policy.allows("cpas_social_worker", "social", "read", "mandate")
    assert not policy.allows("regulator", "identity", "read", "mandate")


def test_enforce_is_cheap():
    """FastEnforcer filters lines by the request's four fields: well under 1 ms per call."""
    policy = Policy(POLICIES)
    n = 2000
    started = time.perf_counter()
    for _ in range(n):
        policy.allows("partner_operator", "progress", "write", "consent")
    per_call = (time.perf_counter() - started) / n
    assert per_call < 0.0005, per_call
