"""Visa workflow on a real SQLite database: submit, decide (signed), immutability, re-check, certificate.

These tests create the tables from the models (not the migrations), on a SQLite file without foreign-key
enforcement, so the visas need no person or user rows; the HTTP tests (test_visa_api.py) run through the
full app.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from uuid import uuid4

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "visa"))
from visa_builders import PARAMS, base, of_kind, with_pay  # noqa: E402

from coordination.access.principal import Principal  # noqa: E402
from coordination.db.models import load_all_models  # noqa: E402
from coordination.directory.models import Role  # noqa: E402
from coordination.errors import Conflict, Forbidden, Unprocessable  # noqa: E402
from coordination.visa import certificate, parameters, services  # noqa: E402
from coordination.visa.contract import ContractKind  # noqa: E402
from coordination.visa.models import Decision, VisaStatus  # noqa: E402

PARTNER = Principal(user_id=uuid4(), display_name="Employeur Partenaire", role=Role.PARTNER_OPERATOR)
CPAS = Principal(user_id=uuid4(), display_name="Assistante sociale CPAS", role=Role.CPAS_SOCIAL_WORKER)
KEY = ec.generate_private_key(ec.SECP256R1())
PARAMETERS_TEXT = Path(parameters.DEFAULT_PATH).read_text(encoding="utf-8")


@pytest.fixture
async def session(tmp_path):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'visa.sqlite3'}")
    async with engine.begin() as conn:
        # every table: a decision also writes the person's and the submitter's notifications
        await conn.run_sync(load_all_models().metadata.create_all)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker() as s:
        yield s
    await engine.dispose()


async def submitted(session, contract=None):
    visa = await services.submit(session, uuid4(), contract or base(), PARTNER, PARAMS)
    await session.commit()
    return visa


async def test_submit_stores_contract_checklist_and_version(session):
    visa = await submitted(session)
    again = await services.get(session, visa.id)
    assert again.status is VisaStatus.SUBMITTED
    assert again.verdict == "conforme" and again.rule_set_version == PARAMS.version
    assert again.contract["kind"] == "open_ended"
    assert len(again.checklist["results"]) == 33


async def test_decision_is_signed_and_verifiable_and_tamper_evident(session):
    visa = await submitted(session)
    await services.decide(session, visa, Decision.APPROVED, None, CPAS, KEY)
    await session.commit()
    assert visa.status is VisaStatus.DECIDED and visa.decided_by == CPAS.user_id
    assert services.verify_visa(visa, KEY.public_key())
    assert len(visa.content_hash) == 64 and len(visa.signing_key_fingerprint) == 64
    other = ec.generate_private_key(ec.SECP256R1())
    assert not services.verify_visa(visa, other.public_key())
    visa.contract = {**visa.contract, "weekly_hours": 10}  # an edit behind the service's back
    assert not services.verify_visa(visa, KEY.public_key())


async def test_decided_visa_is_immutable(session):
    visa = await submitted(session)
    await services.decide(session, visa, Decision.APPROVED, None, CPAS, KEY)
    with pytest.raises(Conflict):
        await services.decide(session, visa, Decision.REFUSED, "non", CPAS, KEY)
    with pytest.raises(Conflict):
        await services.resubmit(session, visa, base(), PARTNER, PARAMS)


async def test_role_guards(session):
    visa = await submitted(session)
    with pytest.raises(Forbidden):
        await services.decide(session, visa, Decision.APPROVED, None, PARTNER, KEY)  # not a decider role
    own = Principal(user_id=PARTNER.user_id, display_name="x", role=Role.CPAS_SOCIAL_WORKER)
    with pytest.raises(Forbidden):
        await services.decide(session, visa, Decision.APPROVED, None, own, KEY)  # the submitter
    with pytest.raises(Unprocessable):
        await services.decide(session, visa, Decision.REFUSED, "  ", CPAS, KEY)  # reason needed


async def test_blocking_failure_cannot_be_approved_but_can_be_refused(session):
    visa = await submitted(session, with_pay(base(), gross_monthly=1500))
    assert visa.verdict == "non_conforme"
    with pytest.raises(Conflict):
        await services.decide(session, visa, Decision.APPROVED_WITH_RESERVATIONS, "réserves", CPAS, KEY)
    await services.decide(session, visa, Decision.REFUSED, "Salaire sous le minimum légal.", CPAS, KEY)
    assert visa.decision is Decision.REFUSED and visa.signature


async def test_returned_for_correction_then_resubmitted_then_approved(session):
    visa = await submitted(session, with_pay(base(), gross_monthly=1500))
    await services.decide(session, visa, Decision.RETURNED, "Corriger le salaire.", CPAS, KEY)
    assert visa.status is VisaStatus.RETURNED
    with pytest.raises(Conflict):
        await services.decide(session, visa, Decision.APPROVED, None, CPAS, KEY)
    await services.resubmit(session, visa, base(), PARTNER, PARAMS)
    assert visa.status is VisaStatus.SUBMITTED and visa.verdict == "conforme"
    await services.decide(session, visa, Decision.APPROVED, None, CPAS, KEY)
    assert visa.status is VisaStatus.DECIDED


async def test_new_rule_set_rechecks_pending_and_flags_changed_verdicts(session):
    april = base(start_date=dt.date(2026, 4, 1))
    pending = await submitted(session, april)
    stays = await submitted(session, of_kind(ContractKind.OPEN_ENDED))
    decided = await submitted(session, april)
    await services.decide(
        session, decided, Decision.APPROVED_WITH_RESERVATIONS, "RMMMG à confirmer", CPAS, KEY
    )
    assert pending.verdict == "a_completer"
    text = PARAMETERS_TEXT
    start = text.index('{ valid_from = 2026-04-01, unknown = true, reason = "montant du RMMMG')
    end = text.index("\n", start)
    text = text[:start] + '{ valid_from = 2026-04-01, value = 2154.13, source = "test" },' + text[end:]
    text = text.replace('version = "', 'version = "next-', 1)
    from visa_builders import SCALES

    new = parameters.loads(text + SCALES)
    changed = await services.recheck_pending(session, new)
    assert changed == [pending.id]
    assert (
        pending.verdict_changed and pending.verdict == "conforme" and pending.rule_set_version == new.version
    )
    assert not stays.verdict_changed
    assert decided.rule_set_version == PARAMS.version  # a decided visa is never re-checked


async def test_certificate_pdf_in_french_with_signature(session):
    visa = await submitted(session)
    await services.decide(session, visa, Decision.APPROVED, None, CPAS, KEY)
    html = certificate.render_html(visa, "Dupont Marie")
    assert "Visa accordé" in html and "Salaire minimum national (RMMMG)" in html
    assert "CCT n° 43" in html and visa.content_hash in html and visa.signing_key_fingerprint in html
    assert "numéro valide" in html and str(visa.id) in html
    pdf, pages = certificate.render_pdf(visa, "Dupont Marie")
    assert pdf.startswith(b"%PDF") and 1 <= pages <= certificate.MAX_PAGES


async def test_certificate_escapes_and_fetches_nothing(session):
    hostile = msgspec.structs.replace(
        base(), employer_name='<img src="http://evil.example/x.png">', employer_bce="0403170702"
    )
    visa = await submitted(session, hostile)
    html = certificate.render_html(visa)
    assert "<img" not in html and "INVALIDE" in html
    pdf, _ = certificate.render_pdf(visa)
    assert pdf.startswith(b"%PDF")
    with pytest.raises(certificate.CertificateError):
        certificate._deny_fetch("http://evil.example/x.png")
