"""Make the OpenAPI document say what the server does, so an unrelated client can rely on it.

Litestar derives most of the document from the handlers; what it cannot see is completed here, in one
place (the controllers stay as they are):

* msgspec Structs declared ``forbid_unknown_fields`` refuse unknown fields: ``additionalProperties: false``;
* ``datetime.time`` is a ``format: time`` string (Litestar says ``duration``);
* conditional writes require ``If-Match`` (428 without it, 412 when stale) and answer an ``ETag``; the
  reads and creations of those resources answer an ``ETag`` too (:data:`CONDITIONAL_WRITES`, :data:`ETAGGED`);
* bodies the handlers read themselves (raw uploads, CSV, multipart forms) and binary answers (PDF,
  documents) are described with their real media types;
* the probes under ``/health`` need no token (``security: []``);
* every operation has a stable, readable ``operationId`` and one capitalised tag.

The Schemathesis run (``tests/integration/hardening/test_fuzz_openapi.py``) is the proof: a documented
header, media type or status the server does not honour, or an undocumented one it answers, fails it.
"""

from __future__ import annotations

from datetime import time
from typing import Any

import msgspec
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar._openapi.schema_generation.plugins import StructSchemaPlugin
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    Parameter,
    RequestBody,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

_BOUNDS = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusive_minimum",
    "lt": "exclusive_maximum",
    "min_length": "min_length",
    "max_length": "max_length",
    "pattern": "pattern",
}
_ARRAY_BOUNDS = {"min_length": "min_items", "max_length": "max_items"}


def _constrain(schema: Any, info: Any) -> None:
    """Write msgspec's constraints (``Meta(ge=0, max_length=…)``) into the property's schema.

    Litestar drops a bound of ``0`` on an optional field (``int | None`` with ``ge=0`` came out without its
    minimum): the server refused what the document allowed."""
    members = [t for t in getattr(info, "types", (info,)) if type(t).__name__ != "NoneType"]
    if len(members) != 1 or not isinstance(schema, Schema):
        return
    member = members[0]
    target = schema
    if schema.one_of:
        branches = [b for b in schema.one_of if isinstance(b, Schema) and b.type != OpenAPIType.NULL]
        if len(branches) != 1:
            return
        target = branches[0]
    names = _ARRAY_BOUNDS if type(member).__name__ in ("ListType", "SetType", "FrozenSetType") else {}
    for source, keyword in _BOUNDS.items():
        value = getattr(member, source, None)
        if value is not None:
            setattr(target, names.get(source, keyword), value)


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Structs documented as msgspec decodes them: ``additionalProperties: false`` for a Struct that
    forbids unknown fields, and every field's bounds, including a bound of 0 on an optional field."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        struct = field_definition.type_
        if struct.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False
        for field in msgspec.inspect.type_info(struct).fields:
            _constrain((schema.properties or {}).get(field.encode_name), field.type)
        return schema


class TimeSchemaPlugin(OpenAPISchemaPlugin):
    """A time of day (``HH:MM[:SS]``) is ``format: time``, not a duration."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return value is time

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        return Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.TIME)


def _keep_zero_bounds() -> None:
    """Litestar copies a parameter's or field's bounds into the schema only when they are truthy, so
    ``ge=0`` (and a default of 0 or False) vanished: ``stale_days=-1`` was documented as valid and
    refused. Copy the zero values too (once, idempotent)."""
    from litestar._openapi.schema_generation import schema as generation

    original = generation.SchemaCreator._apply_kwarg_definition_metadata
    if getattr(original, "keeps_zero", False):
        return
    names = generation.KWARG_DEFINITION_ATTRIBUTE_TO_OPENAPI_PROPERTY_MAP
    zeroable = ("ge", "gt", "le", "lt", "min_length", "max_length", "min_items", "max_items", "default")

    def apply(self: Any, field: FieldDefinition, schema: Schema) -> None:
        original(self, field, schema)
        for key in zeroable:
            value = getattr(field.kwarg_definition, key, None)
            if (
                value is not None
                and not isinstance(value, str)
                and value == 0
                and getattr(schema, names[key]) is None
            ):
                setattr(schema, names[key], value)

    apply.keeps_zero = True  # type: ignore[attr-defined]
    generation.SchemaCreator._apply_kwarg_definition_metadata = apply


_keep_zero_bounds()

SCHEMA_PLUGINS = [StrictStructSchemaPlugin(), TimeSchemaPlugin()]
"""Registered on the app: they take precedence over Litestar's own plugins."""

