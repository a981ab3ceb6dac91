"""The dated parameter file: lookups on both sides of each date, explicit unknowns, data-only changes."""

import datetime as dt
from pathlib import Path

import pytest
from visa_builders import base, with_pay

from coordination.visa import parameters
from coordination.visa.checks import CHECK_IDS, run_checklist
from coordination.visa.parameters import Unknown

D = dt.date
P = parameters.default()


@pytest.mark.parametrize(
    ("name", "day", "expected"),
    [
        ("rmmmg_monthly", D(2023, 10, 31), None),
        ("rmmmg_monthly", D(2023, 11, 1), 1994.18),
        ("rmmmg_monthly", D(2024, 3, 31), 1994.18),
        ("rmmmg_monthly", D(2024, 4, 1), 2029.88),
        ("rmmmg_monthly", D(2024, 4, 30), 2029.88),
        ("rmmmg_monthly", D(2024, 5, 1), 2070.48),
        ("rmmmg_monthly", D(2025, 1, 31), 2070.48),
        ("rmmmg_monthly", D(2025, 2, 1), 2111.89),
        ("rmmmg_monthly", D(2025, 12, 31), 2111.89),
        ("rmmmg_monthly", D(2026, 1, 1), None),
        ("rmmmg_monthly", D(2026, 4, 1), None),
        ("rmmmg_hourly_38h", D(2025, 2, 1), 12.8252),
        ("variable_notice_working_days", D(2017, 9, 30), None),
        ("variable_notice_working_days", D(2017, 10, 1), 5),
        ("article_60_working_days", D(2026, 2, 28), None),
        ("article_60_working_days", D(2026, 3, 1), 312),
        ("deposit_threshold", D(2025, 12, 31), None),
        ("deposit_threshold", D(2026, 1, 1), 53281.41),
        ("deposit_threshold", D(2027, 1, 1), None),
        ("part_time_min_fraction", D(2026, 3, 31), 0.333333),
        ("part_time_min_fraction", D(2026, 4, 1), None),
    ],
)
def test_value_on_both_sides_of_each_date(name, day, expected):
    got = P.value(name, day)
    if expected is None:
        assert isinstance(got, Unknown)
        assert not got  # an Unknown never passes a truthiness test
        assert got.reason
    else:
        assert got == expected


@pytest.mark.parametrize(
    ("day", "low", "high"),
    [
        (D(2024, 1, 1), 41969, 83939),
        (D(2024, 12, 31), 41969, 83939),
        (D(2025, 1, 1), 43106, 86212),
        (D(2026, 1, 1), 44447, 88895),
        (D(2026, 12, 31), 44447, 88895),
    ],
)
def test_clause_thresholds(day, low, high):
    v = P.value("clause_pay_thresholds", day)
    assert (v["low"], v["high"]) == (low, high)


def test_clause_thresholds_unknown_before_and_after_published_years():
    assert isinstance(P.value("clause_pay_thresholds", D(2023, 12, 31)), Unknown)
    after = P.value("clause_pay_thresholds", D(2027, 1, 1))
    assert isinstance(after, Unknown) and "31/12/2026" in after.reason


def test_youth_rates_and_working_time():
    assert P.value("youth_rates", D(2022, 4, 1))["student_19"] == 0.85
    assert isinstance(P.value("youth_rates", D(2022, 3, 31)), Unknown)
    wt = P.value("working_time", D(2025, 1, 1))
    assert (wt["max_hours_day"], wt["max_hours_week"], wt["average_hours_week"]) == (8, 40, 38)


def test_disputed_deduction_cap_is_unknown_with_candidates():
    v = P.value("deductions_cap_fraction", D(2025, 1, 1))
    assert isinstance(v, Unknown) and v.candidates == (0.2, 0.333333)


def test_every_value_has_a_source_and_module_lookup_matches():
    for name in P.names:
        for e in P.parameter(name).entries:
            assert e.source.strip(), name
    assert parameters.value("rmmmg_monthly", D(2025, 2, 1)) == 2111.89
    assert P.version


def test_missing_source_is_rejected():
    with pytest.raises(ValueError, match="source"):
        parameters.loads('version = "x"\n[a]\nvalues = [{ valid_from = 2020-01-01, value = 1 }]\n')


def test_duplicate_date_is_rejected():
    text = 'version = "x"\n[a]\nvalues = [{ valid_from = 2020-01-01, value = 1, source = "s" }, { valid_from = 2020-01-01, value = 2, source = "s" }]\n'
    with pytest.raises(ValueError, match="same date"):
        parameters.loads(text)


def test_adding_an_indexation_is_a_data_change():
    """A new RMMMG value for April 2026 turns 'à vérifier' into a decision, without touching code."""
    text = Path(parameters.DEFAULT_PATH).read_text(encoding="utf-8")
    marker = "{ valid_from = 2026-04-01, valid_until = 2026-12-31, unknown = true, ceiling = 2233.63"
    assert marker in text
    line_start = text.index(marker)
    line_end = text.index("\n", line_start)
    indexed = (
        text[:line_start] + '{ valid_from = 2026-04-01, value = 2154.13, source = "test" },' + text[line_end:]
    )
    indexed = indexed.replace('version = "', 'version = "test-', 1)
    new = parameters.loads(indexed)
    c = with_pay(base(start_date=D(2026, 4, 1)), gross_monthly=2150)
    assert run_checklist(c, params=P).by_id("WAGE_RMMMG").status == "a_verifier"
    after = run_checklist(c, params=new)
    assert after.by_id("WAGE_RMMMG").status == "non_conforme"
    assert after.rule_set_version.startswith("test-")


def test_checklist_records_version_and_all_ids():
    cl = run_checklist(base())
    assert cl.rule_set_version == P.version
    assert [r.id for r in cl.results] == list(CHECK_IDS)
    assert len(CHECK_IDS) == 33
