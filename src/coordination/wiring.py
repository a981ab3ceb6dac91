"""Who reacts to which domain event: the one place that connects domains without them importing each
other (a service records an event; the subscribers listed here run in the same transaction).

Called by every entry point before any service runs: the app factory, the command line, the tests."""

from __future__ import annotations

from coordination import events
from coordination.access import events as access_events
from coordination.access import notices as access_notices
from coordination.dossier import events as dossier_events
from coordination.dossier import notices as dossier_notices


def wire() -> None:
    """Subscribe every subscriber (idempotent)."""
    events.subscribe(access_events.ConsentChanged, access_notices.tell_consent_changed)
    events.subscribe(access_events.ConsentEnded, access_notices.tell_consent_ended)
    events.subscribe(access_events.ConsentExpiring, access_notices.tell_consent_expiring)
    events.subscribe(access_events.MandateChanged, access_notices.tell_mandate_changed)
    # the shared file
    events.subscribe(dossier_events.DocumentAdded, dossier_notices.tell_document_added)
    events.bus.mark_wired()
