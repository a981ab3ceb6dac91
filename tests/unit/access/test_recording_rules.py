"""The recording rules of :mod:`coordination.access.recorded`, as pure functions (no database)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from coordination.access.models import ConsentChannel
from coordination.access.principal import Principal
from coordination.access.recorded import check_channel, check_reason, check_recorder, sections_of
from coordination.directory.models import OrganisationKind, Role
from coordination.errors import BadRequest, Forbidden

OWN, PARTNER, PERSON = uuid4(), uuid4(), uuid4()


def worker(role: Role = Role.FOREM_REFERENT) -> Principal:
    return Principal(
        user_id=uuid4(),
        display_name="A",
        role=role,
        organisation_id=OWN,
        organisation_kind=OrganisationKind.FOREM,
    )


def test_a_worker_records_for_another_organisation_and_ordinary_sections():
    check_recorder(worker(), PERSON, PARTNER, ["plan", "progress", "trajectory"])


@pytest.mark.parametrize("role", [Role.FOREM_REFERENT, Role.CPAS_SOCIAL_WORKER, Role.DPO])
def test_never_for_the_recorders_own_organisation(role):
    with pytest.raises(Forbidden) as refused:
        check_recorder(worker(role), PERSON, OWN, ["plan"])
    assert refused.value.code == "consent-own-organisation" and "propre organisme" in refused.value.detail


@pytest.mark.parametrize("sections", [["health"], ["social"], ["plan", "health"], ["social", "health"]])
def test_health_and_social_only_by_the_dpo(sections):
    with pytest.raises(Forbidden) as refused:
        check_recorder(worker(Role.CPAS_SOCIAL_WORKER), PERSON, PARTNER, sections)
    assert refused.value.code == "consent-special-section"
    check_recorder(worker(Role.DPO), PERSON, PARTNER, sections)


def test_the_person_gives_herself_she_records_nothing():
    me = Principal(user_id=uuid4(), display_name="Léa", role=Role.BENEFICIARY, person_id=PERSON)
    with pytest.raises(BadRequest) as refused:
        check_recorder(me, PERSON, PARTNER, ["plan"])
    assert refused.value.code == "consent-self"


def test_channels_reasons_and_sections():
    assert check_channel(None) is ConsentChannel.PAPER
    assert check_channel("interview") is ConsentChannel.INTERVIEW
    for bad in ("self", "email"):
        with pytest.raises(BadRequest):
            check_channel(bad)
    for bad in (None, "", "  ", "ok", "x" * 501):
        with pytest.raises(BadRequest) as refused:
            check_reason(bad)
        assert refused.value.code == "withdrawal-reason"
    assert check_reason("  Lettre signée  ") == "Lettre signée"
    assert sections_of({"sections": ["plan", "progress"]}) == ["plan", "progress"]
    assert sections_of({"sections": "plan, progress"}) == ["plan", "progress"]
    assert sections_of({}) == []
