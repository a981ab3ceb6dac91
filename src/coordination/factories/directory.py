"""Organisations and user accounts.

Defaults describe the most common actor of the tests, a Forem office in Charleroi and a Forem referent:
tests then say only what differs (``OrganisationFactory.build(kind=OrganisationKind.CPAS)``). Subjects are
numbered so two users never collide on the identity provider's ``sub``.
"""

from __future__ import annotations

from polyfactory import Use

from coordination.directory.models import Organisation, OrganisationKind, Role, User
from coordination.factories.base import ModelFactory, counter

_organisations = counter()
_subjects = counter()


class OrganisationFactory(ModelFactory[Organisation]):
    __model__ = Organisation

    name = Use(lambda: f"Organisation {next(_organisations)}")
    kind = OrganisationKind.FOREM
    bassin = "Charleroi"


class UserFactory(ModelFactory[User]):
    __model__ = User

    subject = Use(lambda: f"user-{next(_subjects)}")
    display_name = "Utilisatrice de test"
    role = Role.FOREM_REFERENT