P = "/api/v1/persons/{person_id}"

CONDITIONAL_WRITES = {
    f"PATCH {P}",
    f"PUT {P}/sections/{{section}}",
    f"PATCH {P}/plan/objectives/{{objective_id}}",
    f"PATCH {P}/plan/commitments/{{commitment_id}}",
    f"PATCH {P}/trajectory/steps/{{step_id}}",
    f"DELETE {P}/documents/{{document_id}}",
    f"POST {P}/documents/{{document_id}}/versions",
    "PUT /api/v1/visas/{visa_id}/contract",
    "POST /api/v1/visas/{visa_id}/decision",
    "PATCH /api/v1/cadastre/organisations/{organisation_id}",
    "POST /api/v1/cadastre/organisations/{organisation_id}/verification",
    "PATCH /api/v1/cadastre/services/{service_id}",
    "POST /api/v1/cadastre/services/{service_id}/verification",
    "PATCH /api/v1/cadastre/agreements/{agreement_id}",
    "POST /api/v1/cadastre/agreements/{agreement_id}/verification",
    "PATCH /api/v1/advisers/{adviser_id}",
}
"""Writes refused without ``If-Match`` (428) or with a stale one (412); each answers the new ``ETag``."""

ETAGGED = CONDITIONAL_WRITES | {
    "POST /api/v1/persons",
    f"GET {P}",
    f"GET {P}/sections/{{section}}",
    f"POST {P}/plan/objectives",
    f"GET {P}/plan/objectives/{{objective_id}}",
    f"POST {P}/plan/objectives/{{objective_id}}/commitments",
    f"POST {P}/trajectory/steps",
    f"GET {P}/trajectory/steps/{{step_id}}",
    f"POST {P}/documents",
    f"GET {P}/documents/{{document_id}}",
    f"POST {P}/visas",
    "GET /api/v1/visas/{visa_id}",
    "POST /api/v1/cadastre/organisations",
    "GET /api/v1/cadastre/organisations/{organisation_id}",
    "POST /api/v1/cadastre/organisations/{organisation_id}/services",
    "GET /api/v1/cadastre/services/{service_id}",
    "POST /api/v1/cadastre/agreements",
    "GET /api/v1/cadastre/agreements/{agreement_id}",
    "POST /api/v1/advisers",
    "GET /api/v1/advisers/{adviser_id}",
}
"""Successful answers that carry the resource's ``ETag`` (the value to send back in ``If-Match``)."""

_BINARY = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
_JSON_ANY = Schema(type=OpenAPIType.OBJECT)
DOCUMENT_MEDIA_TYPES = (
    "application/pdf",
    "image/jpeg",
    "image/png",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/octet-stream",
)
"""What a stored document is served as (its sniffed type; ``octet-stream`` for an unknown one)."""

BINARY_ANSWERS: dict[str, dict[str, Schema]] = {
    f"GET {P}/documents/{{document_id}}/content": dict.fromkeys(DOCUMENT_MEDIA_TYPES, _BINARY),
    "GET /api/v1/visas/{visa_id}/certificate.pdf": {"application/pdf": _BINARY},
    "GET /api/v1/cadastre/evaluation.pdf": {"application/pdf": _BINARY},
    f"GET {P}/export": {"application/json": _JSON_ANY, "application/pdf": _BINARY},
    "GET /api/v1/me/export": {"application/json": _JSON_ANY, "application/pdf": _BINARY},
}
"""Successful answers that are files, by media type (the export's ``format`` chooses JSON or PDF)."""

_TEXT = Schema(type=OpenAPIType.STRING)
_UUID = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.UUID)


def _form(required: list[str], **fields: Schema) -> dict[str, OpenAPIMediaType]:
    return {
        "multipart/form-data": OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.OBJECT, required=required, properties=fields)
        )
    }


_REASON = Schema(type=OpenAPIType.STRING, min_length=3, max_length=500, pattern=r"\S.*\S.*\S")
_CONSENT_REQUIRED = ["file", "recipient_organisation_id", "sections", "purpose", "expires_at"]


