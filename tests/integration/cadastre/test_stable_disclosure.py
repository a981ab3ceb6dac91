"""The masking does not depend on ids nor on the order rows come in, and it stays minimal.

The planted population of :mod:`.dataset` (with its small partner) is aggregated once from the database;
its cells are then given fresh random ids (UUIDs drawn from a seeded generator) and shuffled, several times.
Every run must publish the very same tables (rows compared by their labels, ids left aside), and the large
partners must stay published: the small partner's complement is the cheapest partner, not everybody.
"""

from __future__ import annotations

import random
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from coordination.cadastre.evaluation import Cell, _labels, aggregate_cells, assemble
from coordination.cadastre.policy import load_policy
from tests.integration.cadastre import dataset
from tests.integration.cadastre.conftest import direct_session

POLICY = load_policy(Path(__file__).resolve().parents[3] / "policies")
TABLES = ("partners", "agreements", "services", "bassins", "periods", "partner_periods")
SEEDS = range(8)


def _remapped(cells, labels, rng: random.Random):
    """The same population under other ids, its cells and score rows in another order."""
    mapping: dict[uuid.UUID, uuid.UUID] = {}

    def new(value: Any) -> Any:
        if isinstance(value, uuid.UUID):
            return mapping.setdefault(value, uuid.UUID(int=rng.getrandbits(128)))
        return value

    items = list(cells.items())
    rng.shuffle(items)
    out = {}
    for (dim, key), cell in items:
        scores = list(cell.by_score.items())
        rng.shuffle(scores)
        new_key = tuple(new(v) for v in key)
        out[(dim, new_key)] = Cell(dim, new_key, dict(scores))
    new_labels = {(dim, tuple(new(v) for v in key)): label for (dim, key), label in labels.items()}
    return out, new_labels


def _published(evaluation: dict) -> dict[str, list[tuple]]:
    """Every table as (label, figures) rows, ids left out."""
    out = {}
    for table in TABLES:
        rows = []
        for row in evaluation[table]:
            figures = {k: v for k, v in row.items() if k not in ("key", "partner_id")}
            rows.append((row["label"], repr(sorted(figures.items()))))
        out[table] = sorted(rows)
    return out


async def test_same_population_under_other_ids_and_orders_publishes_the_same_tables(world, database):
    async with direct_session(database) as session:
        await dataset.build(session, small_partner=True)
        cells = await aggregate_cells(session, date(2025, 1, 1), date(2025, 12, 31), POLICY)
        labels = await _labels(session, cells)
    as_of = date(2026, 12, 31)
    first = assemble(cells, POLICY, 2025, as_of, labels, {})
    reference = _published(first)
    for seed in SEEDS:
        other_cells, other_labels = _remapped(cells, labels, random.Random(seed))
        assert _published(assemble(other_cells, POLICY, 2025, as_of, other_labels, {})) == reference, seed
    # minimal: the small partner and one complement are masked; the two others are published
    by_label = {row["label"]: row for row in first["partners"]}
    assert by_label["Petite ASBL"]["entries"] is None
    masked = [label for label, row in by_label.items() if row["entries"] is None]
    assert len(masked) == 2, masked
    assert by_label["MIRE Centre"]["entries"] == 65  # the largest partner stays published
    published = [row for row in first["partners"] if row["entries"] is not None]
    assert all(row["positive_exits"] is not None for row in published)
