"""Thin HTTP layer of the registry (``/api/v1/cadastre``). See :mod:`.guards` for who may call what.

Each handler parses, calls one service and returns; the caller, the Brussels day and the policy come
from :mod:`.dependencies`, and the request's session commits (handlers never do)."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Request, Response, get, patch, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers import BaseRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.access.principal import Principal
from coordination.cadastre import csv_io, opendata, referral_figures, step_import
from coordination.cadastre import dependencies as deps
from coordination.cadastre import services as svc
from coordination.cadastre.api_root import CadastreApi
from coordination.cadastre.evaluation import evaluate
from coordination.cadastre.evaluation_csv import evaluation_csv
from coordination.cadastre.guards import (
    EVALUATE,
    READ,
    WRITE,
    evaluator,
    principal_of,
    registry_keeper,
    registry_reader,
    registry_writer,
)
from coordination.cadastre.policy import PositiveExitPolicy, verification_months
from coordination.cadastre.report import stored_report
from coordination.cadastre.schemas import (
    AgreementAlert,
    AgreementCreate,
    AgreementOut,
    AgreementUpdate,
    ImportReport,
    OrganisationCreate,
    OrganisationOut,
    OrganisationUpdate,
    ServiceCreate,
    ServiceOut,
    ServiceUpdate,
    VerificationAlert,
    sent_fields,
)
from coordination.errors import Forbidden, NotFound, ProblemError
from coordination.http_utils import etag_for, require_if_match
from coordination.settings import Settings

DbSession = NamedDependency[AsyncSession]


def _decode(data: dict[str, Any], shape: type[msgspec.Struct]) -> dict[str, Any]:
    """The fields the client sent (:func:`.schemas.sent_fields`), the funding amount in cents."""
    values = sent_fields(data, shape)
    if "funding_amount" in values:
        values["funding_cents"] = svc.euros_to_cents(values.pop("funding_amount"))
    return values


def _if_match(request: Request) -> svc.VersionCheck:
    """The write's precondition: the client's ``If-Match`` names the version it read."""
    return partial(require_if_match, request)


def _with_etag(content: Any, version: int, status_code: int = 200) -> Response:
    return Response(content, status_code=status_code, headers={"ETag": etag_for(version)})


Caller = NamedDependency[Principal]
Today = NamedDependency[date]
Policy = NamedDependency[PositiveExitPolicy]
YEAR = Annotated[int, QueryParameter(ge=2000, le=2100)]


def _own_organisation(principal: Principal):
    """A partner manager's alerts are about their own organisation; everyone else sees them all."""
    return principal.organisation_id if principal.role.value == "partner_manager" else None


def _import_rejected(report: ImportReport, **extra: Any) -> ProblemError:
    """422 with the line-by-line report; raising it rolls the request's session back (all or nothing)."""
    return ProblemError(
        422, "import-rejected", report.message, report=msgspec.to_builtins(report)["report"], **extra
    )