_SIGNED = {
    "file": _BINARY,
    "title": _TEXT,
    "channel": Schema(type=OpenAPIType.STRING, enum=["paper", "interview"]),
}
_CONSENT_FIELDS = {
    "recipient_organisation_id": _UUID,
    "sections": _TEXT,
    "purpose": Schema(type=OpenAPIType.STRING, min_length=1, max_length=500, pattern=r"\S"),
    "expires_at": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME),
    "legal_basis": _TEXT,
}
_RAW = {
    "application/octet-stream": OpenAPIMediaType(schema=_BINARY),
    "application/pdf": OpenAPIMediaType(schema=_BINARY),
}
_CSV = {"text/csv": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, min_length=1))}
REQUEST_BODIES: dict[str, dict[str, OpenAPIMediaType]] = {
    f"POST {P}/documents": _RAW,
    f"POST {P}/documents/{{document_id}}/versions": _RAW,
    f"POST {P}/consents/recorded": _form(_CONSENT_REQUIRED, **_CONSENT_FIELDS, **_SIGNED),
    f"POST {P}/consents/{{consent_id}}/renew/recorded": _form(
        ["file", "expires_at"], **_CONSENT_FIELDS, **_SIGNED
    ),
    f"POST {P}/consents/{{consent_id}}/withdraw/recorded": _form(
        ["file", "reason"], reason=_REASON, **_SIGNED
    ),
    f"POST {P}/referrals/recorded": _form(["file", "referral"], referral=_TEXT, **_SIGNED),
    "POST /api/v1/referrals/{referral_id}/consent/recorded": _form(["file"], **_SIGNED),
    "POST /api/v1/referrals/{referral_id}/consent/withdraw/recorded": _form(
        ["file"], reason=_TEXT, **_SIGNED
    ),
    "POST /api/v1/referents/import": _CSV,
    "POST /api/v1/cadastre/import/{resource}": _CSV,
}
"""Bodies the handlers read themselves (Litestar cannot see them): raw files, CSV, multipart forms."""

_GONE = {"410": "Document supprimé"}
EXTRA_STATUSES: dict[str, dict[str, str]] = {
    f"GET {P}/documents/{{document_id}}/content": {
        "409": "Document non analysé : confirmez (confirm=true)",
        **_GONE,
    },
    f"GET {P}/documents/{{document_id}}/url": {"409": "Pas de lien direct, ou document non analysé", **_GONE},
    f"DELETE {P}/documents/{{document_id}}": _GONE,
    f"POST {P}/documents/{{document_id}}/versions": _GONE,
}
"""Statuses a read answers besides the common ones."""

PUBLIC = ("/health/",)
"""Paths answered without a token."""

