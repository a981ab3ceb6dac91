"""Registry services: organisations' entries, services, agreements, verification, expiry.

Services ``flush()``; the request's session commits (the task runner, for the daily step). Permission checks that depend on the row (a partner manager
editing their own entry) happen here, so the CSV import and the API apply the same rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar, cast
from uuid import UUID

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from coordination import clock
from coordination.access.principal import Principal
from coordination.cadastre import proposals, rules
from coordination.cadastre.entries import registry_entry
from coordination.cadastre.models import Agreement, PartnerProfile, Service
from coordination.cadastre.schemas import (
    AgreementAlert,
    AgreementOut,
    OrganisationOut,
    ServiceOut,
    VerificationAlert,
)
from coordination.cadastre.validation import (
    Problems,
    check_agreement,
    check_organisation,
    check_service,
    unprocessable,
)
from coordination.db.base import utcnow
from coordination.directory.models import Organisation, OrganisationKind
from coordination.errors import Conflict, Forbidden, NotFound, PreconditionFailed, ProblemError
from coordination.formatting import day_fr
from coordination.shapes import from_row

ORG_FIELDS = ("alternate_name", "description", "email", "website", "legal_status", "status", "partner_kind")
SERVICE_FIELDS = (
    "name",
    "alternate_name",
    "description",
    "url",
    "email",
    "status",
    "publics",
    "service_areas",
    "capacity",
    "capacity_unit",
    "eligibility_description",
    "application_process",
    "minimum_age",
    "maximum_age",
    "languages",
)
AGREEMENT_FIELDS = (
    "title",
    "kind",
    "start_date",
    "end_date",
    "funding_cents",
    "target_entrants",
    "target_positive_exits",
    "territory",
    "publics",
)


R = TypeVar("R", PartnerProfile, Service, Agreement)

VersionCheck = Callable[[int], None]
"""Called with the record's version before a change: the API's ``If-Match`` check (412/428), so a client
never overwrites what it has not read. The CSV import and the tasks pass none."""


def any_version(version: int) -> None:
    """No precondition (the CSV import replaces by key; it is all or nothing)."""


@dataclass(frozen=True)
class Edit:
    """One change to the registry: the session it is written in, who makes it, on which Brussels day
    (an agreement's termination, a verification), and the check of the version the writer read."""

    session: AsyncSession
    actor: Principal
    today: date
    expect_version: VersionCheck = any_version


def invalid(problems: Problems) -> ProblemError:
    return unprocessable(problems, "invalid-registry-entry", "Données invalides")


def _require_valid(problems: Problems) -> None:
    """Every write checks its values first; any problem refuses the whole write (422)."""
    if problems:
        raise invalid(problems)


def _require_keeper(actor: Principal, action: str) -> None:
    """Only Forem, the registry's keeper, does ``action`` (French, e.g. « vérifie les fiches »)."""
    if not rules.is_keeper(actor):
        raise Forbidden(f"Seul le Forem, gestionnaire du cadastre, {action}.")


def _stale(assured_at: datetime | None, updated_at: datetime) -> bool:
    return rules.changed_since_verification(assured_at, updated_at)


def _verification_fields(record: Any) -> dict[str, Any]:
    """What every registry record shows of its verification and version (entries, services, agreements)."""
    return {
        "assured_date": record.assured_date,
        "assured_by": record.assured_by,
        "verification_stale": _stale(record.assured_at, record.updated_at),
        "verified_at": record.assured_at,
        "updated_at": record.updated_at,
        "version": record.version,
    }


def _mark_verified(record, actor: Principal, now: datetime) -> None:
    """Only the verification's columns change: ``updated_at`` is written back as it was (SQLAlchemy would
    otherwise stamp it with the time of this UPDATE), so that verifying is not an edit and a later edit
    is seen at once (``updated_at > assured_at``, both UTC)."""
    record.assured_at = now
    record.assured_date = clock.brussels_day(now)
    record.assured_by = actor.user_id
    flag_modified(record, "updated_at")


async def _verify(edit: Edit, record: R, what: str = "vérifie les fiches") -> R:
    """The keeper verified ``record`` (an entry, a service or an agreement) as the version they read."""
    _require_keeper(edit.actor, what)
    edit.expect_version(record.version)
    _mark_verified(record, edit.actor, _now_on(edit.today))
    await _flush_unique(edit.session)
    return record


def _now_on(today: date) -> datetime:
    """Now, unless the caller gives another day (tests, the CLI's ``--today``): then noon of that day in
    Brussels, so that the verification's day and instant agree."""
    now = clock.now()
    if clock.brussels_day(now) == today:
        return now
    return datetime.combine(today, time(12), tzinfo=clock.BRUSSELS).astimezone(UTC)


def cents_to_euros(cents: int | None) -> Decimal | None:
    return None if cents is None else (Decimal(cents) / 100).quantize(Decimal("0.01"))


def euros_to_cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int((amount * 100).to_integral_value())


# --- organisations -------------------------------------------------------------------------------


DIRECTORY_FIELDS = {"id": "id", "name": "name", "tax_id": "bce_number", "bassin": "bassin"}
"""The entry's fields the directory keeps (the answer's name: the ``organisations`` column)."""


def organisation_out(org: Organisation, profile: PartnerProfile) -> OrganisationOut:
    """The registry entry: its profile's fields, and the directory's for the organisation itself."""
    return from_row(
        profile,
        OrganisationOut,
        **{name: getattr(org, column) for name, column in DIRECTORY_FIELDS.items()},
        partner_kind_label=rules.PARTNER_KIND_LABELS[profile.partner_kind],
        **_verification_fields(profile),
    )


async def list_organisations(
    session: AsyncSession, *, partner_kind: str | None = None, bassin: str | None = None, q: str | None = None
) -> list[tuple[Organisation, PartnerProfile]]:
    stmt = select(Organisation, PartnerProfile).join(
        PartnerProfile, PartnerProfile.organisation_id == Organisation.id
    )
    if partner_kind:
        stmt = stmt.where(PartnerProfile.partner_kind == partner_kind)
    if bassin:
        # case- and accent-case-insensitive ("liège", "LIÈGE"): SQLite's lower() folds ASCII only, so the
        # few distinct bassins are matched here and the query filters on the ones found
        wanted = bassin.strip().casefold()
        known = (await session.scalars(select(Organisation.bassin).distinct())).all()
        stmt = stmt.where(Organisation.bassin.in_([b for b in known if b and b.strip().casefold() == wanted]))
    if q:
        stmt = stmt.where(Organisation.name.ilike(f"%{q.replace('%', '').replace('_', '')}%"))
    rows = await session.execute(stmt.order_by(Organisation.name))
    return [(o, p) for o, p in rows.all()]


async def find_organisations(
    session: AsyncSession, *, partner_kind: str | None = None, bassin: str | None = None, q: str | None = None
) -> list[OrganisationOut]:
    """The registry's entries as the API and the list page show them (filters: :func:`list_organisations`)."""
    rows = await list_organisations(session, partner_kind=partner_kind, bassin=bassin, q=q)
    return [organisation_out(o, p) for o, p in rows]


async def get_organisation(
    session: AsyncSession, organisation_id: UUID
) -> tuple[Organisation, PartnerProfile]:
    return await registry_entry(session, organisation_id)


async def find_by_bce(session: AsyncSession, bce: str) -> Organisation | None:
    return await session.scalar(select(Organisation).where(Organisation.bce_number == bce))


async def create_organisation(
    session: AsyncSession, values: dict[str, Any], actor: Principal
) -> tuple[Organisation, PartnerProfile]:
    _require_keeper(actor, "peut y ajouter une organisation")
    _require_valid(check_organisation(values))
    bce = rules.normalise_bce(values["tax_id"]) if values.get("tax_id") else None
    existing_id = values.get("organisation_id")
    if existing_id:
        org = await session.get(Organisation, existing_id)
        if org is None:
            raise NotFound("Organisation introuvable dans l'annuaire.")
        if await session.scalar(select(PartnerProfile.id).where(PartnerProfile.organisation_id == org.id)):
            raise Conflict("Cette organisation figure déjà au cadastre.", "already-registered")
        org.name = values["name"]
        if bce:
            org.bce_number = bce
        if values.get("bassin"):
            org.bassin = values["bassin"]
    else:
        if values["partner_kind"] == "cpas":
            raise invalid(
                [
                    (
                        "organisation_id",
                        "Un CPAS s'inscrit au cadastre depuis sa fiche de l'annuaire (organisation_id).",
                    )
                ]
            )
        org = Organisation(
            name=values["name"], kind=OrganisationKind.PARTNER, bce_number=bce, bassin=values.get("bassin")
        )
        session.add(org)
    if values["partner_kind"] == "cpas" and org.kind is not OrganisationKind.CPAS:
        raise invalid(
            [("partner_kind", "Seule une organisation de type CPAS de l'annuaire peut être un CPAS.")]
        )
    await _flush_unique(session, "Ce numéro BCE est déjà utilisé par une autre organisation.")
    profile = PartnerProfile(
        organisation_id=org.id, **{k: values[k] for k in ORG_FIELDS if values.get(k) is not None}
    )
    session.add(profile)
    await _flush_unique(session, "Cette organisation figure déjà au cadastre.")
    return org, profile


async def update_organisation(
    edit: Edit, organisation_id: UUID, values: dict[str, Any]
) -> tuple[Organisation, PartnerProfile]:
    session, actor = edit.session, edit.actor
    org, profile = await get_organisation(session, organisation_id)
    edit.expect_version(profile.version)
    if not rules.may_edit_organisation(actor, org.id):
        raise Forbidden("Vous ne pouvez modifier que la fiche de votre propre organisation.")
    proposals.forbid_direct_change(actor, org, profile, values)
    problems = check_organisation(values, partial=True)
    if values.get("partner_kind") == "cpas" and org.kind is not OrganisationKind.CPAS:
        problems.append(
            ("partner_kind", "Seule une organisation de type CPAS de l'annuaire peut être un CPAS.")
        )
    _require_valid(problems)
    if "name" in values:
        org.name = values["name"]
    if "bassin" in values:
        org.bassin = values["bassin"]
    if "tax_id" in values:
        org.bce_number = rules.normalise_bce(values["tax_id"]) if values["tax_id"] else None
    for field in ORG_FIELDS:
        if field in values and (values[field] is not None or field not in ("partner_kind", "status")):
            setattr(profile, field, values[field])
    profile.updated_at = utcnow()  # the entry's version moves even when only the directory row changed
    await _flush_unique(session, "Ce numéro BCE est déjà utilisé par une autre organisation.")
    return org, profile


async def verify_organisation(edit: Edit, organisation_id: UUID) -> tuple[Organisation, PartnerProfile]:
    org, profile = await get_organisation(edit.session, organisation_id)
    return org, await _verify(edit, profile)


# --- services ------------------------------------------------------------------------------------


def service_out(service: Service) -> ServiceOut:
    return from_row(
        service, ServiceOut, organization_id=service.organisation_id, **_verification_fields(service)
    )


async def list_services(
    session: AsyncSession,
    *,
    organisation_id: UUID | None = None,
    bassin: str | None = None,
    public: str | None = None,
) -> list[Service]:
    stmt = select(Service).order_by(Service.name)
    if organisation_id:
        stmt = stmt.where(Service.organisation_id == organisation_id)
    services = list((await session.scalars(stmt)).all())
    # JSON lists are filtered here: the registry holds hundreds of services, not millions.
    if bassin:
        services = [s for s in services if bassin in (s.service_areas or [])]
    if public:
        services = [s for s in services if public in (s.publics or [])]
    return services


async def get_service(session: AsyncSession, service_id: UUID) -> Service:
    service = await session.get(Service, service_id)
    if service is None:
        raise NotFound("Ce service ne figure pas au cadastre.")
    return service


async def create_service(
    session: AsyncSession, organisation_id: UUID, values: dict[str, Any], actor: Principal
) -> Service:
    org, _ = await get_organisation(session, organisation_id)
    if not rules.may_edit_organisation(actor, org.id):
        raise Forbidden("Vous ne pouvez ajouter des services qu'à votre propre organisation.")
    _require_valid(check_service(values))
    service = Service(organisation_id=org.id, **{f: values[f] for f in SERVICE_FIELDS if f in values})
    session.add(service)
    await _flush_unique(session, "Cette organisation propose déjà un service de ce nom.")
    return service


async def update_service(edit: Edit, service_id: UUID, values: dict[str, Any]) -> Service:
    service = await get_service(edit.session, service_id)
    edit.expect_version(service.version)
    if not rules.may_edit_organisation(edit.actor, service.organisation_id):
        raise Forbidden("Vous ne pouvez modifier que les services de votre propre organisation.")
    _require_valid(check_service({**{f: getattr(service, f) for f in SERVICE_FIELDS}, **values}))
    for field in SERVICE_FIELDS:
        if field in values and (
            values[field] is not None or field not in ("name", "status", "capacity_unit")
        ):
            setattr(service, field, values[field])
    await _flush_unique(edit.session, "Cette organisation propose déjà un service de ce nom.")
    return service


async def verify_service(edit: Edit, service_id: UUID) -> Service:
    return await _verify(edit, await get_service(edit.session, service_id))


# --- agreements ----------------------------------------------------------------------------------


def agreement_out(agreement: Agreement, today: date) -> AgreementOut:
    status = rules.effective_status(agreement.status, agreement.end_date, today)
    return from_row(
        agreement,
        AgreementOut,
        kind_label=rules.AGREEMENT_KIND_LABELS[agreement.kind],
        funding_amount=cents_to_euros(agreement.funding_cents),
        territory=list(agreement.territory or []),
        publics=list(agreement.publics or []),
        status=status,
        closed_reason=agreement.closed_reason or ("expired" if status != agreement.status else None),
        accepts_new_steps=rules.accepts_steps(
            agreement.status, agreement.start_date, agreement.end_date, today, today
        ),
        **_verification_fields(agreement),
    )


async def close_expired_agreements(session: AsyncSession, today: date) -> int:
    """Close every active agreement whose end date has passed; returns how many were closed.

    Run by the daily task (``coordination tasks --only agreements``), never by a read: readers compute
    the status on read (:func:`.rules.effective_status`). Idempotent. The version is
    bumped so that a client holding an old ETag must re-read.
    """
    result = await session.execute(
        update(Agreement)
        .where(Agreement.status == "active", Agreement.end_date < today)
        .values(
            status="closed",
            closed_on=today,
            closed_reason="expired",
            version=Agreement.version + 1,
            # closing at the end date it already carried is no edit: « modifié depuis la vérification »
            # must not rise for it (written explicitly, or the column's onupdate would stamp it)
            updated_at=Agreement.updated_at,
        )
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount or 0  # an UPDATE's result counts its rows


async def agreement_accepts_steps(session: AsyncSession, agreement_id: UUID, on_date: date) -> bool:
    """Whether a new trajectory step dated ``on_date`` may be attached to this agreement.

    For the dossier package. True only if the agreement exists, is not closed (expired or terminated,
    evaluated today in Europe/Brussels even before the closing task has run) and covers ``on_date``.
    Reads only; writes nothing in the caller's transaction.
    """
    row = (
        await session.execute(
            select(Agreement.status, Agreement.start_date, Agreement.end_date).where(
                Agreement.id == agreement_id
            )
        )
    ).first()
    if row is None:
        return False
    return rules.accepts_steps(row.status, row.start_date, row.end_date, on_date, clock.today())


async def list_agreements(
    session: AsyncSession,
    *,
    organisation_id: UUID | None = None,
    status: str | None = None,
    kind: str | None = None,
    today: date | None = None,
) -> list[Agreement]:
    """``status`` filters on the status as read ``today`` (an agreement past its end is closed even
    before the daily task has closed it)."""
    stmt = select(Agreement).order_by(Agreement.end_date, Agreement.reference)
    if organisation_id:
        stmt = stmt.where(Agreement.organisation_id == organisation_id)
    today = today or clock.today()
    if status == "active":
        stmt = stmt.where(Agreement.status == "active", Agreement.end_date >= today)
    elif status == "closed":
        stmt = stmt.where(or_(Agreement.status == "closed", Agreement.end_date < today))
    elif status:
        stmt = stmt.where(Agreement.status == status)
    if kind:
        stmt = stmt.where(Agreement.kind == kind)
    return list((await session.scalars(stmt)).all())


async def get_agreement(session: AsyncSession, agreement_id: UUID) -> Agreement:
    agreement = await session.get(Agreement, agreement_id)
    if agreement is None:
        raise NotFound("Cette convention ne figure pas au cadastre.")
    return agreement


async def _check_parties(session: AsyncSession, organisation_id: UUID, funder_id: UUID) -> Problems:
    problems: Problems = []
    if not await session.scalar(
        select(PartnerProfile.id).where(PartnerProfile.organisation_id == organisation_id)
    ):
        problems.append(("organisation_id", "L'organisation partenaire ne figure pas au cadastre."))
    funder = await session.get(Organisation, funder_id)
    if funder is None or funder.kind not in (OrganisationKind.FOREM, OrganisationKind.CPAS):
        problems.append(("funder_id", "Une convention se conclut avec le Forem ou un CPAS."))
    return problems


async def create_agreement(session: AsyncSession, values: dict[str, Any], actor: Principal) -> Agreement:
    _require_keeper(actor, "enregistre les conventions")
    problems = check_agreement(values) + await _check_parties(
        session, values["organisation_id"], values["funder_id"]
    )
    _require_valid(problems)
    agreement = Agreement(
        reference=values["reference"],
        organisation_id=values["organisation_id"],
        funder_id=values["funder_id"],
        **{f: values[f] for f in AGREEMENT_FIELDS if f in values},
    )
    session.add(agreement)
    await _flush_unique(session, "Une convention porte déjà cette référence.")
    return agreement


async def update_agreement(edit: Edit, agreement_id: UUID, values: dict[str, Any]) -> Agreement:
    _require_keeper(edit.actor, "modifie les conventions")
    agreement = await get_agreement(edit.session, agreement_id)
    edit.expect_version(agreement.version)
    today = edit.today
    merged = {
        **{f: getattr(agreement, f) for f in AGREEMENT_FIELDS},
        **values,
        "reference": agreement.reference,
    }
    _require_valid(check_agreement(merged))
    for field in AGREEMENT_FIELDS:
        if field in values and values[field] is not None:
            setattr(agreement, field, values[field])
    if values.get("terminate") and agreement.status == "active":
        agreement.status, agreement.closed_on, agreement.closed_reason = "closed", today, "terminated"
    elif (
        agreement.status == "closed" and agreement.closed_reason == "expired" and agreement.end_date >= today
    ):
        # an extension (avenant) reopens an agreement that had only expired
        agreement.status, agreement.closed_on, agreement.closed_reason = "active", None, None
    await _flush_unique(edit.session)
    return agreement


async def verify_agreement(edit: Edit, agreement_id: UUID) -> Agreement:
    return await _verify(edit, await get_agreement(edit.session, agreement_id), "vérifie les conventions")


_ALERT_COLUMNS = ("reference", "title", "organisation_id", "end_date")
"""What an end-of-agreement alert shows of the agreement as it is."""


async def agreement_alerts(
    session: AsyncSession,
    today: date,
    within_days: int = rules.ALERT_WITHIN_DAYS,
    organisation_id: UUID | None = None,
) -> list[AgreementAlert]:
    stmt = select(Agreement).where(Agreement.status == "active", Agreement.end_date >= today)
    if organisation_id:
        stmt = stmt.where(Agreement.organisation_id == organisation_id)
    alerts = []
    for agreement in (await session.scalars(stmt.order_by(Agreement.end_date))).all():
        if not rules.ending_soon(agreement.status, agreement.end_date, today, within_days):
            continue
        days_left = (agreement.end_date - today).days
        alerts.append(
            AgreementAlert(
                agreement_id=agreement.id,
                **{f: getattr(agreement, f) for f in _ALERT_COLUMNS},
                days_left=days_left,
                level=rules.alert_level(days_left),
                message=f"La convention {agreement.reference} prend fin le {day_fr(agreement.end_date)} "
                f"(dans {days_left} jour{'s' if days_left > 1 else ''}) : renouvellement à préparer.",
            )
        )
    return alerts


async def verification_alerts(
    session: AsyncSession, now: datetime, max_months: int, organisation_id: UUID | None = None
) -> list[VerificationAlert]:
    """Registry records not verified for ``max_months`` (never verified: counted from their creation),
    oldest first. Computed on read; nothing is written."""
    names = dict((await session.execute(select(Organisation.id, Organisation.name))).all())
    found: list[tuple[str, Any, UUID, str]] = []
    for profile in (await session.scalars(select(PartnerProfile))).all():
        found.append(
            ("organisation", profile, profile.organisation_id, names.get(profile.organisation_id, "?"))
        )
    for service in (await session.scalars(select(Service))).all():
        label = f"{names.get(service.organisation_id, '?')} — {service.name}"
        found.append(("service", service, service.organisation_id, label))
    for agreement in (await session.scalars(select(Agreement))).all():
        found.append(
            ("agreement", agreement, agreement.organisation_id, f"{agreement.reference} — {agreement.title}")
        )
    what = {
        "organisation": "La fiche de l'organisation",
        "service": "Le service",
        "agreement": "La convention",
    }
    alerts = []
    for resource, record, org_id, label in found:
        if organisation_id is not None and org_id != organisation_id:
            continue
        if not rules.verification_overdue(record.assured_at, record.created_at, now, max_months):
            continue
        since = (
            f"n'a pas été vérifié(e) depuis le {day_fr(clock.brussels_day(record.assured_at))}"
            if record.assured_at
            else "n'a jamais été vérifié(e)"
        )
        alerts.append(
            VerificationAlert(
                resource=resource,
                id=record.id if resource != "organisation" else org_id,
                organisation_id=org_id,
                label=label,
                verified_at=record.assured_at,
                message=f"{what[resource]} « {label} » {since} (plus de {max_months} mois) : "
                "vérification à faire.",
            )
        )
    alerts.sort(key=lambda a: (a.verified_at is not None, a.verified_at or now, a.label))
    return alerts


async def _flush_unique(
    session: AsyncSession, detail: str = "Conflit avec une autre fiche du cadastre."
) -> None:
    """Flush; a unique violation becomes 409, a concurrent update (stale version) 412."""
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(detail, "registry-conflict") from exc
    except StaleDataError as exc:
        await session.rollback()
        raise PreconditionFailed() from exc
