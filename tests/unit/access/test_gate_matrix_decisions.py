"""Every case of the generated access matrix on the gate's pure decision (no database).

The facts are the ones each scenario puts in the database (see ``tests/fixtures/access_matrix.py``); the
integration test runs a covering sample of the same cases through SQLite and PostgreSQL with their
journal rows. Here every role × section × action × {own, other, former} × consent state is decided, and
the basis given must be one the gate could journal (a consent-based allow names that consent).
"""

from __future__ import annotations

import itertools
from uuid import uuid4

from coordination.access.gate import Facts, decide_on_facts
from coordination.access.policy import Basis
from coordination.access.principal import Principal
from coordination.directory.models import Role
from tests.fixtures.access_matrix import (
    ACTIONS,
    CONSENT_STATES,
    FILE,
    ORGS,
    ROLE_ORG_KIND,
    SECTIONS,
    expected,
)

FORMS = [*ORGS, "former"]


def _scenario(role: Role, org: str, state: str, section: str):
    """The caller, the person's id and the facts the database would return for this case."""
    person_id = uuid4()
    own_org = uuid4() if role in ROLE_ORG_KIND else None
    principal = Principal(
        user_id=uuid4(),
        display_name=role.value,
        role=role,
        organisation_id=own_org,
        organisation_kind=ROLE_ORG_KIND.get(role),
        person_id=(person_id if org == "own" else uuid4()) if role is Role.BENEFICIARY else None,
    )
    forem = role in (Role.FOREM_REFERENT, Role.FOREM_EADVISER)
    consent_id = uuid4()
    consents: tuple = ()
    if org != "other" and own_org is not None:  # only consents in force to the caller's organisation count
        if state == "active":
            consents = ((consent_id, frozenset({section})),)
        elif state == "other_section":
            consents = ((consent_id, frozenset([s for s in sorted(FILE) if s != section][:3])),)
    facts = Facts(
        forem_registered=forem and org == "own",
        ris_cpas_id=own_org if role is Role.CPAS_SOCIAL_WORKER and org == "own" else None,
        is_referent=False,
        consents=consents,
    )
    return principal, person_id, facts, consent_id


def test_every_case_of_the_matrix_on_the_pure_decision():
    unexpected_allows, unexpected_denials, decided = [], [], 0
    for role, org, state, section in itertools.product(Role, FORMS, CONSENT_STATES, SECTIONS):
        principal, person_id, facts, consent_id = _scenario(role, org, state, section)
        for action in ACTIONS:
            basis, relied_on = decide_on_facts(principal, person_id, section, action, facts)
            decided += 1
            case = (role.value, section, action, org, state)
            want = expected(role.value, section, action, org, state)
            if basis is not None and not want:
                unexpected_allows.append(case)
            if want and basis is None:
                unexpected_denials.append(case)
            # a consent is named exactly when the decision rests on it
            assert (relied_on == consent_id) == (basis is Basis.CONSENT), case
    assert unexpected_allows == [], f"{len(unexpected_allows)} unexpected allows: {unexpected_allows[:20]}"
    assert unexpected_denials == [], (
        f"{len(unexpected_denials)} unexpected denials: {unexpected_denials[:20]}"
    )
    assert decided == len(Role) * len(FORMS) * len(CONSENT_STATES) * len(SECTIONS) * len(ACTIONS)


def test_the_pure_decision_sees_a_referent_link():
    """Not in the generated table: a Forem referent without the mandate reads through the link alone."""
    principal, person_id, facts, _ = _scenario(Role.FOREM_REFERENT, "other", "none", "trajectory")
    denied, _ = decide_on_facts(principal, person_id, "trajectory", "read", facts)
    linked = Facts(forem_registered=False, ris_cpas_id=None, is_referent=True)
    allowed, _ = decide_on_facts(principal, person_id, "trajectory", "read", linked)
    assert denied is None
    assert allowed is Basis.REFERENT
