"""HTTP routes of the single referent (thin: gate, service, commit). ``ROUTES`` is collected by ``app.py``.

Every route that touches a person's file declares ``opt={"section": "trajectory", "action": ...}`` and asks
the access gate for that person before reading or writing (lists ask once per person listed). The
advisers' directory touches no file (``opt={"public": ...}``).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import Parameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.declared import Access
from coordination.access.filter import bases_of, journal_shown, require_readable
from coordination.access.gate import check_access
from coordination.access.principal import Principal
from coordination.db.base import utcnow
from coordination.directory.models import Organisation, Role
from coordination.errors import Forbidden, NotFound, Unprocessable
from coordination.http_utils import etag_for, require_if_match
from coordination.referent import bulk, importer, schemas, services, worklist
from coordination.referent.assignment import Weights
from coordination.referent.models import REFERENT_KINDS, TRACKS, Adviser, Orientation, ReferentLink
from coordination.referent.orientation import Track, local_date
from coordination.referent.policies import ReferentPolicies, referent_policies
from coordination.settings import Settings

SECTION = services.SECTION
READ = {"section": SECTION, "action": "read"}
WRITE = {"section": SECTION, "action": "write"}
LIST = {**READ, "list": True}
FOREM_ROLES = (Role.FOREM_REFERENT, Role.FOREM_EADVISER)
ADVISER_ROLES = (*FOREM_ROLES, Role.CPAS_SOCIAL_WORKER)


def _policies(settings: Settings) -> ReferentPolicies:
    return referent_policies(settings.policies_dir)


def _request_id(request: Request) -> str:
    return request.scope.get("state", {}).get("request_id", "") or ""


async def _gate(request: Request, session: AsyncSession, person_id: UUID, action: str | None = None):
    return await check_access(
        session,
        request.user,
        person_id=person_id,
        section=SECTION,
        action=action or request.route_handler.opt["action"],
        request_id=_request_id(request),
    )


def _label(policies: ReferentPolicies, track: str | None) -> str | None:
    return policies.matrix.labels_fr.get(Track(track)) if track else None


def orientation_out(row: Orientation, policies: ReferentPolicies) -> schemas.OrientationOut:
    return schemas.OrientationOut(
        person_id=row.person_id,
        proximity_score=row.proximity_score,
        digital_autonomy=row.digital_autonomy,
        computed_track=row.computed_track,
        computed_track_label=_label(policies, row.computed_track) or "",
        chosen_track=row.chosen_track,
        chosen_track_label=_label(policies, row.chosen_track) or "",
        overridden=row.chosen_track != row.computed_track,
        override_reason=row.override_reason,
        cluster=row.cluster,
        young=row.young,
        start_on=row.start_on,
        first_contact_due=row.first_contact_due,
        digital_move_due=row.digital_move_due,
        matrix_version=row.matrix_version,
        rules_version=row.rules_version,
        decided_at=row.created_at,
    )


async def _names(session: AsyncSession, links: list[ReferentLink]) -> dict[UUID, str]:
    ids = {link.adviser_id for link in links if link.adviser_id}
    if not ids:
        return {}
    return {a.id: a.display_name for a in await session.scalars(select(Adviser).where(Adviser.id.in_(ids)))}


def may_read_note(reader: Principal, link: ReferentLink) -> bool:
    """A handover note is written for the new referent: only they (the link's holder: the named adviser or
    a member of the team sharing the portfolio) and the person it is about read it. Former referents, and
    anyone else who may read the file (a colleague under the same mandate, a partner with consent), do not."""
    if reader.person_id is not None and reader.person_id == link.person_id:
        return True
    if link.referent_user_id is not None:
        return link.referent_user_id == reader.user_id
    return (
        link.team is not None and reader.team == link.team and reader.organisation_id == link.organisation_id
    )


def link_out(
    link: ReferentLink,
    names: dict[UUID, str],
    policies: ReferentPolicies,
    reader: Principal | None = None,
) -> schemas.ReferentOut:
    """``reader``: who will see it (the handover note is kept from whoever :func:`may_read_note` refuses);
    ``None`` only for the author of the handover, in the answer to their own request."""
    return schemas.ReferentOut(
        id=link.id,
        person_id=link.person_id,
        kind=link.kind,
        kind_label=services.KIND_LABELS_FR.get(link.kind, link.kind),
        referent_name=names.get(link.adviser_id) or link.team or "—",  # type: ignore[arg-type]
        adviser_id=link.adviser_id,
        organisation_id=link.organisation_id,
        since=link.started_at,
        since_date=local_date(link.started_at, policies.rules),
        ended_at=link.ended_at,
        reason=link.reason,
        end_reason=link.end_reason,
        handover_note=link.handover_note if reader is None or may_read_note(reader, link) else None,
        computed_track=link.computed_track,
        chosen_track=link.chosen_track,
        track_label=_label(policies, link.chosen_track),
        override_reason=link.override_reason,
        first_contact_due=link.first_contact_due,
        last_contact_at=link.last_contact_at,
    )


def adviser_out(adviser: Adviser, load: int) -> schemas.AdviserOut:
    return schemas.AdviserOut(
        id=adviser.id,
        kind=adviser.kind,
        kind_label=services.KIND_LABELS_FR.get(adviser.kind, adviser.kind),
        display_name=adviser.display_name,
        organisation_id=adviser.organisation_id,
        user_id=adviser.user_id,
        team=adviser.team,
        capacity=adviser.capacity,
        load=load,
        over_capacity=load > adviser.capacity,
        cluster=adviser.cluster,
        bassins=list(adviser.bassins or []),
        languages=list(adviser.languages or []),
        tracks=list(adviser.tracks or []),
        active=adviser.active,
        phone=adviser.phone,
        email=adviser.email,
    )


class PersonReferentController(Controller):
    path = "/api/v1/persons/{person_id:uuid}"
    tags = ["Référent unique"]

    @get("/orientation", opt=READ)
    async def get_orientation(
        self, request: Request, db_session: AsyncSession, access: Access, settings: Settings, person_id: UUID
    ) -> schemas.OrientationOut:
        row = await services.latest_orientation(db_session, person_id)
        await db_session.commit()
        if row is None:
            raise NotFound("Cette personne n'a pas encore été orientée.", "no-orientation")
        return orientation_out(row, _policies(settings))

    @post("/orientation", opt=WRITE, status_code=201)
    async def orient(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        settings: Settings,
        person_id: UUID,
        data: schemas.OrientationIn,
    ) -> schemas.OrientationOut:
        person = await services.get_person(db_session, person_id)
        policies = _policies(settings)
        row = await services.decide_orientation(
            db_session,
            request.user,
            person,
            policies,
            score=data.proximity_score,
            digital_autonomy=data.digital_autonomy,
            chosen_track=data.chosen_track,
            override_reason=data.override_reason,
            cluster=data.cluster,
        )
        await db_session.commit()
        return orientation_out(row, policies)

    @get("/referent", opt=READ)
    async def get_referent(
        self, request: Request, db_session: AsyncSession, access: Access, settings: Settings, person_id: UUID
    ) -> schemas.ReferentOut:
        link = await services.active_link(db_session, person_id)
        names = await _names(db_session, [link] if link else [])
        await db_session.commit()
        if link is None:
            raise NotFound("Cette personne n'a pas encore de référent.", "no-active-referent")
        return link_out(link, names, _policies(settings), request.user)

    @get("/referent/history", opt=READ)
    async def get_history(
        self, request: Request, db_session: AsyncSession, access: Access, settings: Settings, person_id: UUID
    ) -> list[schemas.ReferentOut]:
        links = await services.history(db_session, person_id)
        names = await _names(db_session, links)
        await db_session.commit()
        policies = _policies(settings)
        return [link_out(link, names, policies, request.user) for link in links]

    @post("/referent", opt=WRITE, status_code=201)
    async def assign(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        settings: Settings,
        person_id: UUID,
        data: schemas.AssignIn,
    ) -> schemas.ReferentOut:
        person = await services.get_person(db_session, person_id)
        adviser = await services.get_adviser(db_session, data.adviser_id)
        policies = _policies(settings)
        link = await services.assign(db_session, request.user, person, adviser, policies, reason=data.reason)
        await db_session.commit()
        return link_out(link, {adviser.id: adviser.display_name}, policies, request.user)

    @post("/referent/handover", opt=WRITE, status_code=201)
    async def handover(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        settings: Settings,
        person_id: UUID,
        data: schemas.HandoverIn,
    ) -> schemas.HandoverOut:
        person = await services.get_person(db_session, person_id)
        adviser = await services.get_adviser(db_session, data.adviser_id)
        policies = _policies(settings)
        former, new = await services.handover(
            db_session, request.user, person, adviser, policies, reason=data.reason, note=data.note
        )
        names = await _names(db_session, [former, new])
        await db_session.commit()
        return schemas.HandoverOut(
            former=link_out(former, names, policies), new=link_out(new, names, policies)
        )

    @post("/referent/contacts", opt=WRITE, status_code=201)
    async def contact(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        settings: Settings,
        person_id: UUID,
        data: schemas.ContactIn,
    ) -> schemas.ReferentOut:
        link = await services.record_contact(
            db_session, request.user, person_id, at=data.contacted_at, note=data.note
        )
        names = await _names(db_session, [link])
        await db_session.commit()
        return link_out(link, names, _policies(settings), request.user)


def _require_role(principal: Principal, roles: tuple[Role, ...]) -> None:
    if principal.role not in roles:
        raise Forbidden("Accès refusé : cette fonction est réservée aux conseillers.", "access-denied")


class MyPortfolioController(Controller):
    path = "/api/v1/referents/me"
    tags = ["Référent unique"]

    async def _items(self, request, db_session, settings, stale_days, readable):
        """The portfolio, filtered by the gate's predicate in the query; one ``list`` journal row per file
        shown."""
        principal: Principal = request.user
        _require_role(principal, ADVISER_ROLES)
        adviser = await services.adviser_for(db_session, principal)
        policies = _policies(settings)
        items = await worklist.portfolio(
            db_session, adviser, policies.rules, now=utcnow(), stale_days=stale_days, readable=readable.where
        )
        ids = [item.person_id for item in items]
        bases = await bases_of(db_session, readable, ids)
        await journal_shown(
            db_session, principal, _request_id(request), [(i, *bases[i]) for i in ids], sections=(SECTION,)
        )
        return adviser, items, policies

    @get("/portfolio", opt=LIST)
    async def portfolio(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        settings: Settings,
        stale_days: Annotated[int | None, Parameter(ge=1, le=3650)] = None,
    ) -> schemas.PortfolioOut:
        policies = _policies(settings)
        days = stale_days or policies.rules.stale_after_days
        adviser, items, policies = await self._items(request, db_session, settings, days, access.readable)
        load = await services.portfolio_size(db_session, adviser.id)
        await db_session.commit()
        return schemas.PortfolioOut(
            adviser=adviser_out(adviser, load),
            stale_days=days,
            items=[
                schemas.WorkItemOut(
                    person_id=i.person_id,
                    first_name=i.first_name,
                    last_name=i.last_name,
                    track=i.track,
                    track_label=_label(policies, i.track),
                    since=i.since,
                    first_contact_due=i.first_contact_due,
                    first_contact_overdue=i.first_contact_overdue,
                    digital_move_due=i.digital_move_due,
                    next_due=i.next_due,
                    last_contact_at=i.last_contact_at,
                    last_activity_at=i.last_activity_at,
                    stale=i.stale,
                )
                for i in items
            ],
        )

    @get("/alerts", opt=LIST)
    async def alerts(
        self,
        request: Request,
        db_session: AsyncSession,
        access: Access,
        settings: Settings,
        stale_days: Annotated[int | None, Parameter(ge=1, le=3650)] = None,
    ) -> list[schemas.AlertOut]:
        days = stale_days or _policies(settings).rules.stale_after_days
        adviser, items, policies = await self._items(request, db_session, settings, days, access.readable)
        await db_session.commit()
        found = worklist.alerts(items, adviser, today=local_date(utcnow(), policies.rules), stale_days=days)
        return [
            schemas.AlertOut(kind=a.kind, message=a.message, person_id=a.person_id, due=a.due) for a in found
        ]

    @get("/handovers", opt=READ)
    async def handovers(
        self, request: Request, db_session: AsyncSession, settings: Settings
    ) -> list[schemas.MyHandoverOut]:
        """Handovers the caller gave or received, each shown through the gate (one journal row on the
        person's chain, with the reader's current basis). The person's name and the handover reason only
        while the gate allows; the handover note only to the new referent, and only while the gate allows:
        a former referent who lost the file never reads it again."""
        principal: Principal = request.user
        _require_role(principal, ADVISER_ROLES)
        adviser = await services.adviser_for(db_session, principal)
        received = await db_session.scalars(
            select(ReferentLink).where(
                ReferentLink.adviser_id == adviser.id, ReferentLink.handover_note.is_not(None)
            )
        )
        given = await db_session.scalars(
            select(ReferentLink).where(
                ReferentLink.adviser_id == adviser.id, ReferentLink.end_reason.is_not(None)
            )
        )
        pairs: list[tuple[str, ReferentLink, ReferentLink | None]] = []
        for link in received:
            former = await db_session.scalar(
                select(ReferentLink).where(
                    ReferentLink.person_id == link.person_id, ReferentLink.ended_at == link.started_at
                )
            )
            pairs.append(("new", link, former))
        for link in given:
            successor = await db_session.scalar(
                select(ReferentLink).where(
                    ReferentLink.person_id == link.person_id, ReferentLink.started_at == link.ended_at
                )
            )
            if successor is not None:
                pairs.append(("former", successor, link))
        names = await _names(db_session, [p[1] for p in pairs] + [p[2] for p in pairs if p[2]])
        result = []
        for side, new, former in sorted(pairs, key=lambda p: p[1].started_at, reverse=True):
            decision = await check_access(
                db_session,
                principal,
                person_id=new.person_id,
                section=SECTION,
                action="read",
                request_id=_request_id(request),
                raise_on_deny=False,
            )
            person_name = None
            if decision.allowed:
                person = await services.get_person(db_session, new.person_id)
                person_name = f"{person.first_name} {person.last_name}"
            result.append(
                schemas.MyHandoverOut(
                    person_id=new.person_id,
                    person_name=person_name,
                    role=side,
                    at=new.started_at,
                    reason=new.reason if decision.allowed else None,
                    note=new.handover_note if decision.allowed and side == "new" else None,
                    former_referent=names.get(former.adviser_id) if former and former.adviser_id else None,
                    new_referent=names.get(new.adviser_id, "—") if new.adviser_id else (new.team or "—"),
                )
            )
        await db_session.commit()
        return result


class ReferentOperationsController(Controller):
    path = "/api/v1/referents"
    tags = ["Référent unique"]

    @post("/import", opt=WRITE, status_code=200)
    async def import_csv(
        self, request: Request, db_session: AsyncSession, settings: Settings
    ) -> schemas.ImportOut:
        """CSV body (``person_id,adviser_id,reason``); each line is accepted or refused on its own."""
        _require_role(request.user, ADVISER_ROLES)
        raw = await request.body()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Unprocessable("Le fichier CSV doit être encodé en UTF-8.", "csv-encoding") from exc
        lines = await importer.import_csv(
            db_session, request.user, _policies(settings), text, request_id=_request_id(request)
        )
        await db_session.commit()
        created = sum(1 for line in lines if line.status == "created")
        return schemas.ImportOut(
            created=created,
            refused=len(lines) - created,
            lines=[schemas.ImportLineOut(**line.__dict__) for line in lines],
        )

    @post("/bulk-assignment", opt=WRITE, status_code=200)
    async def bulk_assignment(
        self,
        request: Request,
        db_session: AsyncSession,
        settings: Settings,
        data: schemas.BulkIn | None = None,
    ) -> schemas.BulkOut:
        """Optimal assignment of the people without a referent that the caller may handle; dry run by default."""
        principal: Principal = request.user
        _require_role(principal, FOREM_ROLES)
        data = data or schemas.BulkIn()
        action = "write" if data.apply else "read"
        # the people the caller may handle, selected by the gate's predicate in the same query (a dry run
        # shows opaque ids and advisers only: nothing is journaled; applying journals each assignment)
        readable = require_readable(db_session, principal, SECTION, action)
        people = await bulk.waiting_people(db_session, readable.where)
        policies = _policies(settings)
        weights = (
            Weights(**{f: getattr(data.weights, f) for f in data.weights.__struct_fields__})
            if data.weights
            else Weights()
        )
        result = await bulk.plan(db_session, policies, people=people, weights=weights)
        if data.apply:
            await bulk.apply(db_session, principal, result, policies)
            assigned = list(result.result.assignments)
            bases = await bases_of(db_session, readable, assigned)
            await journal_shown(
                db_session,
                principal,
                _request_id(request),
                [(i, *bases[i]) for i in assigned],
                sections=(SECTION,),
                action="write",
            )
        await db_session.commit()
        return bulk_out(result, dry_run=not data.apply)


def bulk_out(result: bulk.BulkPlan, *, dry_run: bool) -> schemas.BulkOut:
    def cost(c) -> dict[str, int]:
        return {
            "total": c.total,
            "cluster": c.cluster,
            "bassin": c.bassin,
            "language": c.language,
            "continuity": c.continuity,
            "load": c.load,
            "unassigned": c.unassigned,
        }

    return schemas.BulkOut(
        dry_run=dry_run,
        applied=result.applied,
        optimal=result.result.optimal,
        cost=cost(result.result.cost),
        greedy_cost=cost(result.greedy.cost),
        seconds=round(result.result.seconds, 4),
        assigned=[
            schemas.BulkAssignedOut(person_id=p, adviser_id=a, adviser_name=result.advisers[a].display_name)
            for p, a in result.result.assignments.items()
        ],
        unassigned=[
            schemas.BulkUnassignedOut(person_id=p, reason=r, detail=bulk.REASONS_FR.get(r, r))
            for p, r in result.unassigned.items()
        ],
        stats=result.stats,
    )


class AdviserController(Controller):
    path = "/api/v1/advisers"
    tags = ["Référent unique"]

    @get("/", opt={"public": "annuaire des conseillers : aucun dossier de personne"})
    async def list_advisers(self, request: Request, db_session: AsyncSession) -> list[schemas.AdviserOut]:
        _require_role(request.user, (*ADVISER_ROLES, Role.ADMIN))
        sizes = await services.portfolio_sizes(db_session)
        rows = await db_session.scalars(select(Adviser).order_by(Adviser.display_name))
        return [adviser_out(a, sizes.get(a.id, 0)) for a in rows]

    @post("/", opt={"public": "annuaire des conseillers : aucun dossier de personne"}, status_code=201)
    async def create_adviser(
        self, request: Request, db_session: AsyncSession, data: schemas.AdviserIn
    ) -> Response[schemas.AdviserOut]:
        _require_role(request.user, (Role.ADMIN,))
        if data.kind not in REFERENT_KINDS:
            raise Unprocessable(f"Type de référent inconnu : « {data.kind} ».", "unknown-referent-kind")
        if (data.kind == "eadviser_team") != (data.team is not None) or (data.user_id is None) == (
            data.team is None
        ):
            raise Unprocessable(
                "Une équipe e-conseil se décrit par son équipe (team), un conseiller ou un assistant social par "
                "son utilisateur (user_id) : l'un ou l'autre, selon le type.",
                "adviser-identity",
            )
        unknown = [t for t in data.tracks if t not in TRACKS]
        if unknown:
            raise Unprocessable(f"Parcours inconnus : {', '.join(unknown)}.", "unknown-track")
        if await db_session.get(Organisation, data.organisation_id) is None:
            raise Unprocessable("Organisation inconnue.", "unknown-organisation")
        same = (
            Adviser.user_id == data.user_id
            if data.user_id
            else (Adviser.team == data.team) & (Adviser.organisation_id == data.organisation_id)
        )
        clash = await db_session.scalar(select(Adviser.id).where(same))
        if clash is not None:
            raise Unprocessable("Ce conseiller ou cette équipe a déjà un portefeuille.", "adviser-exists")
        adviser = Adviser(**{f: getattr(data, f) for f in data.__struct_fields__})
        db_session.add(adviser)
        await db_session.flush()
        await db_session.commit()
        return _with_adviser_etag(adviser, 0, 201)

    @get("/{adviser_id:uuid}", opt={"public": "annuaire des conseillers : aucun dossier de personne"})
    async def read_adviser(
        self, request: Request, db_session: AsyncSession, adviser_id: UUID
    ) -> Response[schemas.AdviserOut]:
        """One adviser, with the ``ETag`` an administrator sends back in ``If-Match`` to change it."""
        _require_role(request.user, (*ADVISER_ROLES, Role.ADMIN))
        adviser = await db_session.get(Adviser, adviser_id)
        if adviser is None:
            raise NotFound("Conseiller introuvable.", "unknown-adviser")
        return _with_adviser_etag(adviser, await services.portfolio_size(db_session, adviser.id))

    @patch("/{adviser_id:uuid}", opt={"public": "annuaire des conseillers : aucun dossier de personne"})
    async def update_adviser(
        self, request: Request, db_session: AsyncSession, adviser_id: UUID, data: schemas.AdviserPatch
    ) -> Response[schemas.AdviserOut]:
        """Capacity or activity; ``If-Match`` with the adviser's ``ETag`` (428 without, 412 when stale)."""
        _require_role(request.user, (Role.ADMIN,))
        adviser = await db_session.get(Adviser, adviser_id, with_for_update=True)
        if adviser is None:
            raise NotFound("Conseiller introuvable.", "unknown-adviser")
        require_if_match(request, _adviser_version(adviser))
        if data.capacity is not None:
            adviser.capacity = data.capacity
        if data.active is not None:
            adviser.active = data.active
        load = await services.portfolio_size(db_session, adviser.id)
        await db_session.commit()
        return _with_adviser_etag(adviser, load)


def _adviser_version(adviser: Adviser) -> int:
    """An adviser row has no version column: its last change, in microseconds, is its version."""
    return int(adviser.updated_at.timestamp() * 1_000_000)


def _with_adviser_etag(adviser: Adviser, load: int, status_code: int = 200) -> Response[schemas.AdviserOut]:
    return Response(
        adviser_out(adviser, load),
        status_code=status_code,
        headers={"ETag": etag_for(_adviser_version(adviser))},
    )


ROUTES = [PersonReferentController, MyPortfolioController, ReferentOperationsController, AdviserController]
