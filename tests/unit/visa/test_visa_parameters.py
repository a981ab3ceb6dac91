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
    assert isinstance(after, Unknown) and "31 décembre 2026" in after.reason


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


def test_minimum_wages_are_floors_with_documented_ceilings():
    """Issue 18, point 2: from 2026-01-01 the RMMMG is unknown (LEGAL.md) but never under 2.111,89 €."""
    jan = P.value("rmmmg_monthly", D(2026, 1, 1))
    assert isinstance(jan, Unknown) and jan.floor == 2111.89 and jan.floor_since == D(2025, 2, 1)
    assert jan.ceiling == 2154.13 and "2 %" in jan.reason
    april = P.value("rmmmg_monthly", D(2026, 4, 1))
    assert april.floor == 2111.89 and april.ceiling == 2233.63
    later = P.value("rmmmg_monthly", D(2027, 1, 1))
    assert later.floor == 2111.89 and later.ceiling is None  # no bound is guessed after 2026
    hourly = P.value("rmmmg_hourly_38h", D(2026, 6, 1))
    assert hourly.floor == 12.8252 and hourly.ceiling == 13.565
    # thresholds that only rise: last year's amounts are floors
    nc = P.value("clause_pay_thresholds", D(2027, 3, 1))
    assert nc.floor == {"low": 44447.0, "high": 88895.0}
    assert P.value("deposit_threshold", D(2027, 3, 1)).floor == 53281.41
    # a value that can go either way is no floor
    assert P.value("deductions_cap_fraction", D(2025, 1, 1)).floor is None


def test_sources_of_the_2024_rmmmg_steps_are_not_swapped():
    """2.029,88 € = 1.994,18 + 35,70 (CCT 43/17 increase); 2.070,48 € = 2.029,88 × 1,02 (indexation)."""
    assert "43/17" in P.value_with_source("rmmmg_monthly", D(2024, 4, 1))[1]
    assert "indexation" in P.value_with_source("rmmmg_monthly", D(2024, 5, 1))[1]
    assert round(1994.18 + 35.70, 2) == 2029.88 and round(2029.88 * 1.02, 2) == 2070.48
    assert round(2070.48 * 1.02, 2) == 2111.89


LEGAL_TEXT = ("Loi", "loi", "LCT", "CCT", "AR ", "Décret", "Arrêté", "SPF", "CNT", "Projet de loi")


def test_every_value_names_a_legal_text_and_no_start_date_is_a_placeholder():
    import tomllib

    data = tomllib.loads(Path(parameters.DEFAULT_PATH).read_text(encoding="utf-8"))
    for name, spec in data.items():
        if name == "version":
            continue
        for entry in spec["values"]:
            assert "LEGAL.md" not in entry["source"], name  # the brief is not a source
            assert any(word in entry["source"] for word in LEGAL_TEXT), (name, entry["source"])
            if entry["valid_from"] == D(2003, 1, 1) and not entry.get("unknown"):
                # either the text begins then (38 h average: law of 10-8-2001, from 1-1-2003), or it is the
                # oldest date we can vouch for, said as such, with what was searched
                begins_then = "1-1-2003" in entry["source"]
                assert begins_then or (entry.get("start_unknown") and entry.get("searched")), name
    assert P.value("training_repayment", D(2013, 9, 1))["max_years"] == 3  # begins when its text says
    assert isinstance(P.value("training_repayment", D(2013, 8, 31)), Unknown)


def test_a_start_marked_unknown_must_say_what_was_searched():
    bad = 'version = "x"\n[p]\nvalues = [ { valid_from = 2003-01-01, value = 1, start_unknown = true, source = "Loi" } ]\n'
    with pytest.raises(ValueError, match="searched"):
        parameters.loads(bad)


COMMITTEES = [
    "100",
    "118",
    "119",
    "121",
    "124",
    "140.03",
    "200",
    "302",
    "311",
    "314",
    "322.01",
    "327",
    "329",
    "330",
    "337",
]


def test_sector_table_covers_the_insertion_committees_and_guesses_nothing():
    """Every CP of issue 18 has a shipped scale or a documented gap saying what was searched."""
    assert set(COMMITTEES) <= set(P.sector_committees)
    for cp in COMMITTEES:
        gap = P.sector_gap(cp)
        scale_known = any(key[0] == cp for key in P._scales)
        assert scale_known or (gap is not None and gap.searched), cp


def test_a_sector_scale_without_source_is_refused():
    text = Path(parameters.DEFAULT_PATH).read_text(encoding="utf-8")
    row = '\n[[sector_scales]]\njoint_committee = "302"\nfunction = "x"\nvalid_from = 2025-01-01\nmonthly_full_time = 1.0\nsource = ""\n'
    with pytest.raises(ValueError, match="source"):
        parameters.loads(text + row)
