"""API shapes of referrals. Field names in English; labels (``*_label``) in French for people."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from coordination.referral.rules import Outcome


class Input(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    pass


class ConsentIn(Input):
    mode: Literal["request", "record"] = "request"
    """``request``: the person is asked in their space; ``record``: the worker records the consent she
    signed on paper, the form uploaded in the same request (``POST …/referrals/recorded``, multipart);
    ``evidence_document_id`` is refused (an id of an existing document is never evidence)."""
    channel: Literal["paper", "interview"] | None = None
    evidence_document_id: UUID | None = None
    expires_at: datetime | None = None
    """End of the consent; default: ``[consent] default_months`` of the rules."""


class SendReferral(Input):
    service_id: UUID
    reason_category: Annotated[str, Meta(max_length=32)]
    reason: Annotated[str, Meta(min_length=1, max_length=2000)]
    sections: list[Annotated[str, Meta(max_length=32)]] = msgspec.field(default_factory=list)
    """Sections of the file the partner needs (the trajectory is always added: the step lives there)."""
    plan_objective_id: UUID | None = None
    outside_bassin_reason: Annotated[str, Meta(max_length=1000)] | None = None
    consent: ConsentIn = msgspec.field(default_factory=ConsentIn)


class ConsentAct(Input):
    """A consent step in JSON: the person's own (channel ``self``). A worker records only with the signed
    form uploaded (the ``…/recorded`` routes): an ``evidence_document_id`` is refused."""

    channel: Literal["self", "paper", "interview"] | None = None
    evidence_document_id: UUID | None = None


class GiveConsent(ConsentAct):
    expires_at: datetime | None = None


class DeclineConsent(Input):
    note: Annotated[str, Meta(max_length=500)] | None = None


class WithdrawConsent(ConsentAct):
    note: Annotated[str, Meta(max_length=500)] | None = None


class AcceptReferral(Input):
    agreed_start_date: date
    step_kind: (
        Literal["orientation", "training", "immersion", "mentoring", "pfi", "art60", "art61", "job", "other"]
        | None
    ) = None
    note: Annotated[str, Meta(max_length=1000)] | None = None


class RefuseReferral(Input):
    reason: Annotated[str, Meta(max_length=32)]
    text: Annotated[str, Meta(max_length=1000)] | None = None


class WaitingListIn(Input):
    note: Annotated[str, Meta(max_length=1000)] | None = None


class WithdrawReferral(Input):
    reason: Annotated[str, Meta(max_length=1000)] | None = None


class HistoryOut(msgspec.Struct, kw_only=True):
    event: str
    label: str
    status: str
    at: datetime
    by_user_id: UUID | None
    by_organisation_id: UUID | None
    by_person: bool
    note: str | None


class ReferralShown(msgspec.Struct, kw_only=True):
    """What the partner's card and the file's view both say of a referral (``views._shared``): its
    effective status and consent state, its service, its reason category, its dates."""

    id: UUID
    status: str
    status_label: str
    service_id: UUID
    service_name: str
    reason_category: str
    reason_category_label: str
    sent_at: datetime
    deadline: date
    consent_state: str
    consent_state_label: str


class ReferralCard(ReferralShown, kw_only=True):
    """What the partner sees. Before the person's consent: service, reason category, first name and
    bassin (and the answer fields). With consent in force, also the reason, the sections it may read
    through the file's routes and the person's id to reach them."""

    person_first_name: str
    person_bassin: str | None
    consent_in_force: bool
    person_id: UUID | None = None
    reason: str | None = None
    consented_sections: list[str] | None = None
    refusal_reason: str | None = None
    refusal_text: str | None = None
    agreed_start_date: date | None = None
    trajectory_step_id: UUID | None = None


class ReferralOut(ReferralShown, kw_only=True):
    """The referral as seen from the file: by the referent, the CPAS worker, the person."""

    person_id: UUID
    partner_organisation_id: UUID
    partner_name: str
    agreement_id: UUID | None
    from_user_id: UUID
    from_organisation_id: UUID
    from_organisation_name: str
    reason: str
    plan_objective_id: UUID | None
    requested_sections: list[str]
    requested_section_labels: list[str]
    outside_bassin_reason: str | None
    consent_id: UUID | None
    consent_expires_at: datetime
    answered_at: datetime | None
    closed_at: datetime | None
    refusal_reason: str | None
    refusal_reason_label: str | None
    refusal_text: str | None
    agreed_start_date: date | None
    trajectory_step_id: UUID | None
    history: list[HistoryOut]
    version: int


class ServiceMatch(msgspec.Struct, kw_only=True):
    service_id: UUID
    service_name: str
    description: str | None
    organisation_id: UUID
    organisation_name: str
    service_areas: list[str]
    publics: list[str]
    languages: list[str]
    capacity: int | None
    places_left: int | None
    agreement_id: UUID | None
    agreement_active: bool
    in_bassin: bool
    language_ok: bool
    public_ok: bool
    theme_ok: bool
    fits: bool
    why_not: list[str]


class Alert(msgspec.Struct, kw_only=True):
    code: str
    message: str


class OutcomeOut(Outcome, frozen=True, kw_only=True):
    """The figures of :func:`.rules.outcome`, with who they are about and the alerts they raise."""

    id: UUID
    name: str
    organisation_id: UUID | None = None
    alerts: list[Alert]


class OutcomesOut(msgspec.Struct, kw_only=True):
    since: date | None
    until: date | None
    rules_version: str
    services: list[OutcomeOut]
    partners: list[OutcomeOut]


class Choice(msgspec.Struct, kw_only=True):
    code: str
    label: str


class ReferralVocabulary(msgspec.Struct, kw_only=True):
    rules_version: str
    deadline_working_days: int
    reason_categories: list[Choice]
    refusal_reasons: list[Choice]
