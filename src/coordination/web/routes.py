"""Every route of the web interface. ``app.py`` collects :data:`ROUTES`."""

from __future__ import annotations

from pathlib import Path

from litestar.static_files import create_static_files_router

from coordination.web.auth_pages import AuthPages
from coordination.web.cadastre_pages import CadastrePages
from coordination.web.directory_pages import DirectoryPages
from coordination.web.file_actions import FileActions, ReferentActions
from coordination.web.file_pages import FilePages
from coordination.web.inbox_pages import InboxPages
from coordination.web.journal_pages import JournalPages
from coordination.web.me_pages import MePages
from coordination.web.partner_pages import PartnerPages
from coordination.web.proposal_pages import ProposalPages
from coordination.web.referral_pages import FileReferralPages, MyReferralPages, ReferralPages
from coordination.web.visa_pages import VisaPages
from coordination.web.worklist_pages import WorklistPages

STATIC_DIR = Path(__file__).parent / "static"

ROUTES = [
    create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        name="web-static",
        opt={"public": "feuilles de style et scripts"},
    ),
    AuthPages,
    MePages,
    WorklistPages,
    PartnerPages,
    FilePages,
    FileActions,
    ReferentActions,
    VisaPages,
    CadastrePages,
    ProposalPages,
    InboxPages,
    JournalPages,
    FileReferralPages,
    ReferralPages,
    MyReferralPages,
    DirectoryPages,
]