OPERATION_IDS = {
    "GET /health/dependencies": "checkDependencies",
    "GET /health/live": "checkLiveness",
    "GET /health/ready": "checkReadiness",
    f"GET {P}/consents": "listConsents",
    f"POST {P}/consents": "giveConsent",
    f"POST {P}/consents/recorded": "recordSignedConsent",
    f"POST {P}/consents/{{consent_id}}/renew/recorded": "recordSignedConsentRenewal",
    f"POST {P}/consents/{{consent_id}}/withdraw/recorded": "recordSignedConsentWithdrawal",
    f"POST {P}/consents/{{consent_id}}/renew": "renewConsent",
    f"POST {P}/consents/{{consent_id}}/withdraw": "withdrawConsent",
    "GET /api/v1/journal": "listAccessJournal",
    f"GET {P}/journal": "listPersonAccessJournal",
    f"GET {P}/mandates": "listMandates",
    f"POST {P}/mandates": "assertMandate",
    f"POST {P}/mandates/{{mandate_id}}/end": "endMandate",
    "GET /api/v1/persons": "searchPersons",
    "POST /api/v1/persons": "createPerson",
    f"GET {P}/file": "readFullFile",
    f"GET {P}": "readPerson",
    f"PATCH {P}": "updatePerson",
    f"GET {P}/timeline": "listTimeline",
    f"GET {P}/sections/{{section}}": "readSection",
    f"PUT {P}/sections/{{section}}": "writeSection",
    f"POST {P}/plan/objectives/{{objective_id}}/commitments": "addCommitment",
    f"POST {P}/plan/objectives": "createObjective",
    f"GET {P}/plan/history": "readPlanHistory",
    f"GET {P}/plan": "readPlan",
    f"GET {P}/plan/objectives/{{objective_id}}": "readObjective",
    f"PATCH {P}/plan/objectives/{{objective_id}}": "updateObjective",
    f"PATCH {P}/plan/commitments/{{commitment_id}}": "updateCommitment",
    f"POST {P}/trajectory/steps/{{step_id}}/assessments": "addAssessments",
    f"POST {P}/trajectory/steps/{{step_id}}/progress": "addProgress",
    f"POST {P}/trajectory/steps": "createStep",
    f"GET {P}/progress": "readProgress",
    f"GET {P}/trajectory": "readTrajectory",
    f"GET {P}/trajectory/steps/{{step_id}}": "readStep",
    f"PATCH {P}/trajectory/steps/{{step_id}}": "updateStep",
    f"GET {P}/documents/{{document_id}}/content": "downloadDocument",
    f"GET {P}/documents": "listDocuments",
    f"POST {P}/documents": "uploadDocument",
    f"GET {P}/documents/{{document_id}}/url": "getDocumentLink",
    f"GET {P}/documents/{{document_id}}": "readDocument",
    f"DELETE {P}/documents/{{document_id}}": "removeDocument",
    f"POST {P}/documents/{{document_id}}/versions": "uploadDocumentVersion",
    "GET /api/v1/me/file": "readMyFile",
    "GET /api/v1/me/export": "exportMyFile",
    "GET /api/v1/me/plan": "readMyPlan",
    "GET /api/v1/me/timeline": "listMyTimeline",
    "GET /api/v1/icf-items": "listIcfItems",
    f"GET {P}/export": "exportFile",
    f"GET {P}/referent": "readReferent",
    f"POST {P}/referent": "assignReferent",
    f"POST {P}/referent/contacts": "recordReferentContact",
    f"GET {P}/referent/history": "readReferentHistory",
    f"GET {P}/orientation": "readOrientation",
    f"POST {P}/orientation": "orientPerson",
    f"POST {P}/referent/handover": "handOverReferent",
    "GET /api/v1/referents/me/alerts": "listMyReferentAlerts",
    "GET /api/v1/referents/me/handovers": "listMyHandovers",
    "GET /api/v1/referents/me/portfolio": "readMyPortfolio",
    "POST /api/v1/referents/bulk-assignment": "bulkAssignReferents",
    "POST /api/v1/referents/import": "importReferents",
    "GET /api/v1/advisers": "listAdvisers",
    "POST /api/v1/advisers": "createAdviser",
    "GET /api/v1/advisers/{adviser_id}": "readAdviser",
    "PATCH /api/v1/advisers/{adviser_id}": "updateAdviser",
    "POST /api/v1/visa/checklist": "checkContract",
    f"GET {P}/visas": "listVisas",
    f"POST {P}/visas": "submitVisa",
    "GET /api/v1/visas/{visa_id}/certificate.pdf": "downloadVisaCertificate",
    "POST /api/v1/visas/{visa_id}/decision": "decideVisa",
    "GET /api/v1/visas/{visa_id}/attendance": "listAttendance",
    "POST /api/v1/visas/{visa_id}/attendance": "recordAttendance",
    "GET /api/v1/visas/{visa_id}": "readVisa",
    "PUT /api/v1/visas/{visa_id}/contract": "resubmitContract",
    "GET /api/v1/visas/{visa_id}/verification": "verifyVisaSignature",
    "GET /api/v1/cadastre/alerts": "listAgreementAlerts",
    "GET /api/v1/cadastre/agreements": "listAgreements",
    "POST /api/v1/cadastre/agreements": "createAgreement",
    "GET /api/v1/cadastre/organisations": "listOrganisations",
    "POST /api/v1/cadastre/organisations": "createOrganisation",
    "POST /api/v1/cadastre/organisations/{organisation_id}/services": "createService",
    "GET /api/v1/cadastre/agreements/{agreement_id}": "readAgreement",
    "PATCH /api/v1/cadastre/agreements/{agreement_id}": "updateAgreement",
    "GET /api/v1/cadastre/organisations/{organisation_id}": "readOrganisation",
    "PATCH /api/v1/cadastre/organisations/{organisation_id}": "updateOrganisation",
    "GET /api/v1/cadastre/services/{service_id}": "readService",
    "PATCH /api/v1/cadastre/services/{service_id}": "updateService",
    "GET /api/v1/cadastre/services": "listServices",
    "POST /api/v1/cadastre/agreements/{agreement_id}/verification": "verifyAgreement",
    "POST /api/v1/cadastre/organisations/{organisation_id}/verification": "verifyOrganisation",
    "POST /api/v1/cadastre/services/{service_id}/verification": "verifyService",
    "GET /api/v1/cadastre/export/{resource}": "exportCadastreCsv",
    "POST /api/v1/cadastre/import/{resource}": "importCadastreCsv",
    "GET /api/v1/cadastre/open-data": "readOpenData",
    "GET /api/v1/cadastre/evaluation/definition": "readEvaluationDefinition",
    "GET /api/v1/cadastre/evaluation": "readEvaluation",
    "GET /api/v1/cadastre/evaluation.pdf": "downloadEvaluationPdf",
    "POST /api/v1/cadastre/proposals/{proposal_id}/approval": "approveProposal",
    "GET /api/v1/cadastre/proposals/{proposal_id}": "readProposal",
    "GET /api/v1/cadastre/proposals": "listProposals",
    "POST /api/v1/cadastre/organisations/{organisation_id}/proposals": "proposeChange",
    "POST /api/v1/cadastre/proposals/{proposal_id}/rejection": "rejectProposal",
    f"GET {P}/referrals": "listPersonReferrals",
    f"POST {P}/referrals": "sendReferral",
    f"GET {P}/referral-services": "searchReferralServices",
    f"POST {P}/referrals/recorded": "sendReferralWithSignedConsent",
    "POST /api/v1/referrals/{referral_id}/accept": "acceptReferral",
    "POST /api/v1/referrals/{referral_id}/consent/decline": "declineReferralConsent",
    "POST /api/v1/referrals/{referral_id}/consent": "giveReferralConsent",
    "GET /api/v1/referrals/{referral_id}": "readReferral",
    "GET /api/v1/referrals/received": "listReceivedReferrals",
    "GET /api/v1/referrals/received/{referral_id}": "readReceivedReferral",
    "POST /api/v1/referrals/{referral_id}/consent/recorded": "recordSignedReferralConsent",
    "POST /api/v1/referrals/{referral_id}/consent/withdraw/recorded": "recordSignedReferralConsentWithdrawal",
    "POST /api/v1/referrals/{referral_id}/refuse": "refuseReferral",
    "POST /api/v1/referrals/{referral_id}/waiting-list": "putReferralOnWaitingList",
    "POST /api/v1/referrals/{referral_id}/withdraw": "withdrawReferral",
    "POST /api/v1/referrals/{referral_id}/consent/withdraw": "withdrawReferralConsent",
    "GET /api/v1/me/referrals": "listMyReferrals",
    "GET /api/v1/me/referrals/{referral_id}": "readMyReferral",
    "GET /api/v1/referral-outcomes": "listReferralOutcomes",
    "GET /api/v1/referral-rules": "readReferralVocabulary",
    "GET /api/v1/inbox": "listInbox",
    "POST /api/v1/inbox/read-all": "markAllNotificationsRead",
    "POST /api/v1/inbox/{notification_id}/read": "markNotificationRead",
    "POST /api/v1/inbox/{notification_id}/unread": "markNotificationUnread",
    "GET /api/v1/partners/me/worklist": "readPartnerWorklist",
}
"""Readable operation ids (a route missing here keeps Litestar's id, lower-camel-cased without ``ApiV1``)."""

