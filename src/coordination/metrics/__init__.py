"""Prometheus metrics: what an operator watches (request rate and latency per route template, access-gate
decisions by basis and outcome, document-store errors, antivirus verdicts, dependency health, daily task
runs), in the text format Prometheus scrapes, with the library the ecosystem uses (``prometheus-client``).

Multi-worker safe: ``coordination serve --workers N`` points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh folder
before uvicorn forks (see :func:`prepare_multiprocess_dir`); every worker then writes its samples to
memory-mapped files there and whichever worker answers a scrape sums them all. ``prometheus_client`` picks
its storage when it is first imported, so nothing imports it before the CLI has set the folder: this module
is the only importer and the CLI calls :func:`prepare_multiprocess_dir` first.

Not public: ``/metrics`` answers only a caller presenting the scrape token (``COORDINATION_METRICS_TOKEN``,
a bearer token Prometheus sends from its ``authorization.credentials_file``); without a configured token
the route does not exist (404). The ingress also drops the path and the network policy admits only the
monitoring namespace: three locks, each enough alone.

Labels are bounded: route *templates* (``/api/v1/persons/{person_id:uuid}``), never paths; an unmatched
path is ``<unmatched>``. No label ever carries a person's data.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess_dir(folder: Path) -> Path:
    """Empty ``folder`` (stale files from a previous run would be summed in) and export it for the workers.

    Must run before ``prometheus_client`` is imported in this process and before uvicorn starts workers.
    """
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, mode=0o700)
    os.environ[MULTIPROC_ENV] = str(folder)  # read by prometheus_client itself, in every worker
    return folder
