"""Advisers (the referents' portfolios), referent links and orientations.

An adviser defaults to a Forem sector referent in Charleroi and Liège with room for 40 people, the shape
the assignment rules expect most often. A referent link is started now by the orientation rules (no user),
the way ``coordination.referent.services.assign`` records one; an orientation is a socio-professional
track chosen as computed, versioned ``factory`` so no one mistakes it for a rules file's output.
"""

from __future__ import annotations

from polyfactory import Use

from coordination import clock
from coordination.factories.base import ModelFactory
from coordination.referent.models import Adviser, Orientation, ReferentLink


class AdviserFactory(ModelFactory[Adviser]):
    __model__ = Adviser

    kind = "forem_adviser"
    display_name = "Conseillère de référence"
    capacity = 40
    bassins = Use(lambda: ["Charleroi", "Liège"])
    languages = Use(lambda: ["fr"])
    tracks = Use(lambda: ["sectoral", "socio_professional"])


class ReferentLinkFactory(ModelFactory[ReferentLink]):
    __model__ = ReferentLink

    kind = "forem_adviser"
    started_at = Use(clock.now)
    reason = "Orientation initiale"


class OrientationFactory(ModelFactory[Orientation]):
    __model__ = Orientation

    proximity_score = 5
    digital_autonomy = False
    computed_track = "socio_professional"
    chosen_track = "socio_professional"
    young = False
    start_on = Use(clock.today)
    matrix_version = "factory"
    rules_version = "factory"
