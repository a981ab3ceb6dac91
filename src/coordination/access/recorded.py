"""Consents a worker records from the person's signed paper form ("Who may assert which fact", DOMAIN).

A consent is the person's act: she gives, renews and withdraws it in her own space
(:func:`coordination.access.services.give_consent` and friends, channel ``self``). Anyone else only
*records* what she signed, and only so:

* the evidence is the signed form itself, uploaded to her file **in the same step** (a document of category
  ``consent_form``, streamed through the store and the antivirus like any document): never the id of a
  document already in the file, which could be anything (a CV);
* a worker never records a consent whose recipient is their own organisation (whoever is empowered by a
  fact never asserts it alone), and never one naming the ``health`` or CPAS ``social`` sections: those
  the person gives herself, or a data-protection officer (role ``dpo``) records after checking the signed
  form, and never for the DPO's own organisation either;
* the person is told at once in her inbox, and can withdraw the consent there in one click;
* a withdrawal recorded by a worker needs the same evidence (her signed request) and a reason; a renewal
  recorded by a worker follows the recording rules.

Order (object first, row second): the gate, then every check of the request (nothing stored yet); the
gate's journal row is committed so no transaction is held while the file streams; the file goes into the
store and through the antivirus; then the document row, the consent rows and the notice are written and
committed together. If anything fails after the object was stored, the object is deleted (the orphan
sweep is the backstop): a failed request leaves no consent, no document row and no object.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from coordination import clock
from coordination.access import services
from coordination.access.models import Consent, ConsentChannel
from coordination.access.principal import Principal
from coordination.access.scope import RequestScope
from coordination.directory.models import Role
from coordination.dossier.context import retention
from coordination.dossier.services import documents
from coordination.errors import BadRequest, Forbidden
from coordination.storage.factory import app_scanner

EVIDENCE_CATEGORY = "consent_form"
"""Every signed form (a consent, a renewal, a withdrawal request) is filed under this document category."""
SPECIAL_SECTIONS = frozenset({"health", "social"})
"""Health (GDPR art. 9) and the CPAS social section: only the person, or the DPO from the signed form."""
RECORDING_CHANNELS = (ConsentChannel.PAPER, ConsentChannel.INTERVIEW)
REASON_MIN, REASON_MAX = 3, 500
CHUNK = 64 * 1024


@dataclass(frozen=True)
class SignedForm:
    """The signed paper, as uploaded in the request: its file name and its bytes (streamed, never whole)."""

    filename: str
    chunks: AsyncIterable[bytes]
    title: str | None = None


@dataclass(frozen=True)
class Uploads:
    """Where and how a signed form is stored: the dossier's store, antivirus, limit and retention rules."""

    store: Any
    scanner: Any
    max_size: int
    retention: Any
    today: date


# --- pure rules ----------------------------------------------------------------------------------


def check_recorder(principal: Principal, person_id: UUID, recipient_organisation_id: UUID, sections) -> None:
    """Who may record a consent naming ``recipient_organisation_id`` for ``sections`` (pure).

    Raises 403 problem details (French) when the recorder is the person (she gives it herself), the
    recipient is the recorder's own organisation, or a section is health/social and the recorder is not
    the DPO."""
    if principal.person_id == person_id:
        raise BadRequest(
            "Vous donnez votre accord vous-même, dans votre espace : aucun formulaire n'est à déposer.",
            code="consent-self",
        )
    if principal.organisation_id is not None and principal.organisation_id == recipient_organisation_id:
        raise Forbidden(
            "Vous ne pouvez pas enregistrer un consentement au profit de votre propre organisme : la personne "
            "le donne elle-même dans son espace, ou un autre organisme l'enregistre avec le formulaire signé.",
            code="consent-own-organisation",
        )
    special = SPECIAL_SECTIONS & set(sections)
    if special and principal.role is not Role.DPO:
        raise Forbidden(
            "Les parties « santé » et « situation sociale (CPAS) » ne se partagent que par la personne "
            "elle-même, dans son espace, ou par le délégué à la protection des données après vérification "
            "du formulaire signé.",
            code="consent-special-section",
            sections=sorted(special),
        )


def check_channel(channel: str | None) -> ConsentChannel:
    try:
        resolved = ConsentChannel(channel) if channel else ConsentChannel.PAPER
    except ValueError as exc:
        raise BadRequest("Canal inconnu : « paper » ou « interview ».", code="consent-channel") from exc
    if resolved not in RECORDING_CHANNELS:
        raise BadRequest(
            "Un consentement enregistré par un travailleur a été signé sur papier ou en entretien "
            "(canal « paper » ou « interview »).",
            code="consent-channel",
        )
    return resolved


def check_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not REASON_MIN <= len(text) <= REASON_MAX:
        raise BadRequest(
            f"Indiquez le motif du retrait ({REASON_MIN} à {REASON_MAX} caractères).",
            code="withdrawal-reason",
        )
    return text


