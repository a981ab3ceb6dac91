"""The facts the gate trusts: consents and legal mandates.

These factories write the fact rows directly, as demo data, tests and bench loaders do to set up a world
(``coordination.access.mandates.seed_mandate`` says the same for mandates): no rule is checked, no event or
journal row written. A user-facing path must go through ``coordination.access.services``/``mandates``.
Times follow the injected clock (``coordination.clock``): a consent is given a minute ago and runs six
months, a mandate started today, both attributed to the demo data unless the caller names a user.
"""

from __future__ import annotations

from datetime import timedelta

from polyfactory import Use

from coordination import clock
from coordination.access.models import Consent, ConsentChannel, Mandate, MandateKind
from coordination.factories.base import ModelFactory


class ConsentFactory(ModelFactory[Consent]):
    __model__ = Consent

    sections = Use(lambda: ["identity", "trajectory", "progress"])
    purpose = "Suivi de la formation"
    given_at = Use(lambda: clock.now() - timedelta(minutes=1))
    expires_at = Use(lambda: clock.now() + timedelta(days=180))
    channel = ConsentChannel.INTERVIEW


class MandateFactory(ModelFactory[Mandate]):
    __model__ = Mandate

    kind = MandateKind.FOREM_REGISTRATION
    started_on = Use(clock.today)
    ground = "Inscription comme demandeur·euse d'emploi"
    source = "seed"
    asserted_by_name = "Données de démonstration"
    asserted_at = Use(clock.now)