TAG_BY_PREFIX = (("/api/v1/visa/", "Visa"), ("/health/", "Santé"))
"""Tags for routes whose controller declares none."""

_IF_MATCH = Parameter(
    name="If-Match",
    param_in="header",
    required=True,
    description='L\'ETag lu (par ex. "3"), ou * : sans lui la modification est refusée (428), '
    "périmé elle l'est aussi (412).",
    schema=Schema(type=OpenAPIType.STRING),
)
_ETAG = OpenAPIHeader(
    description="Version de la ressource, à renvoyer dans If-Match pour la modifier.",
    required=True,
    schema=Schema(type=OpenAPIType.STRING, pattern='^"[0-9]+"$'),
)
_METHODS = ("get", "post", "put", "patch", "delete")


def _fallback_id(operation_id: str | None) -> str | None:
    if not operation_id:
        return operation_id
    name = operation_id.removeprefix("ApiV1")
    return name[:1].lower() + name[1:]


def _tag(path: str, tags: list[str] | None) -> list[str]:
    for prefix, tag in TAG_BY_PREFIX:
        if path.startswith(prefix):
            return [tag]
    if tags:
        return [tags[0][:1].upper() + tags[0][1:]]
    return ["API"]


def _successes(operation: Any) -> list[OpenAPIResponse]:
    return [r for s, r in (operation.responses or {}).items() if str(s).startswith("2")]


