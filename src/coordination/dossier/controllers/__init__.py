"""HTTP routes of the shared file (thin: parse, call one service, return; the declared gate and the
request's session do the rest). ``ROUTES`` is collected by ``app.py``."""

from coordination.dossier.controllers.documents import DocumentController
from coordination.dossier.controllers.me import MeController
from coordination.dossier.controllers.persons import IcfController, PersonController
from coordination.dossier.controllers.plan import PlanController
from coordination.dossier.controllers.sections import SectionController
from coordination.dossier.controllers.trajectory import TrajectoryController

ROUTES = [
    PersonController,
    SectionController,
    PlanController,
    TrajectoryController,
    DocumentController,
    MeController,
    IcfController,
]
