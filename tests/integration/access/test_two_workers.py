"""A withdrawal takes effect on the very next request in EVERY worker process (no cache outlives a request).

Two real uvicorn processes on loopback ports share one database (the test's SQLite copy or PostgreSQL)
and one development key folder. The person gives a consent; the partner reads through both; the person
withdraws through process A; the partner's next request through process B is refused.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import httpx

from coordination import clock
from coordination.access.identity import DevIssuer
from coordination.directory.models import OrganisationKind, Role
from tests.integration.access import seed

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "tests.integration.access.probe_app:create",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def wait_ready(port: int, proc: subprocess.Popen) -> None:
    """Polled with ``urllib`` (a new ``httpx`` client per poll builds a TLS context: CPU for nothing)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode()[-3000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=1):
                return
        except urllib.error.HTTPError as answered:
            if answered.code < 500:
                return
            time.sleep(0.1)
        except OSError:  # not listening yet
            time.sleep(0.1)
    raise TimeoutError(f"port {port} not ready")


async def test_withdrawal_is_effective_in_every_process(database, settings, tmp_path):
    issuer = DevIssuer.from_settings(settings)  # writes the key both processes will read
    async with database.sessionmaker() as s:
        partner = seed.org(s, OrganisationKind.PARTNER)
        await s.flush()
        p = seed.person(s)
        await s.flush()
        me = seed.user(s, Role.BENEFICIARY, None, person_id=p.id)
        op = seed.user(s, Role.PARTNER_OPERATOR, partner)
        await s.commit()
    me_h = {"Authorization": f"Bearer {issuer.issue(me)}"}
    op_h = {"Authorization": f"Bearer {issuer.issue(op, org_kind='partner')}"}

    # the servers get this test's settings only, and its clock (a moved clock is the test process's)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COORDINATION_") or k in clock.ENV_VARS}
    env.update(
        COORDINATION_ENV="test",
        COORDINATION_VAR_DIR=str(settings.var_dir),
        COORDINATION_DATABASE_URL=database.url,
        COORDINATION_DOCUMENTS_DIR=str(tmp_path / "documents"),
        COORDINATION_LOG_LEVEL="WARNING",
    )
    ports = [free_port(), free_port()]
    procs = [start(port, env) for port in ports]
    try:
        for port, proc in zip(ports, procs, strict=True):
            wait_ready(port, proc)
        a, b = (f"http://127.0.0.1:{port}/api/v1/persons/{p.id}/consents" for port in ports)
        async with httpx.AsyncClient(timeout=10) as http:
            body = {
                "recipient_organisation_id": str(partner.id),
                "sections": ["plan"],
                "purpose": "Suivi",
                "expires_at": (clock.now() + timedelta(days=30)).isoformat(),
            }
            r = await http.post(a, json=body, headers=me_h)  # the person gives the consent through A
            assert r.status_code == 201, r.text
            consent_id = r.json()["id"]
            probe_a, probe_b = (url.replace("/consents", "/probe/plan") for url in (a, b))
            # the partner reads through both processes
            for url in (probe_a, probe_b):
                r = await http.get(url, headers=op_h)
                assert r.status_code == 200 and r.json()["basis"] == "consent", r.text
            # the person withdraws through A ...
            r = await http.post(f"{a}/{consent_id}/withdraw", headers=me_h)
            assert r.status_code == 200 and r.json()["status"] == "withdrawn"
            # ... the partner's very next request through B is refused, and through A too
            r = await http.get(probe_b, headers=op_h)
            assert r.status_code == 403, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert "consentement" in r.json()["detail"]
            assert (await http.get(probe_a, headers=op_h)).status_code == 403
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)