def complete_document(app: Litestar) -> None:
    """Complete the cached document in place (Litestar builds it once per app)."""
    openapi = app.plugins.get(OpenAPIPlugin).provide_openapi()
    problem = {"application/problem+json": OpenAPIMediaType(schema=_problem_ref())}
    for path, item in (openapi.paths or {}).items():
        for method in _METHODS:
            operation = getattr(item, method, None)
            if operation is None:
                continue
            key = f"{method.upper()} {path}"
            operation.operation_id = OPERATION_IDS.get(key) or _fallback_id(operation.operation_id)
            operation.tags = _tag(path, operation.tags)
            if path.startswith(PUBLIC):
                operation.security = []
            if key in CONDITIONAL_WRITES:
                params = [p for p in operation.parameters or [] if getattr(p, "name", "") != "If-Match"]
                operation.parameters = [*params, _IF_MATCH]
            if key in ETAGGED:
                for response in _successes(operation):
                    response.headers = {**(response.headers or {}), "ETag": _ETAG}
            if key in BINARY_ANSWERS:
                for response in _successes(operation):
                    response.content = {
                        media: OpenAPIMediaType(schema=schema)
                        for media, schema in BINARY_ANSWERS[key].items()
                    }
            if key in REQUEST_BODIES:
                operation.request_body = RequestBody(content=REQUEST_BODIES[key], required=True)
            for status, description in EXTRA_STATUSES.get(key, {}).items():
                operation.responses = {
                    **(operation.responses or {}),
                    status: OpenAPIResponse(description=description, content=problem),
                }


STRUCT_BODIES = {
    "POST /api/v1/cadastre/organisations": ("coordination.cadastre.schemas", "OrganisationCreate", True),
    "PATCH /api/v1/cadastre/organisations/{organisation_id}": (
        "coordination.cadastre.schemas",
        "OrganisationUpdate",
        True,
    ),
    "POST /api/v1/cadastre/organisations/{organisation_id}/services": (
        "coordination.cadastre.schemas",
        "ServiceCreate",
        True,
    ),
    "PATCH /api/v1/cadastre/services/{service_id}": ("coordination.cadastre.schemas", "ServiceUpdate", True),
    "POST /api/v1/cadastre/agreements": ("coordination.cadastre.schemas", "AgreementCreate", True),
    "PATCH /api/v1/cadastre/agreements/{agreement_id}": (
        "coordination.cadastre.schemas",
        "AgreementUpdate",
        True,
    ),
    "POST /api/v1/cadastre/organisations/{organisation_id}/proposals": (
        "coordination.cadastre.proposals",
        "ProposalIn",
        True,
    ),
    "POST /api/v1/cadastre/proposals/{proposal_id}/approval": (
        "coordination.cadastre.proposals",
        "DecisionIn",
        False,
    ),
    "POST /api/v1/cadastre/proposals/{proposal_id}/rejection": (
        "coordination.cadastre.proposals",
        "DecisionIn",
        True,
    ),
}
"""JSON bodies a handler takes as a plain ``dict`` and decodes itself into a Struct (French errors):
documented by msgspec's own schema of that Struct. The flag says whether a body is required."""


