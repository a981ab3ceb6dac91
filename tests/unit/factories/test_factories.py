"""The shared factories build rows the application would accept, the same ones on every run."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.be import ssn

from coordination.directory.models import OrganisationKind, Role
from coordination.dossier.niss import niss_hash, normalise_niss
from coordination.factories import (
    AgreementFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    bce_from,
    niss_from,
    nth_niss,
)
from coordination.factories.bulk import rows
from coordination.factories.dossier import person_identity


@pytest.mark.parametrize("n", [0, 1, 996, 997, 36_500, 14_000_000])
def test_invented_niss_numbers_pass_the_applications_check(n):
    assert ssn.is_valid(nth_niss(n))
    assert normalise_niss(nth_niss(n)) == nth_niss(n)


def test_a_niss_born_in_the_2000s_carries_the_leading_two_in_its_check():
    assert ssn.is_valid(niss_from(date(2001, 4, 17), 317))
    with pytest.raises(ValueError, match="serial"):
        niss_from(date(2001, 4, 17), 998)


def test_invented_niss_numbers_are_distinct():
    assert len({nth_niss(n) for n in range(5_000)}) == 5_000


def test_a_built_row_keeps_the_models_defaults_for_what_the_factory_does_not_say():
    user = UserFactory.build(role=Role.CPAS_SOCIAL_WORKER)
    assert user.role is Role.CPAS_SOCIAL_WORKER
    assert user.deactivated_at is None and user.person_id is None and user.organisation_id is None
    assert user.id is not None, "ids are set at build time so rows can point at each other before a flush"
    assert OrganisationFactory.build().kind is OrganisationKind.FOREM


def test_counters_keep_unique_columns_unique():
    assert UserFactory.build().subject != UserFactory.build().subject
    assert AgreementFactory.build().reference != AgreementFactory.build().reference


def test_a_person_is_hashed_with_the_key_given_and_born_on_the_day_of_the_niss():
    person = PersonFactory.build(niss=niss_from(date(1985, 7, 14), 123), niss_key=b"instance-key")
    assert person.niss_hash == niss_hash(person.niss, b"instance-key")
    assert person.birth_date == date(1985, 7, 14)


def test_bulk_rows_copy_the_factorys_row_with_fresh_ids_and_the_varying_values():
    made = list(rows(PersonFactory, 3, lambda i: person_identity(10 + i), bassin="Liège"))
    assert len({r["id"] for r in made}) == 3
    assert [r["niss"] for r in made] == [nth_niss(10), nth_niss(11), nth_niss(12)]
    assert {r["bassin"] for r in made} == {"Liège"} and {r["version"] for r in made} == {1}
    assert made[0]["email"] is None and made[0]["created_at"] is not None


def test_bce_numbers_carry_their_check():
    assert bce_from(4_031_707) == "0403170701"


def test_a_loaders_own_row_is_completed_with_the_factorys_values_in_copy_form():
    from coordination.access.models import ConsentChannel
    from coordination.factories import ConsentFactory
    from coordination.factories.bulk import complete

    mine = {"person_id": "p", "recipient_organisation_id": "o", "recorded_by_user_id": "u"}
    first, second = complete(ConsentFactory, dict(mine)), complete(ConsentFactory, dict(mine))
    assert first["id"] != second["id"]
    assert first["channel"] == ConsentChannel.INTERVIEW.value and first["sections"].startswith("[")
    assert first["person_id"] == "p"
    assert "renews_id" not in first, "a column without a value is left to COPY's null, not invented"