def signed_form_of(upload: Any, title: str | None = None) -> SignedForm:
    """The uploaded file of a multipart form (Litestar's ``UploadFile``), or a French 400."""
    if upload is None or not hasattr(upload, "read") or not getattr(upload, "filename", ""):
        raise BadRequest(
            "Joignez le formulaire signé par la personne (fichier, champ « file ») : il est déposé dans son "
            "dossier comme preuve, dans la même étape.",
            code="consent-form-missing",
        )
    return SignedForm(filename=documents.clean_filename(upload.filename), chunks=_read(upload), title=title)


async def _read(upload: Any) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


# --- the use cases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A recording request as received: the form's values (strings, the uploaded file) and, from the
    pages, the end date they computed. Nothing in it is checked before the gate has decided: a caller
    who may not write the person's consents is refused (and journaled) whatever they sent."""

    values: Mapping[str, Any]
    expires_at: datetime | None = None

    def text(self, name: str) -> str:
        return text_of(self.values, name)

    def signed_form(self) -> SignedForm:
        refuse_evidence_id(self.values)
        return signed_form_of(self.values.get("file"), self.text("title"))

    def end(self) -> datetime:
        return self.expires_at or datetime_of(self.values, "expires_at")


async def record_consent(scope: RequestScope, person_id: UUID, draft: Draft, *, uploads: Uploads) -> Consent:
    """A worker (or the DPO) records a consent the person signed on paper; the form is filed in the same
    step. Commits (see the module docstring for the order)."""
    session, principal = scope.session, scope.principal
    await scope.require(person_id, "consents", "write")
    form = draft.signed_form()
    terms = terms_of(draft.values, draft.end())
    resolved = await check_recording(session, principal, person_id, terms, draft.text("channel") or None)

    async def rows(document_id: UUID) -> Consent:
        return await services.write_consent(session, principal, person_id, terms, resolved, document_id)

    return await with_signed_form(
        session, principal, person_id, form, uploads, "Formulaire de consentement signé", rows
    )


async def check_recording(
    session: AsyncSession, principal: Principal, person_id: UUID, terms: services.Terms, channel: str | None
) -> ConsentChannel:
    """Every check of a recorded consent that needs no file (call it before anything is stored)."""
    resolved = check_channel(channel)
    check_recorder(principal, person_id, terms.recipient_organisation_id, terms.sections)
    await services.organisation_exists(session, terms.recipient_organisation_id)
    return resolved


async def record_withdrawal(
    scope: RequestScope,
    person_id: UUID,
    consent_id: UUID,
    draft: Draft,
    *,
    uploads: Uploads,
    after: Callable[[Consent], Awaitable[None]] | None = None,
) -> Consent:
    """A worker records the withdrawal the person asked for in writing: her signed request is filed in
    the same step, the reason (``reason``) is required, and she is told. Effective at once. ``after``
    (optional) adds the caller's own rows in the same transaction (a referral's history). Commits."""
    session, principal = scope.session, scope.principal
    await scope.require(person_id, "consents", "write")
    if principal.person_id == person_id:
        raise BadRequest(
            "Vous retirez votre accord vous-même, en un clic : aucun formulaire n'est à déposer.",
            code="consent-self",
        )
    form = draft.signed_form()
    resolved = check_channel(draft.text("channel") or None)
    why = check_reason(draft.text("reason"))
    consent, events = await services.load_consent(session, person_id, consent_id)
    services.require_active(consent, events)

    async def rows(document_id: UUID) -> Consent:
        current, now_events = await services.load_consent(session, person_id, consent_id)
        services.require_active(current, now_events)
        await services.write_withdrawal(session, principal, current, resolved, document_id, why)
        if after is not None:
            await after(current)
        return current

    return await with_signed_form(
        session, principal, person_id, form, uploads, "Demande signée de retrait d'un consentement", rows
    )


async def record_renewal(
    scope: RequestScope, person_id: UUID, consent_id: UUID, draft: Draft, *, uploads: Uploads
) -> Consent:
    """A worker records a renewal the person signed: the same rules as recording a consent. Commits."""
    session, principal = scope.session, scope.principal
    await scope.require(person_id, "consents", "write")
    form = draft.signed_form()
    expires_at = draft.end()
    old, events = await services.load_consent(session, person_id, consent_id)
    services.require_renewable(old, events)
    terms = services.renewal_terms(old, expires_at)
    resolved = await check_recording(session, principal, person_id, terms, draft.text("channel") or None)

    async def rows(document_id: UUID) -> Consent:
        current, now_events = await services.load_consent(session, person_id, consent_id)
        services.require_renewable(current, now_events)
        return await services.write_renewal(
            session, principal, person_id, current, terms, resolved, document_id
        )

    return await with_signed_form(
        session, principal, person_id, form, uploads, "Formulaire de renouvellement d'un consentement", rows
    )