class RegistryController(CadastreApi):
    """Organisations, services and agreements: list, read, write, verify; and the alerts."""

    # --- organisations ---------------------------------------------------------------------------

    @get("/organisations", guards=[registry_reader], opt=READ)
    async def list_organisations(
        self,
        db_session: DbSession,
        partner_kind: FromQuery[str | None] = None,
        bassin: FromQuery[str | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> list[OrganisationOut]:
        return await svc.find_organisations(db_session, partner_kind=partner_kind, bassin=bassin, q=q)

    @post("/organisations", guards=[registry_keeper], opt=WRITE)
    async def create_organisation(
        self, db_session: DbSession, principal: Caller, data: JSONBody[dict[str, Any]]
    ) -> Response[OrganisationOut]:
        values = _decode(data, OrganisationCreate)
        org, profile = await svc.create_organisation(db_session, values, principal)
        return _with_etag(svc.organisation_out(org, profile), profile.version, 201)

    @get("/organisations/{organisation_id:uuid}", guards=[registry_reader], opt=READ)
    async def get_organisation(
        self, db_session: DbSession, organisation_id: FromPath[UUID]
    ) -> Response[OrganisationOut]:
        org, profile = await svc.get_organisation(db_session, organisation_id)
        return _with_etag(svc.organisation_out(org, profile), profile.version)

    @patch("/organisations/{organisation_id:uuid}", guards=[registry_writer], opt=WRITE)
    async def update_organisation(
        self,
        request: Request,
        db_session: DbSession,
        principal: Caller,
        organisation_id: FromPath[UUID],
        data: JSONBody[dict[str, Any]],
    ) -> Response[OrganisationOut]:
        values = _decode(data, OrganisationUpdate)
        org, profile = await svc.update_organisation(
            db_session, organisation_id, values, principal, _if_match(request)
        )
        return _with_etag(svc.organisation_out(org, profile), profile.version)

    @post("/organisations/{organisation_id:uuid}/verification", guards=[registry_keeper], opt=WRITE)
    async def verify_organisation(
        self,
        request: Request,
        db_session: DbSession,
        principal: Caller,
        today: Today,
        organisation_id: FromPath[UUID],
    ) -> Response[OrganisationOut]:
        org, profile = await svc.verify_organisation(
            db_session, organisation_id, principal, today, _if_match(request)
        )
        return _with_etag(svc.organisation_out(org, profile), profile.version)

    # --- services --------------------------------------------------------------------------------

    @get("/services", guards=[registry_reader], opt=READ)
    async def list_services(
        self,
        db_session: DbSession,
        organisation_id: FromQuery[UUID | None] = None,
        bassin: FromQuery[str | None] = None,
        public: FromQuery[str | None] = None,
    ) -> list[ServiceOut]:
        found = await svc.list_services(
            db_session, organisation_id=organisation_id, bassin=bassin, public=public
        )
        return [svc.service_out(s) for s in found]

    @post("/organisations/{organisation_id:uuid}/services", guards=[registry_writer], opt=WRITE)
    async def create_service(
        self,
        db_session: DbSession,
        principal: Caller,
        organisation_id: FromPath[UUID],
        data: JSONBody[dict[str, Any]],
    ) -> Response[ServiceOut]:
        values = _decode(data, ServiceCreate)
        values = {**msgspec.structs.asdict(msgspec.convert(data, ServiceCreate)), **values}
        service = await svc.create_service(db_session, organisation_id, values, principal)
        return _with_etag(svc.service_out(service), service.version, 201)

    @get("/services/{service_id:uuid}", guards=[registry_reader], opt=READ)
    async def get_service(self, db_session: DbSession, service_id: FromPath[UUID]) -> Response[ServiceOut]:
        service = await svc.get_service(db_session, service_id)
        return _with_etag(svc.service_out(service), service.version)

    @patch("/services/{service_id:uuid}", guards=[registry_writer], opt=WRITE)
    async def update_service(
        self,
        request: Request,
        db_session: DbSession,
        principal: Caller,
        service_id: FromPath[UUID],
        data: JSONBody[dict[str, Any]],
    ) -> Response[ServiceOut]:
        values = _decode(data, ServiceUpdate)
        service = await svc.update_service(db_session, service_id, values, principal, _if_match(request))
        return _with_etag(svc.service_out(service), service.version)

    @post("/services/{service_id:uuid}/verification", guards=[registry_keeper], opt=WRITE)
    async def verify_service(
        self,
        request: Request,
        db_session: DbSession,
        principal: Caller,
        today: Today,
        service_id: FromPath[UUID],
    ) -> Response[ServiceOut]:
        service = await svc.verify_service(db_session, service_id, principal, today, _if_match(request))
        return _with_etag(svc.service_out(service), service.version)

    # --- agreements ------------------------------------------------------------------------------

    @get("/agreements", guards=[registry_reader], opt=READ)
    async def list_agreements(
        self,
        db_session: DbSession,
        today: Today,
        organisation_id: FromQuery[UUID | None] = None,
        status: FromQuery[str | None] = None,
        kind: FromQuery[str | None] = None,
    ) -> list[AgreementOut]:
        """Status as read today: an agreement past its end date is closed, though no GET writes it (the
        daily task records the closure)."""
        found = await svc.list_agreements(
            db_session, organisation_id=organisation_id, status=status, kind=kind, today=today
        )
        return [svc.agreement_out(a, today) for a in found]

    @post("/agreements", guards=[registry_keeper], opt=WRITE)
    async def create_agreement(
        self, db_session: DbSession, principal: Caller, today: Today, data: JSONBody[dict[str, Any]]
    ) -> Response[AgreementOut]:
        values = _decode(data, AgreementCreate)
        agreement = await svc.create_agreement(db_session, values, principal)
        return _with_etag(svc.agreement_out(agreement, today), agreement.version, 201)

    @get("/agreements/{agreement_id:uuid}", guards=[registry_reader], opt=READ)
    async def get_agreement(
        self, db_session: DbSession, today: Today, agreement_id: FromPath[UUID]
    ) -> Response[AgreementOut]:
        agreement = await svc.get_agreement(db_session, agreement_id)
        return _with_etag(svc.agreement_out(agreement, today), agreement.version)

    @patch("/agreements/{agreement_id:uuid}", guards=[registry_keeper], opt=WRITE)
    async def update_agreement(
        self,
        request: Request,
        db_session: DbSession,
        principal: Caller,
        today: Today,
        agreement_id: FromPath[UUID],
        data: JSONBody[dict[str, Any]],
    ) -> Response[AgreementOut]:
        values = _decode(data, AgreementUpdate)
        agreement = await svc.update_agreement(
            db_session, agreement_id, values, principal, today, _if_match(request)
        )
        return _with_etag(svc.agreement_out(agreement, today), agreement.version)

    @post("/agreements/{agreement_id:uuid}/verification", guards=[registry_keeper], opt=WRITE)
    async def verify_agreement(
        self,
        request: Request,
        db_session: DbSession,
        principal: Caller,
        today: Today,
        agreement_id: FromPath[UUID],
    ) -> Response[AgreementOut]:
        agreement = await svc.verify_agreement(db_session, agreement_id, principal, today, _if_match(request))
        return _with_etag(svc.agreement_out(agreement, today), agreement.version)

    @get("/alerts", guards=[registry_reader], opt=READ)
    async def alerts(
        self,
        db_session: DbSession,
        principal: Caller,
        today: Today,
        within_days: Annotated[int, QueryParameter(ge=1, le=730)] = 90,
    ) -> list[AgreementAlert]:
        return await svc.agreement_alerts(
            db_session, today, within_days, organisation_id=_own_organisation(principal)
        )

    @get("/verification-alerts", guards=[registry_reader], opt=READ)
    async def verification_alerts(
        self, db_session: DbSession, principal: Caller, settings: NamedDependency[Settings]
    ) -> list[VerificationAlert]:
        """Entries, services and agreements not verified for ``max_age_months`` (regulators, Forem; a
        partner manager sees its own organisation's)."""
        return await svc.verification_alerts(
            db_session,
            clock.now(),
            verification_months(settings.policies_dir),
            organisation_id=_own_organisation(principal),
        )


RESOURCES = ("organisations", "services", "agreements")


def _resource(resource: str) -> str:
    if resource not in RESOURCES:
        raise NotFound(f"Ressource inconnue « {resource} » (attendu : {', '.join(RESOURCES)}).")
    return resource


class RegistryExchangeController(CadastreApi):
    """CSV in and out, open data out."""

    @post("/import/{resource:str}", guards=[registry_keeper], opt=WRITE, status_code=200)
    async def import_csv(
        self, request: Request, db_session: DbSession, principal: Caller, resource: FromPath[str]
    ) -> ImportReport:
        """Body: the CSV file itself (``text/csv``). All lines are imported, or none (422 with the report)."""
        content = await request.body()
        report = await csv_io.import_csv(db_session, _resource(resource), content, principal)
        if not report.imported:
            raise _import_rejected(report)
        return report

    @get("/export/{resource:str}", guards=[registry_reader], opt=READ, media_type="text/csv")
    async def export_csv(
        self, db_session: DbSession, resource: FromPath[str], sep: Literal[";", ","] = ";"
    ) -> Response[str]:
        """UTF-8 with BOM, French headers, ``;`` (default) or ``,`` (``sep``); imports back unchanged."""
        rows = await csv_io.export_rows(db_session, _resource(resource))
        return Response(
            csv_io.to_csv(resource, rows, sep),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="cadastre-{resource}.csv"'},
        )

    @get("/open-data", guards=[registry_reader], opt=READ)
    async def open_data(self, db_session: DbSession) -> dict[str, Any]:
        """The registry as open data (HSDS 3.0 shaped JSON): organisations, services, funding. No person."""
        return await opendata.open_data(db_session, clock.now())


class EvaluationController(CadastreApi):
    """Aggregated, disclosure-controlled effectiveness figures (regulators, Forem's registry keepers)."""

    path = "/api/v1/cadastre/evaluation"
    dependencies = deps.CONTEXT

    @get("/", guards=[evaluator], opt=EVALUATE)
    async def evaluation(self, db_session: DbSession, policy: Policy, year: YEAR) -> dict[str, Any]:
        """Figures for one calendar year, by partner, agreement, service, bassin and quarter."""
        return await evaluate(db_session, year, policy)

    @get("/definition", guards=[evaluator], opt=EVALUATE)
    async def definition(self, policy: Policy) -> dict[str, Any]:
        """The positive-exit definition in force (``policies/positive_exit.toml``)."""
        return {**policy.describe(), "min_cell": policy.min_cell, "confidence": policy.confidence}


def _figures_download(content: Any, media_type: str, filename: str) -> Response:
    """A download of protected figures: named, and never kept by a cache on the way."""
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


class EvaluationReportController(CadastreApi):
    """The same protected figures as a PDF report for regulators (French, no personal data)."""

    dependencies = deps.CONTEXT

    @get("/evaluation.pdf", guards=[evaluator], opt=EVALUATE, media_type="application/pdf")
    async def evaluation_pdf(self, db_session: DbSession, policy: Policy, year: YEAR) -> Response[bytes]:
        """PDF evaluation report for one calendar year: the JSON evaluation's figures, suppressed cells
        included as « masqué », with the positive-exit definition on every page."""
        figures = await evaluate(db_session, year, policy)
        pdf = await stored_report(db_session, figures, policy)
        return _figures_download(pdf, "application/pdf", f"cadastre-evaluation-{year}.pdf")


class EvaluationCsvController(CadastreApi):
    """The same protected figures as CSV (masked figures written « masqué »)."""

    dependencies = deps.CONTEXT

    @get("/evaluation.csv", guards=[evaluator], opt=EVALUATE, media_type="text/csv")
    async def evaluation_csv(
        self, db_session: DbSession, policy: Policy, year: YEAR, sep: Literal[";", ","] = ";"
    ) -> Response[str]:
        """UTF-8 with BOM, French headers, ``;`` (default) or ``,`` (``sep``), masked figures « masqué »."""
        figures = await evaluate(db_session, year, policy)
        return _figures_download(
            evaluation_csv(figures, sep), "text/csv; charset=utf-8", f"cadastre-evaluation-{year}.csv"
        )


class ReferralFiguresController(CadastreApi):
    """Referral outcomes per partner and month for regulators, under the evaluation's disclosure rules."""

    dependencies = deps.CONTEXT

    @get("/referral-outcomes", guards=[evaluator], opt=EVALUATE)
    async def referral_outcomes(
        self, db_session: DbSession, policy: Policy, today: Today, year: YEAR
    ) -> dict[str, Any]:
        """Referrals received and their outcome per partner and per month of one year (never finer than a
        month); counts under the threshold masked, complements audited against every figure of the year."""
        return await referral_figures.referral_outcomes(db_session, year, policy, today)


STEP_IMPORT = step_import.ROUTE_OPT


def step_importer(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if principal_of(connection).role not in step_import.IMPORTERS:
        raise Forbidden("L'import des étapes est réservé aux partenaires, pour leurs propres étapes.")


class StepImportController(CadastreApi):
    """Bulk import of a partner's steps and outcomes (CSV, all or nothing, line-by-line French report)."""

    path = "/api/v1/cadastre/steps"
    dependencies = {**deps.CONTEXT, **deps.NISS_KEY}

    @post("/import", guards=[step_importer], opt=STEP_IMPORT, status_code=200)
    async def import_steps(
        self,
        request: Request,
        db_session: DbSession,
        principal: Caller,
        niss_key: NamedDependency[bytes],
        request_id: NamedDependency[str],
    ) -> ImportReport:
        """Body: the CSV file (``text/csv``, ``;`` or ``,``). Every person passes the gate; all lines are
        written, or none (422 with the report)."""
        content = await request.body()
        report = await step_import.import_steps(db_session, principal, content, niss_key, request_id)
        if not report.imported:
            raise _import_rejected(report, lines=step_import.report_text(report))
        return report

    @get("/import-template", guards=[step_importer], opt=READ, media_type="text/csv")
    async def template(self) -> Response[str]:
        """The columns the import reads, with one example line."""
        return Response(
            step_import.template(),
            media_type=step_import.TEMPLATE_MEDIA_TYPE,
            headers=step_import.TEMPLATE_HEADERS,
        )


ROUTES: list = [
    RegistryController,
    RegistryExchangeController,
    EvaluationController,
    EvaluationReportController,
    EvaluationCsvController,
    ReferralFiguresController,
    StepImportController,
]
