"""Certificate render time per page (target ≤ 250 ms/page), against rendering the HTML alone.

Run: .venv/bin/python bench/visa/bench_certificate.py
"""

from __future__ import annotations

import datetime as dt
import sys
import time
import uuid
from pathlib import Path

import msgspec
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "unit" / "visa"))

from visa_builders import PARAMS, base

from coordination.visa import certificate, services, signing
from coordination.visa.checks import run_checklist
from coordination.visa.models import Decision, VisaRequest, VisaStatus

RUNS = 10


def sample() -> VisaRequest:
    c = base()
    cl = run_checklist(c, params=PARAMS)
    v = VisaRequest(
        id=uuid.uuid4(),
        person_id=uuid.uuid4(),
        submitted_by=uuid.uuid4(),
        submitted_by_name="Partenaire",
        contract=msgspec.to_builtins(c),
        checklist=msgspec.to_builtins(cl),
        rule_set_version=cl.rule_set_version,
        verdict=cl.verdict.value,
        status=VisaStatus.DECIDED,
        decision=Decision.APPROVED,
        decided_by=uuid.uuid4(),
        decided_by_name="Assistante sociale",
        decided_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
    )
    key = ec.generate_private_key(ec.SECP256R1())
    payload = services.signed_payload(v)
    v.content_hash, v.signature = signing.content_hash(payload), signing.sign(key, payload)
    v.signing_key_fingerprint = signing.fingerprint(key.public_key())
    return v


def main() -> None:
    v = sample()
    certificate.render_pdf(v)  # warm-up: fonts, template
    t0 = time.perf_counter()
    for _ in range(RUNS):
        certificate.render_html(v)
    html_s = (time.perf_counter() - t0) / RUNS
    t0 = time.perf_counter()
    pages = 0
    for _ in range(RUNS):
        pdf, pages = certificate.render_pdf(v)
    pdf_s = (time.perf_counter() - t0) / RUNS
    print(f"pages: {pages}, PDF size: {len(pdf) / 1024:.0f} KiB")
    print(f"HTML (Jinja) only: {html_s * 1000:7.2f} ms")
    print(
        f"PDF (WeasyPrint):  {pdf_s * 1000:7.1f} ms total, {pdf_s * 1000 / pages:6.1f} ms/page (target ≤ 250)"
    )
    print(f"ratio PDF / HTML: {pdf_s / html_s:.0f}x")


if __name__ == "__main__":
    main()
