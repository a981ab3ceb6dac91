"""The partnership registry: partner profiles, services and agreements.

A service defaults to an active training offer in Charleroi with twelve places, in French; an agreement to
a partnership in force from the first of January of this year to the end of next year (Brussels days from
the injected clock), so a service with one is offered to referents whatever the day the suite runs.
References are numbered: the column is unique.
"""

from __future__ import annotations

from datetime import date

from polyfactory import Use

from coordination import clock
from coordination.cadastre.models import Agreement, PartnerProfile, Service
from coordination.factories.base import ModelFactory, counter

_references = counter()


class PartnerProfileFactory(ModelFactory[PartnerProfile]):
    __model__ = PartnerProfile

    partner_kind = "cisp"


class ServiceFactory(ModelFactory[Service]):
    __model__ = Service

    name = "Préformation aux métiers de la logistique"
    publics = Use(list)
    service_areas = Use(lambda: ["Charleroi"])
    capacity = 12
    languages = Use(lambda: ["fr"])


class AgreementFactory(ModelFactory[Agreement]):
    __model__ = Agreement

    reference = Use(lambda: f"CONV-{next(_references):05d}")
    title = "Convention de partenariat"
    kind = "partnership"
    start_date = Use(lambda: date(clock.today().year, 1, 1))
    end_date = Use(lambda: date(clock.today().year + 1, 12, 31))
    territory = Use(lambda: ["Charleroi"])
    publics = Use(list)