def _enums(settings: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """Values the server checks against constants or rule files (never typed as enums in the Structs)."""
    from pathlib import Path

    from coordination.referent.models import REFERENT_KINDS, TRACKS
    from coordination.referral.rules import load_rules

    categories = sorted(load_rules(Path(settings.policies_dir)).reason_categories)
    sections = _sections()
    return {
        ("AdviserIn", "kind"): {"enum": sorted(REFERENT_KINDS)},
        ("AdviserIn", "tracks"): {"items": {"type": "string", "enum": sorted(TRACKS)}},
        ("SendReferral", "reason_category"): {"enum": categories},
        ("access_schemas_GiveConsent", "purpose"): {"minLength": 1, "maxLength": 500, "pattern": r"\S"},
        ("access_schemas_GiveConsent", "sections"): sections,
        ("SendReferral", "sections"): {"items": sections["items"]},
    }


def _sections() -> dict[str, Any]:
    from coordination.access.services import FILE_SECTIONS

    return {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string", "enum": sorted(s.value for s in FILE_SECTIONS)},
    }


DECIMAL = r"^-?[0-9]{1,12}(\.[0-9]{1,6})?$"
"""What ``decimal.Decimal`` fields accept, said as a pattern (msgspec documents only ``format: decimal``)."""


def _walk(node: Any):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _query_enums() -> dict[tuple[str, str], list[str]]:
    from coordination.cadastre.proposal_models import PROPOSAL_STATUSES
    from coordination.dossier.models import DOCUMENT_CATEGORIES

    return {
        ("GET /api/v1/persons", "status"): ["forem", "ris", "inami"],
        ("GET /api/v1/cadastre/proposals", "status"): list(PROPOSAL_STATUSES),
        (f"POST {P}/documents", "category"): list(DOCUMENT_CATEGORIES),
        (f"GET {P}/export", "format"): ["json", "pdf"],
        ("GET /api/v1/me/export", "format"): ["json", "pdf"],
    }


def complete_serialised(app: Litestar) -> None:
    """Second pass, on the cached JSON document: what is easier said in JSON Schema than in Litestar's
    objects (msgspec's own schemas, enums read from rule files)."""
    import importlib

    document = app.plugins.get(OpenAPIPlugin).provide_openapi_schema()
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for key, (module, name, required) in STRUCT_BODIES.items():
        method, path = key.split(" ", 1)
        operation = document["paths"].get(path, {}).get(method.lower())
        if operation is None:
            continue
        struct = getattr(importlib.import_module(module), name)
        prefix = module.split(".")[1] + "_"
        (ref,), extra = msgspec.json.schema_components(
            [struct], ref_template=f"#/components/schemas/{prefix}{{name}}"
        )
        for component, schema in extra.items():
            components.setdefault(prefix + component, schema)
        operation["requestBody"] = {"content": {"application/json": {"schema": ref}}, "required": required}
    for (component, prop), keywords in _enums(app.state.settings).items():
        target = components.get(component, {}).get("properties", {}).get(prop)
        if target is not None:
            target.update(keywords)
    for (key, name), values in _query_enums().items():
        method, path = key.split(" ", 1)
        operation = document["paths"].get(path, {}).get(method.lower()) or {}
        for parameter in operation.get("parameters", []):
            if parameter.get("name") == name and parameter.get("in") == "query":
                parameter["schema"] = {**parameter.get("schema", {}), "enum": values}
    for node in _walk(components):
        if node.get("type") == "string" and node.get("format") == "decimal":
            node.setdefault("pattern", DECIMAL)
    for key in (f"{P}/consents/recorded", f"{P}/consents/{{consent_id}}/renew/recorded"):
        form = document["paths"].get(key, {}).get("post", {}).get("requestBody", {}).get("content", {})
        if "multipart/form-data" in form:
            form["multipart/form-data"]["schema"]["properties"]["sections"] = _sections()
    referral = document["paths"].get(f"{P}/referrals/recorded", {}).get("post")
    if referral is not None and "SendReferral" in components:
        # the shared SendReferral, with the consent this route records: its mode is "record"
        recorded = {
            "type": "object",
            "required": ["consent"],
            "properties": {
                "consent": {
                    "type": "object",
                    "required": ["mode"],
                    "properties": {"mode": {"const": "record"}},
                }
            },
        }
        form = referral["requestBody"]["content"]["multipart/form-data"]
        form["schema"]["properties"]["referral"] = {
            "allOf": [{"$ref": "#/components/schemas/SendReferral"}, recorded]
        }
        form["encoding"] = {"referral": {"contentType": "application/json"}}


def _problem_ref() -> Any:
    from litestar.openapi.spec import Reference

    return Reference("#/components/schemas/ProblemDetails")
