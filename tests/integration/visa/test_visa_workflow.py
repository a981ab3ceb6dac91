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
from visa_builders import PARAMS, base, of_kind, with_pay

from coordination.access.principal import Principal
from coordination.db.models import load_all_models
from coordination.directory.models import Role
from coordination.errors import Conflict, Forbidden, Unprocessable
from coordination.visa import certificate, parameters, services
from coordination.visa.contract import ContractKind
from coordination.visa.models import Decision, VisaStatus

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
    # 2,200 € in April 2026: above the last known RMMMG (the floor), under its documented ceiling
    april = with_pay(base(start_date=dt.date(2026, 4, 1)), gross_monthly=2200)
    pending = await submitted(session, april)
    stays = await submitted(session, of_kind(ContractKind.OPEN_ENDED))
    decided = await submitted(session, april)
    await services.decide(
        session,
        decided,
        Decision.APPROVED_WITH_RESERVATIONS,
        "RMMMG à confirmer",
        CPAS,
        KEY,
        answers=[{"check_id": "WAGE_RMMMG", "checked": True, "note": "Montant d'avril vérifié au CNT."}],
    )
    assert pending.verdict == "a_completer"
    text = PARAMETERS_TEXT
    start = text.index(
        "{ valid_from = 2026-04-01, valid_until = 2026-12-31, unknown = true, ceiling = 2233.63"
    )
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


def open_contract():
    """A lawful contract whose RMMMG is « à vérifier » (April 2026, between the floor and the ceiling)
    and whose overtime clause lacks its legal reason: two open items."""
    from visa_builders import with_clauses

    from coordination.visa.contract import Overtime

    c = with_pay(base(start_date=dt.date(2026, 4, 1)), gross_monthly=2200)
    return with_clauses(c, overtime=Overtime(max_hours_per_day=9, premium=0.5, paid=True))


async def test_approving_with_open_items_needs_an_answer_to_each(session):
    visa = await submitted(session, open_contract())
    assert visa.verdict == "a_completer"
    assert [i["check_id"] for i in services.open_items(visa.checklist)] == ["WAGE_RMMMG", "WT_OVERTIME"]
    with pytest.raises(Unprocessable) as err:  # one click, no word: refused
        await services.decide(session, visa, Decision.APPROVED, None, CPAS, KEY)
    assert err.value.code == "visa-open-items" and "Heures supplémentaires" in err.value.detail
    one = [{"check_id": "WAGE_RMMMG", "checked": True, "note": "RMMMG d'avril 2026 vérifié: 2.154,13 €."}]
    with pytest.raises(Unprocessable):  # an item left unanswered
        await services.decide(session, visa, Decision.APPROVED, None, CPAS, KEY, answers=one)
    unchecked = [*one, {"check_id": "WT_OVERTIME", "checked": False, "note": "pas regardé"}]
    with pytest.raises(Unprocessable):  # not checked by hand
        await services.decide(session, visa, Decision.APPROVED, None, CPAS, KEY, answers=unchecked)
    with pytest.raises(Unprocessable):  # an answer to a point that is not open
        bogus = [*one, {"check_id": "TRIAL", "checked": True, "note": "ok ok"}]
        await services.decide(session, visa, Decision.APPROVED, None, CPAS, KEY, answers=bogus)
    assert visa.status is VisaStatus.SUBMITTED and visa.open_item_answers is None
    answers = [*one, {"check_id": "WT_OVERTIME", "checked": True, "note": "Surcroît de travail saisonnier."}]
    await services.decide(session, visa, Decision.APPROVED, None, CPAS, KEY, answers=answers)
    assert visa.status is VisaStatus.DECIDED
    assert [(a["check_id"], a["note"]) for a in visa.open_item_answers] == [
        ("WAGE_RMMMG", "RMMMG d'avril 2026 vérifié: 2.154,13 €."),
        ("WT_OVERTIME", "Surcroît de travail saisonnier."),
    ]
    assert services.verify_visa(visa, KEY.public_key())
    visa.open_item_answers = [{**visa.open_item_answers[0], "note": "changé"}]
    assert not services.verify_visa(visa, KEY.public_key())  # the answers are signed


async def test_certificate_shows_each_open_item_with_the_deciders_answer(session):
    visa = await submitted(session, open_contract())
    answers = [
        {"check_id": "WAGE_RMMMG", "checked": True, "note": "Barème CNT consulté le 2 avril."},
        {"check_id": "WT_OVERTIME", "checked": True, "note": "Motif: surcroît extraordinaire."},
    ]
    await services.decide(session, visa, Decision.APPROVED, None, CPAS, KEY, answers=answers)
    html = certificate.render_html(visa, "Dupont Marie")
    assert "Points ouverts vérifiés par" in html
    assert "Barème CNT consulté le 2 avril." in html and "Motif: surcroît extraordinaire." in html
    assert html.count("Vérifié à la main") == 2


def test_deciders_are_the_policys_deciders():
    roles = services.decider_roles()
    assert roles == {Role.CPAS_SOCIAL_WORKER, Role.FOREM_REFERENT}
    assert Role.FOREM_EADVISER not in roles  # the policy refuses them: so does the code


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


async def test_a_stored_contract_that_no_longer_reads_is_flagged_not_crashed(session):
    visa = await submitted(session)
    visa.contract = {**visa.contract, "signature_date": "1980-01-01"}  # before the birth date (1990)
    await session.commit()
    text = PARAMETERS_TEXT.replace('version = "', 'version = "next-', 1)
    changed = await services.recheck_pending(session, parameters.loads(text))
    assert changed == [visa.id] and visa.verdict_changed
