"""Pure referral rules: transitions, reasons, reminders, outcomes and alerts, service matching."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from coordination.inbox.services import MASK, scrub
from coordination.referral import rules
from coordination.referral.calendar import load_calendar
from coordination.referral.search import match

POLICIES = Path(__file__).resolve().parents[3] / "policies"
RULES = rules.load_rules(POLICIES)
CAL = load_calendar(POLICIES)


@pytest.mark.parametrize(
    ("current", "target", "ok"),
    [
        ("sent", "accepted", True),
        ("sent", "refused", True),
        ("sent", "waiting_list", True),
        ("sent", "withdrawn", True),
        ("sent", "expired", True),
        ("waiting_list", "accepted", True),
        ("waiting_list", "expired", False),
        ("accepted", "refused", False),
        ("refused", "accepted", False),
        ("withdrawn", "accepted", False),
        ("expired", "accepted", False),
        ("accepted", "withdrawn", False),
    ],
)
def test_transitions(current, target, ok) -> None:
    if ok:
        rules.check_transition(current, target)
    else:
        with pytest.raises(rules.RuleViolation) as info:
            rules.check_transition(current, target)
        assert info.value.status == 409


def test_refusal_reasons_from_the_list() -> None:
    assert RULES.check_refusal("no_capacity", "  ") == ("no_capacity", None)
    assert RULES.check_refusal("other", "Horaires") == ("other", "Horaires")
    with pytest.raises(rules.RuleViolation, match="Précisez"):
        RULES.check_refusal("other", "")
    with pytest.raises(rules.RuleViolation, match=r"« Plus de place disponible » \(no_capacity\)"):
        RULES.check_refusal("pas envie", None)
    with pytest.raises(rules.RuleViolation, match=r"^Choisissez le motif du refus\.$"):
        RULES.check_refusal("", None)
    with pytest.raises(rules.RuleViolation, match=r"^Catégorie de motif inconnue\. Choisissez parmi : « "):
        RULES.check_reason_category("astrologie")


def test_consent_always_covers_the_trajectory() -> None:
    assert rules.consented_sections(["plan", "project"], ("trajectory",)) == ["plan", "project", "trajectory"]
    assert rules.consented_sections(["trajectory", "plan"], ("trajectory",)) == ["trajectory", "plan"]


def test_reminders_before_the_deadline() -> None:
    deadline = date(2026, 4, 17)  # Friday
    assert RULES.reminders_before == (3, 1)
    assert RULES.due_reminders(deadline, date(2026, 4, 13), [], CAL) == []
    assert RULES.due_reminders(deadline, date(2026, 4, 14), [], CAL) == [3]
    assert RULES.due_reminders(deadline, date(2026, 4, 14), [3], CAL) == []
    assert RULES.due_reminders(deadline, date(2026, 4, 16), [3], CAL) == [1]
    assert RULES.due_reminders(deadline, date(2026, 4, 16), [], CAL) == [1, 3]  # a late sweep: both marked
    assert (
        RULES.due_reminders(deadline, date(2026, 4, 18), [], CAL) == []
    )  # past the deadline: expiry instead


def _r(status, days=None, reason=None):
    sent = datetime(2026, 3, 2, 9, tzinfo=UTC)
    return rules.AnsweredReferral(
        status, sent, sent + timedelta(days=days) if days is not None else None, reason
    )


def test_outcome_figures() -> None:
    result = rules.outcome(
        [
            _r("accepted", 2),
            _r("accepted", 4),
            _r("refused", 6, "no_capacity"),
            _r("refused", 1, "no_capacity"),
            _r("refused", 3, "profile_mismatch"),
            _r("expired"),
            _r("withdrawn"),
            _r("sent"),
            _r("waiting_list", 5),
        ]
    )
    assert result.received == 9
    assert result.answered == 6
    assert result.acceptance_rate == round(2 / 6, 4)  # accepted / (accepted + refused + expired)
    assert result.refusal_rate == 0.5
    assert result.median_response_days == 3.5
    assert result.refusal_reasons == {"no_capacity": 2, "profile_mismatch": 1}
    assert result.pending == 1 and result.withdrawn == 1 and result.expired == 1


def test_alerts_on_thresholds() -> None:
    few = rules.outcome([_r("refused", 30, "no_capacity")] * 4)
    assert rules.alerts_for(few, RULES) == []  # under min_referrals: no alert on 4 decisions
    many = rules.outcome([_r("refused", 30, "no_capacity")] * 4 + [_r("accepted", 20)] * 2)
    codes = [code for code, _ in rules.alerts_for(many, RULES)]
    assert codes == ["refusal-rate", "response-time"]
    fine = rules.outcome([_r("accepted", 2)] * 6)
    assert rules.alerts_for(fine, RULES) == []
    strict = rules.parse_rules({"alerts": {"min_referrals": 1, "max_refusal_rate": 0.0}})
    assert [c for c, _ in rules.alerts_for(rules.outcome([_r("refused", 1, "x")]), strict)] == [
        "refusal-rate"
    ]


def _service(**kw):
    base = {
        "service_areas": ["Charleroi"],
        "languages": ["fr"],
        "publics": ["NEET"],
        "name": "Formation maçonnerie",
        "alternate_name": None,
        "description": "Bâtiment et gros œuvre",
    }
    base.update(kw)
    return SimpleNamespace(**base)


def test_service_matching() -> None:
    s = _service()
    assert match(s, bassin="charleroi", language="fr", public=None, theme=None) == (True, True, True, True)
    assert match(s, bassin="Namur", language="nl", public="seniors", theme="cuisine") == (
        False,
        False,
        False,
        False,
    )
    assert match(s, bassin=None, language=None, public="neet", theme="gros ŒUVRE")[1:] == (True, True, True)
    open_to_all = _service(service_areas=[], languages=[], publics=[])
    assert match(open_to_all, bassin=None, language="de", public="x", theme=None) == (True, True, True, True)


def test_no_niss_in_a_notification() -> None:
    assert scrub("NISS 85071412330 de Julie") == f"NISS {MASK} de Julie"
    assert scrub("n° 85.07.14-123.30") == f"n° {MASK}"
    assert scrub("le 14/07/1985 à 10:30, 12 places") == "le 14/07/1985 à 10:30, 12 places"
    assert scrub("tél. 0471234567") == "tél. 0471234567"  # 10 digits: a phone, not a NISS
