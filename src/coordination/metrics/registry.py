"""The metrics themselves, created once per process, and the helpers the code calls to record them.

Kept in one module so the full list an operator can graph is visible at a glance (see ``deploy/README.md``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from coordination.metrics import MULTIPROC_ENV

UNMATCHED = "<unmatched>"

HTTP_REQUESTS = Counter(
    "coordination_http_requests_total",
    "Requêtes HTTP servies, par méthode, gabarit de route et statut.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "coordination_http_request_duration_seconds",
    "Durée des requêtes HTTP (jusqu'à la fin de la réponse), par méthode et gabarit de route.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
GATE_DECISIONS = Counter(
    "coordination_gate_decisions_total",
    "Décisions de la porte d'accès, par base légale et résultat (allow/deny).",
    ["basis", "outcome"],
)
STORE_ERRORS = Counter(
    "coordination_document_store_errors_total",
    "Erreurs du stockage des documents (hors clé absente), par stockage et type d'erreur.",
    ["store", "error"],
)
SCAN_RESULTS = Counter(
    "coordination_scan_results_total",
    "Résultats de l'analyse antivirus (clean, infected, not_scanned, unavailable, failed).",
    ["result"],
)
DEPENDENCY_UP = Gauge(
    "coordination_dependency_up",
    "1 si la dépendance répondait à la dernière vérification, 0 sinon (database, document_store, antivirus).",
    ["dependency"],
    multiprocess_mode="mostrecent",
)


_E = TypeVar("_E", bound=BaseException)


def record_request(method: str, route: str | None, status: int, seconds: float) -> None:
    route = route or UNMATCHED
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)


def record_gate_decisions(decisions: Iterable[tuple[str | None, bool]]) -> None:
    """``(basis or None, allowed)`` per decision; a denial has no basis (``none``)."""
    for basis, allowed in decisions:
        GATE_DECISIONS.labels(basis or "none", "allow" if allowed else "deny").inc()


def record_store_error(store: str, error: _E) -> _E:
    """Count ``error`` unless it only says a key is missing (a 404, not a store failure); returns it."""
    if type(error).__name__ != "NotFoundInStore":
        STORE_ERRORS.labels(store, type(error).__name__).inc()
    return error


def record_scan(result: str) -> None:
    SCAN_RESULTS.labels(result).inc()


def record_dependency(name: str, up: bool) -> None:
    DEPENDENCY_UP.labels(name).set(1 if up else 0)


class TaskRunsCollector:
    """Daily task runs, read from the ``task_runs`` table at scrape time.

    The tasks run in another process (a CronJob's pod, a compose service), whose in-memory counters no
    scrape would ever see: the run's rows are the truth, so the scrape turns them into samples.
    """

    def __init__(self, rows: list[tuple[str, bool, int, float | None]]) -> None:
        self.rows = rows

    def collect(self):
        runs = CounterMetricFamily(
            "coordination_task_runs",
            "Exécutions des étapes de « coordination tasks », par étape et résultat (ok/failed).",
            labels=["step", "outcome"],
        )
        last = GaugeMetricFamily(
            "coordination_task_last_run_timestamp_seconds",
            "Fin de la dernière exécution de chaque étape (horodatage Unix), par résultat.",
            labels=["step", "outcome"],
        )
        for step, ok, count, finished in self.rows:
            outcome = "ok" if ok else "failed"
            runs.add_metric([step, outcome], count)
            if finished is not None:
                last.add_metric([step, outcome], finished)
        yield runs
        yield last


def render(extra_collectors: Iterable[object] = ()) -> tuple[bytes, str]:
    """The text exposition of every worker's samples (multiprocess) or this process's, plus extras."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_ProcessRegistry())
    for collector in extra_collectors:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _ProcessRegistry:
    """The default registry's metrics, as a collector (so extras can be added per scrape)."""

    def collect(self):
        yield from REGISTRY.collect()
