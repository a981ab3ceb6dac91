"""Disclosure test through the database and the API, on each engine: for random small populations, every
count the evaluation masks admits at least two whole values consistent with every figure published for the
year (the API's JSON, which the pages, the PDF and the CSV print), solved exactly by CP-SAT."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from coordination.cadastre.evaluation import aggregate_cells, assemble
from coordination.cadastre.policy import load_policy
from tests.integration.cadastre.conftest import direct_session
from tests.integration.cadastre.test_evaluation_reference import _population
from tests.unit.cadastre.exact_attack import (
    _row_counts,
    masked_cells_admitting_one_value,
    published_rows,
    truth_of,
)

POLICIES = Path(__file__).resolve().parents[3] / "policies"
URL = "/api/v1/cadastre/evaluation"


@pytest.mark.parametrize("seed", [3, 11])
async def test_no_masked_count_is_determined_by_everything_published(client, world, database, seed):
    async with direct_session(database) as session:
        await _population(session, random.Random(seed))
    response = await client.get(URL, params={"year": 2025}, headers=world.regulator)
    assert response.status_code == 200, response.text
    published = response.json()
    policy = replace(load_policy(POLICIES), min_cell=1, protection_range=0)
    async with direct_session(database) as session:
        cells = await aggregate_cells(session, date(2025, 1, 1), date(2025, 12, 31), policy)
    unmasked = assemble(cells, policy, 2025, date(2026, 12, 31), {}, {})
    truth = truth_of(unmasked)
    masked = [
        (table, key, m)
        for table, key, row in published_rows(published)
        for m, v in _row_counts(row).items()
        if v is None
    ]
    assert len(masked) > 50  # a small population: much is masked
    assert masked_cells_admitting_one_value(published, truth) == []
    # expected exits (and every ratio) are masked wherever the observed counts are
    for _, _, row in published_rows(published):
        if row["positive_exits"] is None or row["ended"] is None:
            assert row["expected_positive_exits"] is None and row["observed_expected_ratio"] is None
            assert row["positive_rate"] is None and row["ratio_interval"] is None
    # the published figures are the true ones where shown
    for table, key, row in published_rows(published):
        for measure, value in _row_counts(row).items():
            if value is not None:
                assert value == truth[(table, key, measure)], (table, key, measure)
