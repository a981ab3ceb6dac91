"""Domain events: a service says *what happened*; whoever must react subscribes.

Why: side effects such as telling a person that a consent changed used to be called by hand from each
service (and sometimes from the handler), with imports inside functions to dodge cycles between domains.
Now a service calls :func:`record` with an event; the event is written to the outbox table
(``domain_events``) in the caller's transaction, and the subscribers wired at start-up
(:mod:`coordination.wiring`) run in that same transaction. So a change and its notices commit or roll back
together, the domain that changes something never imports the one that reacts, and the outbox keeps a
dated trace of what happened for anything that must later be published outside the process.
"""

from coordination.events.bus import Event, record, subscribe, subscribers_of, wired
from coordination.events.models import DomainEvent

__all__ = ["DomainEvent", "Event", "record", "subscribe", "subscribers_of", "wired"]
