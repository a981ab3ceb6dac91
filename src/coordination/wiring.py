"""Who reacts to which domain event: the one place that connects domains without them importing each
other (a service records an event; the subscribers listed here run in the same transaction).

Called by every entry point before any service runs: the app factory, the command line, the tests."""

from __future__ import annotations

from coordination import events
from coordination.access import events as access_events
from coordination.access import notices as access_notices
from coordination.cadastre import events as cadastre_events
from coordination.cadastre import notices as cadastre_notices
from coordination.dossier import events as dossier_events
from coordination.dossier import notices as dossier_notices
from coordination.referent import events as referent_events
from coordination.referent import notices as referent_notices
from coordination.referral import notices as referral_notices
from coordination.visa import events as visa_events
from coordination.visa import notices as visa_notices


def wire() -> None:
    """Subscribe every subscriber (idempotent)."""
    events.subscribe(access_events.ConsentChanged, access_notices.tell_consent_changed)
    events.subscribe(access_events.ConsentEnded, access_notices.tell_consent_ended)
    events.subscribe(access_events.ConsentExpiring, access_notices.tell_consent_expiring)
    events.subscribe(access_events.MandateChanged, access_notices.tell_mandate_changed)
    # referrals: the messages to the partner, the sender and the person
    for referral_event, tell in referral_notices.SUBSCRIBERS:
        events.subscribe(referral_event, tell)
    # referent: handovers and overdue first contacts are told by the referent's notices
    events.subscribe(referent_events.ReferentHandedOver, referent_notices.tell_handover)
    events.subscribe(referent_events.FirstContactOverdue, referent_notices.tell_first_contact_overdue)
    # cadastre: proposals to change an organisation's asserted facts
    events.subscribe(cadastre_events.ProposalMade, cadastre_notices.tell_administrators)
    events.subscribe(cadastre_events.ProposalDecided, cadastre_notices.tell_managers)
    # visa: decisions, requests for a decision, hours worked beyond the contract
    events.subscribe(visa_events.VisaDecided, visa_notices.tell_visa_decided)
    events.subscribe(visa_events.VisaDecisionAsked, visa_notices.tell_decision_asked)
    events.subscribe(visa_events.HoursOverContract, visa_notices.tell_hours_over_contract)
    # the shared file
    events.subscribe(dossier_events.DocumentAdded, dossier_notices.tell_document_added)
    events.bus.mark_wired()
