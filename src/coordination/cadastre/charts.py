"""The evaluation's figures as bars: one reading of an evaluation row (value and confidence interval),
shared by the registry pages and the PDF report so both draw the same thing from the same figures."""

from __future__ import annotations

from typing import Any

from coordination.reports.charts import Bar


def _interval(row: dict[str, Any], field: str) -> tuple[float | None, float | None]:
    low, high = (row.get(field) or [None, None])[:2]
    return low, high


def ratio_bar(label: str, row: dict[str, Any] | None) -> Bar:
    """Observed / expected positive exits (``None`` when masked or absent)."""
    if not row or row.get("observed_expected_ratio") is None:
        return Bar(label, None)
    return Bar(label, row["observed_expected_ratio"], *_interval(row, "ratio_interval"))


def rate_bar(label: str, row: dict[str, Any] | None) -> Bar:
    """Raw positive-exit rate (``None`` when masked or absent)."""
    if not row or row.get("positive_rate") is None:
        return Bar(label, None)
    return Bar(label, row["positive_rate"], *_interval(row, "positive_rate_interval"))