async def with_signed_form(
    session: AsyncSession,
    principal: Principal,
    person_id: UUID,
    form: SignedForm,
    uploads: Uploads,
    default_title: str,
    rows: Callable[[UUID], Awaitable[Any]],
) -> Any:
    """Store and scan the signed form, then write its document row and ``rows(document_id)`` and commit;
    the object is deleted if anything after storing it fails. Every check that needs no file has been
    made by the caller, so a refusal stores nothing."""
    await session.commit()  # commit: keep the gate's journal row; hold no transaction while the file streams
    document_id = uuid7()
    key = documents.object_key(person_id, document_id, 1)
    stored = await documents.store_and_scan(
        uploads.store, uploads.scanner, key, form.chunks, form.filename, uploads.max_size
    )
    try:
        await documents.create_document(
            session,
            principal,
            person_id=person_id,
            title=(form.title or "").strip() or default_title,
            category=EVIDENCE_CATEGORY,
            filename=form.filename,
            stored=stored,
            key=key,
            document_id=document_id,
            retention=uploads.retention,
            today=uploads.today,
            notify_person=False,  # the consent's own notice tells her, and names the form
        )
        result = await rows(document_id)
        await session.commit()  # commit: here, so that a failed commit still deletes the stored object
    except BaseException:
        await session.rollback()
        await documents.discard_object(uploads.store, key)
        raise
    return result


# --- reading the request -------------------------------------------------------------------------


def form_values(form: Any) -> dict[str, Any]:
    """A Litestar form (multi-dict) as a plain dict: single values as they are, repeated fields as lists."""
    if isinstance(form, Mapping) and not hasattr(form, "getall"):
        return dict(form)
    values: dict[str, Any] = {}
    for key in form:
        items = form.getall(key)
        values[key] = items if len(items) > 1 else items[0]
    return values


def text_of(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").strip() if not hasattr(value, "read") else ""


def sections_of(values: Mapping[str, Any]) -> list[str]:
    """``sections`` repeated (checkboxes) or comma-separated (``sections=plan,progress``)."""
    raw = values.get("sections")
    items = raw if isinstance(raw, list) else [raw] if raw else []
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def uuid_of(values: Mapping[str, Any], name: str, message: str) -> UUID:
    try:
        return UUID(text_of(values, name))
    except ValueError as exc:
        raise BadRequest(message, code="bad-request") from exc


def datetime_of(values: Mapping[str, Any], name: str) -> datetime:
    text = text_of(values, name)
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadRequest(
            f"Indiquez « {name} » en date et heure ISO 8601 avec fuseau (ex. 2027-03-31T23:59:00+02:00).",
            code="consent-expiry",
        ) from exc


def refuse_evidence_id(values: Mapping[str, Any]) -> None:
    """An id of a document already in the file is never evidence: the signed form is uploaded now."""
    if text_of(values, "evidence_document_id"):
        raise BadRequest(
            "La preuve ne se désigne pas par un document existant : joignez le formulaire signé lui-même "
            "(champ « file »), il est déposé dans le dossier dans la même étape.",
            code="consent-evidence-upload",
        )


def terms_of(values: Mapping[str, Any], expires_at: datetime) -> services.Terms:
    """The consent's terms from a form (French 400 on anything missing or wrong)."""
    return services.check_terms(
        recipient_organisation_id=uuid_of(
            values, "recipient_organisation_id", "Choisissez l'organisme destinataire."
        ),
        sections=sections_of(values),
        purpose=text_of(values, "purpose"),
        expires_at=expires_at,
        legal_basis=text_of(values, "legal_basis") or "consent",
    )


FORM_OVERHEAD = 1024 * 1024
"""Room for the form's other fields and multipart boundaries above the document size limit."""
ROUTE_BODY_CEILING = 64 * 1024 * 1024
"""Litestar's per-route ceiling for the multipart routes (a body sent without Content-Length stops being
spooled there): a signed form is a few pages. The configured document limit (``max_upload_bytes``, 20 MB
by default) is checked before from Content-Length (:func:`precheck_length`) and again while the file
streams into the store; a limit configured above this ceiling is capped by it on these routes."""


def uploads_for(request: Any, settings: Any) -> Uploads:
    """The app's store and antivirus (built once per app), the settings' limit and retention rules."""
    return Uploads(
        store=request.app.state.store,
        scanner=app_scanner(request.app.state, settings),
        max_size=settings.max_upload_bytes,
        retention=retention(settings),
        today=clock.today(),
    )


def precheck_length(request: Any, settings: Any) -> None:
    """Refuse (413) a body announced larger than a document may be, before it is spooled."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > settings.max_upload_bytes + FORM_OVERHEAD:
        raise documents.too_large(settings.max_upload_bytes)


async def multipart_values(request: Any, settings: Any) -> dict[str, Any]:
    """The API's multipart form as a dict (empty when the request is not a form: the service then says,
    after the gate, what is missing)."""
    precheck_length(request, settings)
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        return {}
    return form_values(await request.form())
