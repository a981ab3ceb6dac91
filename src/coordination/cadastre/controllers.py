"""Thin HTTP layer of the registry (``/api/v1/cadastre``). See :mod:`.guards` for who may call what.

Each handler takes the request's registry context (``ctx``: session, caller, Brussels day, policy,
``If-Match``; :mod:`.dependencies`, declared once on :class:`.api_root.CadastreApi`) and its path ids and
body, calls one service and returns; the request's session commits (handlers never do)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Response, get, patch, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers import BaseRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from coordination import clock
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
from coordination.cadastre.models import Agreement, PartnerProfile, Service
from coordination.cadastre.policy import verification_months
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
from coordination.directory.models import Organisation
from coordination.errors import Forbidden, NotFound, ProblemError
from coordination.http_utils import etag_for


def _decode(data: dict[str, Any], shape: type[msgspec.Struct]) -> dict[str, Any]:
    """The fields the client sent (:func:`.schemas.sent_fields`), the funding amount in cents."""
    values = sent_fields(data, shape)
    if "funding_amount" in values:
        values["funding_cents"] = svc.euros_to_cents(values.pop("funding_amount"))
    return values


def _with_etag(content: Any, version: int, status_code: int = 200) -> Response:
    return Response(content, status_code=status_code, headers={"ETag": etag_for(version)})


def _entry(found: tuple[Organisation, PartnerProfile], status_code: int = 200) -> Response[OrganisationOut]:
    org, profile = found
    return _with_etag(svc.organisation_out(org, profile), profile.version, status_code)


def _service(service: Service, status_code: int = 200) -> Response[ServiceOut]:
    return _with_etag(svc.service_out(service), service.version, status_code)


def _agreement(ctx: Ctx, agreement: Agreement, status_code: int = 200) -> Response[AgreementOut]:
    """Its status as read today: an agreement past its end date is closed, though no GET writes it."""
    return _with_etag(svc.agreement_out(agreement, ctx.today), agreement.version, status_code)


Ctx = NamedDependency[deps.RegistryContext]
Body = JSONBody[dict[str, Any]]
YEAR = Annotated[int, QueryParameter(ge=2000, le=2100)]


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
        ctx: Ctx,
        partner_kind: FromQuery[str | None] = None,
        bassin: FromQuery[str | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> list[OrganisationOut]:
        return await svc.find_organisations(ctx.session, partner_kind=partner_kind, bassin=bassin, q=q)

    @post("/organisations", guards=[registry_keeper], opt=WRITE)
    async def create_organisation(self, ctx: Ctx, data: Body) -> Response[OrganisationOut]:
        values = _decode(data, OrganisationCreate)
        return _entry(await svc.create_organisation(ctx.session, values, ctx.principal), 201)

    @get("/organisations/{organisation_id:uuid}", guards=[registry_reader], opt=READ)
    async def get_organisation(self, ctx: Ctx, organisation_id: FromPath[UUID]) -> Response[OrganisationOut]:
        return _entry(await svc.get_organisation(ctx.session, organisation_id))

    @patch("/organisations/{organisation_id:uuid}", guards=[registry_writer], opt=WRITE)
    async def update_organisation(
        self, ctx: Ctx, organisation_id: FromPath[UUID], data: Body
    ) -> Response[OrganisationOut]:
        values = _decode(data, OrganisationUpdate)
        return _entry(await svc.update_organisation(ctx.edit, organisation_id, values))

    @post("/organisations/{organisation_id:uuid}/verification", guards=[registry_keeper], opt=WRITE)
    async def verify_organisation(
        self, ctx: Ctx, organisation_id: FromPath[UUID]
    ) -> Response[OrganisationOut]:
        return _entry(await svc.verify_organisation(ctx.edit, organisation_id))

    # --- services --------------------------------------------------------------------------------

    @get("/services", guards=[registry_reader], opt=READ)
    async def list_services(
        self,
        ctx: Ctx,
        organisation_id: FromQuery[UUID | None] = None,
        bassin: FromQuery[str | None] = None,
        public: FromQuery[str | None] = None,
    ) -> list[ServiceOut]:
        found = await svc.list_services(
            ctx.session, organisation_id=organisation_id, bassin=bassin, public=public
        )
        return [svc.service_out(s) for s in found]

    @post("/organisations/{organisation_id:uuid}/services", guards=[registry_writer], opt=WRITE)
    async def create_service(
        self, ctx: Ctx, organisation_id: FromPath[UUID], data: Body
    ) -> Response[ServiceOut]:
        sent = _decode(data, ServiceCreate)  # first: it answers 400 to a body msgspec would refuse
        values = {**msgspec.structs.asdict(msgspec.convert(data, ServiceCreate)), **sent}
        return _service(await svc.create_service(ctx.session, organisation_id, values, ctx.principal), 201)

    @get("/services/{service_id:uuid}", guards=[registry_reader], opt=READ)
    async def get_service(self, ctx: Ctx, service_id: FromPath[UUID]) -> Response[ServiceOut]:
        return _service(await svc.get_service(ctx.session, service_id))

    @patch("/services/{service_id:uuid}", guards=[registry_writer], opt=WRITE)
    async def update_service(self, ctx: Ctx, service_id: FromPath[UUID], data: Body) -> Response[ServiceOut]:
        return _service(await svc.update_service(ctx.edit, service_id, _decode(data, ServiceUpdate)))

    @post("/services/{service_id:uuid}/verification", guards=[registry_keeper], opt=WRITE)
    async def verify_service(self, ctx: Ctx, service_id: FromPath[UUID]) -> Response[ServiceOut]:
        return _service(await svc.verify_service(ctx.edit, service_id))

    # --- agreements ------------------------------------------------------------------------------

    @get("/agreements", guards=[registry_reader], opt=READ)
    async def list_agreements(
        self,
        ctx: Ctx,
        organisation_id: FromQuery[UUID | None] = None,
        status: FromQuery[str | None] = None,
        kind: FromQuery[str | None] = None,
    ) -> list[AgreementOut]:
        """Status as read today: an agreement past its end date is closed, though no GET writes it (the
        daily task records the closure)."""
        found = await svc.list_agreements(
            ctx.session, organisation_id=organisation_id, status=status, kind=kind, today=ctx.today
        )
        return [svc.agreement_out(a, ctx.today) for a in found]

    @post("/agreements", guards=[registry_keeper], opt=WRITE)
    async def create_agreement(self, ctx: Ctx, data: Body) -> Response[AgreementOut]:
        values = _decode(data, AgreementCreate)
        return _agreement(ctx, await svc.create_agreement(ctx.session, values, ctx.principal), 201)

    @get("/agreements/{agreement_id:uuid}", guards=[registry_reader], opt=READ)
    async def get_agreement(self, ctx: Ctx, agreement_id: FromPath[UUID]) -> Response[AgreementOut]:
        return _agreement(ctx, await svc.get_agreement(ctx.session, agreement_id))

    @patch("/agreements/{agreement_id:uuid}", guards=[registry_keeper], opt=WRITE)
    async def update_agreement(
        self, ctx: Ctx, agreement_id: FromPath[UUID], data: Body
    ) -> Response[AgreementOut]:
        values = _decode(data, AgreementUpdate)
        return _agreement(ctx, await svc.update_agreement(ctx.edit, agreement_id, values))

    @post("/agreements/{agreement_id:uuid}/verification", guards=[registry_keeper], opt=WRITE)
    async def verify_agreement(self, ctx: Ctx, agreement_id: FromPath[UUID]) -> Response[AgreementOut]:
        return _agreement(ctx, await svc.verify_agreement(ctx.edit, agreement_id))

    @get("/alerts", guards=[registry_reader], opt=READ)
    async def alerts(
        self, ctx: Ctx, within_days: Annotated[int, QueryParameter(ge=1, le=730)] = 90
    ) -> list[AgreementAlert]:
        return await svc.agreement_alerts(
            ctx.session, ctx.today, within_days, organisation_id=ctx.own_organisation
        )

    @get("/verification-alerts", guards=[registry_reader], opt=READ)
    async def verification_alerts(self, ctx: Ctx) -> list[VerificationAlert]:
        """Entries, services and agreements not verified for ``max_age_months`` (regulators, Forem; a
        partner manager sees its own organisation's)."""
        months = verification_months(ctx.settings.policies_dir)
        return await svc.verification_alerts(
            ctx.session, clock.now(), months, organisation_id=ctx.own_organisation
        )


RESOURCES = ("organisations", "services", "agreements")


def _resource(resource: str) -> str:
    if resource not in RESOURCES:
        raise NotFound(f"Ressource inconnue « {resource} » (attendu : {', '.join(RESOURCES)}).")
    return resource


class RegistryExchangeController(CadastreApi):
    """CSV in and out, open data out."""

    @post("/import/{resource:str}", guards=[registry_keeper], opt=WRITE, status_code=200)
    async def import_csv(self, ctx: Ctx, resource: FromPath[str]) -> ImportReport:
        """Body: the CSV file itself (``text/csv``). All lines are imported, or none (422 with the report)."""
        content = await ctx.request.body()
        report = await csv_io.import_csv(ctx.session, _resource(resource), content, ctx.principal)
        if not report.imported:
            raise _import_rejected(report)
        return report

    @get("/export/{resource:str}", guards=[registry_reader], opt=READ, media_type="text/csv")
    async def export_csv(
        self, ctx: Ctx, resource: FromPath[str], sep: Literal[";", ","] = ";"
    ) -> Response[str]:
        """UTF-8 with BOM, French headers, ``;`` (default) or ``,`` (``sep``); imports back unchanged."""
        rows = await csv_io.export_rows(ctx.session, _resource(resource))
        return Response(
            csv_io.to_csv(resource, rows, sep),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="cadastre-{resource}.csv"'},
        )

    @get("/open-data", guards=[registry_reader], opt=READ)
    async def open_data(self, ctx: Ctx) -> dict[str, Any]:
        """The registry as open data (HSDS 3.0 shaped JSON): organisations, services, funding. No person."""
        return await opendata.open_data(ctx.session, clock.now())


class EvaluationController(CadastreApi):
    """Aggregated, disclosure-controlled effectiveness figures (regulators, Forem's registry keepers)."""

    path = "/api/v1/cadastre/evaluation"

    @get("/", guards=[evaluator], opt=EVALUATE)
    async def evaluation(self, ctx: Ctx, year: YEAR) -> dict[str, Any]:
        """Figures for one calendar year, by partner, agreement, service, bassin and quarter."""
        return await evaluate(ctx.session, year, ctx.policy)

    @get("/definition", guards=[evaluator], opt=EVALUATE)
    async def definition(self, ctx: Ctx) -> dict[str, Any]:
        """The positive-exit definition in force (``policies/positive_exit.toml``)."""
        policy = ctx.policy
        return {**policy.describe(), "min_cell": policy.min_cell, "confidence": policy.confidence}


def _figures_download(content: Any, media_type: str, filename: str) -> Response:
    """A download of protected figures: named, and never kept by a cache on the way."""
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


class EvaluationFiguresController(CadastreApi):
    """The same protected figures as a PDF report and as CSV (masked figures written « masqué »), and the
    referral outcomes under the same disclosure rules (regulators, Forem's registry keepers)."""

    @get("/evaluation.pdf", guards=[evaluator], opt=EVALUATE, media_type="application/pdf")
    async def evaluation_pdf(self, ctx: Ctx, year: YEAR) -> Response[bytes]:
        """PDF evaluation report for one calendar year: the JSON evaluation's figures, suppressed cells
        included as « masqué », with the positive-exit definition on every page."""
        figures = await evaluate(ctx.session, year, ctx.policy)
        pdf = await stored_report(ctx.session, figures, ctx.policy)
        return _figures_download(pdf, "application/pdf", f"cadastre-evaluation-{year}.pdf")

    @get("/evaluation.csv", guards=[evaluator], opt=EVALUATE, media_type="text/csv")
    async def evaluation_csv(self, ctx: Ctx, year: YEAR, sep: Literal[";", ","] = ";") -> Response[str]:
        """UTF-8 with BOM, French headers, ``;`` (default) or ``,`` (``sep``), masked figures « masqué »."""
        figures = await evaluate(ctx.session, year, ctx.policy)
        return _figures_download(
            evaluation_csv(figures, sep), "text/csv; charset=utf-8", f"cadastre-evaluation-{year}.csv"
        )

    @get("/referral-outcomes", guards=[evaluator], opt=EVALUATE)
    async def referral_outcomes(self, ctx: Ctx, year: YEAR) -> dict[str, Any]:
        """Referrals received and their outcome per partner and per month of one year (never finer than a
        month); counts under the threshold masked, complements audited against every figure of the year."""
        return await referral_figures.referral_outcomes(ctx.session, year, ctx.policy, ctx.today)


STEP_IMPORT = step_import.ROUTE_OPT


def step_importer(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if principal_of(connection).role not in step_import.IMPORTERS:
        raise Forbidden("L'import des étapes est réservé aux partenaires, pour leurs propres étapes.")


class StepImportController(CadastreApi):
    """Bulk import of a partner's steps and outcomes (CSV, all or nothing, line-by-line French report)."""

    path = "/api/v1/cadastre/steps"
    dependencies = {**deps.CONTEXT, **deps.NISS_KEY}

    @post("/import", guards=[step_importer], opt=STEP_IMPORT, status_code=200)
    async def import_steps(self, ctx: Ctx, niss_key: NamedDependency[bytes]) -> ImportReport:
        """Body: the CSV file (``text/csv``, ``;`` or ``,``). Every person passes the gate; all lines are
        written, or none (422 with the report)."""
        content = await ctx.request.body()
        report = await step_import.import_steps(ctx.session, ctx.principal, content, niss_key, ctx.request_id)
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
    EvaluationFiguresController,
    StepImportController,
]
