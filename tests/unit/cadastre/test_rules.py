"""BCE/KBO numbers and the agreement life cycle."""

from __future__ import annotations

from datetime import date

import pytest

from coordination.cadastre import rules


@pytest.mark.parametrize(
    "raw", ["0403.170.701", "BE 0403 170 701", "0403170701", "403.170.701", "0202.239.951"]
)
def test_valid_bce_numbers(raw):
    assert rules.bce_error(raw) is None


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("0403170702", "modulo 97"),
        ("04031707", "10 chiffres"),
        ("04031707011", "10 chiffres"),
        ("04O3170701", "10 chiffres"),
        ("2403170701", "commencer par 0 ou 1"),
        ("", "10 chiffres"),
    ],
)
def test_invalid_bce_numbers_say_why_in_french(raw, why):
    assert why in rules.bce_error(raw)


def test_check_digits_are_97_minus_mod_97():
    # 04031707 mod 97 = 96 → check 01
    assert 4031707 % 97 == 96 and rules.bce_with_check(4031707) == "0403170701"
    for n in (1, 96, 97, 12345678, 19999999):
        assert rules.is_valid_bce(rules.bce_with_check(n))
    assert rules.normalise_bce("BE0403.170.701") == "0403170701"
    assert rules.format_bce("0403170701") == "0403.170.701"


def test_expiry_steps_and_alerts():
    today = date(2025, 6, 15)
    assert rules.effective_status("active", date(2025, 6, 14), today) == "closed"
    assert rules.effective_status("active", date(2025, 6, 15), today) == "active"
    assert rules.accepts_steps("active", date(2025, 1, 1), date(2025, 12, 31), date(2025, 7, 1), today)
    assert not rules.accepts_steps("active", date(2025, 1, 1), date(2025, 12, 31), date(2026, 1, 1), today)
    assert not rules.accepts_steps("active", date(2024, 1, 1), date(2025, 6, 1), date(2025, 5, 1), today)
    assert not rules.accepts_steps("closed", date(2025, 1, 1), date(2025, 12, 31), date(2025, 7, 1), today)
    assert rules.ending_soon("active", date(2025, 7, 1), today)
    assert not rules.ending_soon("active", date(2026, 7, 1), today)
    assert rules.alert_level(10) == "urgent" and rules.alert_level(45) == "warning"


def test_funding_is_prorated_by_days():
    cents = 3_650_000
    assert (
        rules.prorated_funding(
            cents, date(2025, 1, 1), date(2025, 12, 31), date(2025, 1, 1), date(2025, 12, 31)
        )
        == cents
    )
    half = rules.prorated_funding(
        cents, date(2024, 7, 2), date(2025, 7, 1), date(2025, 1, 1), date(2025, 12, 31)
    )
    assert half == round(cents * 182 / 365)
    assert (
        rules.prorated_funding(
            cents, date(2023, 1, 1), date(2023, 12, 31), date(2025, 1, 1), date(2025, 12, 31)
        )
        == 0
    )
    assert (
        rules.prorated_funding(
            None, date(2025, 1, 1), date(2025, 12, 31), date(2025, 1, 1), date(2025, 12, 31)
        )
        is None
    )


def test_verification_is_stale_after_any_later_edit_and_overdue_after_the_configured_months():
    from datetime import UTC, datetime, timedelta

    from coordination.cadastre.rules import changed_since_verification, verification_overdue

    verified = datetime(2025, 3, 10, 22, 30, tzinfo=UTC)  # 23:30 in Brussels: the 10th there too
    assert changed_since_verification(None, verified)
    assert not changed_since_verification(verified, verified - timedelta(hours=2))
    # an edit a minute later, the same day, is a change at once (timestamps, one time zone)
    assert changed_since_verification(verified, verified + timedelta(minutes=1))
    created = datetime(2019, 1, 1, tzinfo=UTC)
    assert verification_overdue(datetime(2019, 5, 2, tzinfo=UTC), created, verified, 12)
    assert not verification_overdue(verified, created, datetime(2026, 3, 9, 12, tzinfo=UTC), 12)
    assert verification_overdue(verified, created, datetime(2026, 3, 10, 12, tzinfo=UTC), 12)
    assert not verification_overdue(verified, created, datetime(2025, 9, 9, tzinfo=UTC), 6)
    # never verified: counted from the record's creation
    assert verification_overdue(None, created, verified, 12)
    assert not verification_overdue(None, verified, verified + timedelta(days=30), 12)


def test_csv_exports_neutralise_formulas_and_read_french_headers_back():
    import csv
    import io

    from coordination.cadastre.csv_io import column_of, to_csv
    from coordination.cadastre.evaluation_csv import evaluation_csv

    text = to_csv("organisations", [{"name": '=HYPERLINK("x")', "tax_id": "0403170701", "bassin": "+Mons"}])
    assert text.startswith("\ufeffNuméro BCE;Nom;")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[1][1] == '\'=HYPERLINK("x")' and rows[1][3] == "'+Mons"
    assert [column_of(h) for h in rows[0][:3]] == ["tax_id", "name", "partner_kind"]
    assert column_of("NUMÉRO BCE") == "tax_id" and column_of("tax_id") == "tax_id"
    evaluation = {
        "positive_exit_definition": {"version": "v1", "text": "Définition."},
        "overall": None,
        "partners": [],
        "agreements": [],
        "services": [],
        "bassins": [{"key": "-x", "label": "@Bassin", "partner_id": None, **dict.fromkeys(
            ("people", "entries", "completed", "dropped_out", "ended", "positive_exits", "positive_rate",
             "positive_rate_interval", "expected_positive_exits", "observed_expected_ratio", "ratio_interval",
             "steps_without_score", "cost_per_positive_exit_eur")),
            "verdict": "=1+1", "entrant_mix": {}, "positive_exit_definition": "v1",
            "progression": dict.fromkeys(("assessed_steps", "improved_steps", "mean_gain"))}],
        "periods": [],
        "partner_periods": [],
    }  # fmt: skip
    lines = list(csv.reader(io.StringIO(evaluation_csv(evaluation, ",").lstrip("\ufeff"))))
    assert lines[2][1:4] == ["'-x", "", "'@Bassin"] and "'=1+1" in lines[2]
