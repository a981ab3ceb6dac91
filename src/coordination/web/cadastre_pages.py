"""Cadastre pages: browse and filter partners, a partner page (services, agreements, indicators with
charts), a side-by-side comparison; CSV export through the API's route. Registry pages touch no person's
file (role-guarded like the API); effectiveness figures are the cadastre's protected aggregates only."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.principal import Principal
from coordination.cadastre import dependencies as deps
from coordination.cadastre import overview, rules, step_import
from coordination.cadastre import services as svc
from coordination.cadastre.charts import rate_bar, ratio_bar
from coordination.cadastre.dependencies import RegistryContext
from coordination.errors import Forbidden
from coordination.reports.charts import Bar, bar_chart
from coordination.web.csrf import checked_form
from coordination.web.render import fields_of, page
from coordination.web.session import require_user

READ = {"public": "cadastre des partenariats (lecture) : aucun dossier de personne, garde par rôle"}
EVALUATE = {
    "public": "indicateurs agrégés et anonymisés du cadastre : aucun dossier de personne, garde par rôle"
}
EVALUATION_ONLY = "Les indicateurs d'efficacité sont réservés aux régulateurs et au Forem."
IMPORT_ONLY = "L'import des étapes est réservé aux partenaires, pour leurs propres étapes."


async def provide_reader(request: Request) -> Principal:
    """The signed-in professional (the registry is closed to the people themselves)."""
    principal = await require_user(request)
    if principal.role not in rules.READER_ROLES:
        raise Forbidden("Le cadastre des partenariats est réservé aux professionnels.")
    return principal


async def provide_importer(request: Request) -> Principal:
    """A partner importing their own steps (the upload checks its form's token before asking)."""
    principal = await require_user(request)
    if principal.role not in step_import.IMPORTERS:
        raise Forbidden(IMPORT_ONLY)
    return principal


IMPORTER = {"importer": Provide(provide_importer)}


EVALUATION_PDF = "/api/v1/cadastre/evaluation.pdf"
"""The evaluation report in PDF, added to the cadastre API by another colleague: linked as soon as the
route exists in the application (until then the pages say it is coming)."""


def pdf_report_available(request: Request) -> bool:
    return any(getattr(route, "path", None) == EVALUATION_PDF for route in request.app.routes)


def _quarter_chart(result: overview.PartnerOverview):
    if result.evaluation is None:
        return None
    return bar_chart(
        [rate_bar(str(r["key"]["period"]), r) for r in result.quarters] or [Bar("Année", None)],
        title=f"Taux de sortie positive par trimestre ({result.year})",
        description="Part des étapes terminées suivies d'une sortie positive, avec l'intervalle de confiance.",
        maximum=1.0,
        percent=True,
    )


def _comparison_charts(result: overview.Comparison):
    ratio_chart = bar_chart(
        [ratio_bar(r["label"], r) for r in result.rows] or [Bar("—", None)],
        title=f"Sorties positives observées / attendues ({result.year})",
        description="1 = autant de sorties positives qu'attendu vu le profil des personnes accueillies ; "
        "au-dessus de 1 = mieux qu'attendu. Les traits montrent l'intervalle de confiance.",
        reference=1.0,
    )
    rate_chart = bar_chart(
        [rate_bar(r["label"], r) for r in result.rows] or [Bar("—", None)],
        title=f"Taux brut de sortie positive ({result.year})",
        description="Taux non ajusté : à lire avec le profil des personnes accueillies.",
        maximum=1.0,
        percent=True,
    )
    return ratio_chart, rate_chart


STEP_IMPORT = step_import.ROUTE_OPT
Year = Annotated[int | None, Parameter(ge=2000, le=2100)]
MAX_IMPORT_BYTES = 5_000_000


class CadastrePages(Controller):
    path = "/cadastre"
    dependencies = {**deps.CONTEXT, **deps.NISS_KEY, "principal": Provide(provide_reader)}
    """The registry's context (:mod:`coordination.cadastre.dependencies`) of the signed-in reader."""

    @get("/", opt=READ)
    async def browse(
        self,
        request: Request,
        ctx: RegistryContext,
        type: Annotated[str | None, Parameter(max_length=40)] = None,
        bassin: Annotated[str | None, Parameter(max_length=80)] = None,
        q: Annotated[str | None, Parameter(max_length=100)] = None,
        annee: Year = None,
    ) -> Response:
        year = await overview.evaluation_year(ctx, annee) if overview.may_evaluate(ctx.principal) else None
        partners = await svc.find_organisations(
            ctx.session, partner_kind=type or None, bassin=bassin or None, q=q or None
        )
        return page(
            request,
            "cadastre_list.html",
            partners=partners,
            kinds=rules.PARTNER_KIND_LABELS,
            query={"type": type or "", "bassin": bassin or "", "q": q or ""},
            year=year,
            importer=ctx.principal.role in step_import.IMPORTERS,
        )

    @get("/partenaires/{organisation_id:uuid}", opt=EVALUATE)
    async def partner(
        self, request: Request, ctx: RegistryContext, organisation_id: UUID, annee: Year = None
    ) -> Response:
        result = await overview.partner_overview(ctx, organisation_id, annee)
        return page(request, "cadastre_partner.html", **fields_of(result), chart=_quarter_chart(result))

    @get("/comparaison", opt=EVALUATE)
    async def compare(self, request: Request, ctx: RegistryContext, annee: Year = None) -> Response:
        if not overview.may_evaluate(ctx.principal):
            raise Forbidden(EVALUATION_ONLY)
        wanted = request.query_params.getall("p") if "p" in request.query_params else []
        result = await overview.comparison(ctx, annee, wanted)
        ratio_chart, rate_chart = _comparison_charts(result)
        return page(
            request,
            "cadastre_compare.html",
            **fields_of(result),
            ratio_chart=ratio_chart,
            rate_chart=rate_chart,
            wanted=wanted,
            pdf_report=EVALUATION_PDF if pdf_report_available(request) else None,
        )

    @get("/import-etapes", opt=STEP_IMPORT, dependencies=IMPORTER)
    async def show(self, request: Request, importer: Principal) -> Response:
        return page(request, "cadastre_import.html", columns=step_import.COLUMNS, report=None, lines=[])

    @get("/import-etapes/modele.csv", opt=READ, dependencies=IMPORTER)
    async def template(self, importer: Principal) -> Response:
        return Response(
            step_import.template(),
            media_type=step_import.TEMPLATE_MEDIA_TYPE,
            headers=step_import.TEMPLATE_HEADERS,
        )

    @post("/import-etapes", opt=STEP_IMPORT)
    async def upload(
        self, request: Request, db_session: AsyncSession, niss_key: bytes, request_id: str
    ) -> Response:
        form = await checked_form(request)  # the form's token first, like every page's POST
        principal = await provide_importer(request)
        upload = form.get("fichier")
        if upload is None or not hasattr(upload, "read") or not getattr(upload, "filename", ""):
            return _import_page(request, 422, error="Choisissez le fichier CSV à importer.")
        content = await upload.read(MAX_IMPORT_BYTES + 1)
        if len(content) > MAX_IMPORT_BYTES:
            return _import_page(request, 413, error=f"Le fichier dépasse {MAX_IMPORT_BYTES // 1_000_000} Mo.")
        report = await step_import.import_steps(db_session, principal, content, niss_key, request_id)
        if not report.imported:
            await db_session.rollback()  # all or nothing: the lines that passed are not kept either
        return _import_page(request, 200 if report.imported else 422, report=report)


def _import_page(request: Request, status_code: int, report=None, error: str | None = None) -> Response:
    return page(
        request,
        "cadastre_import.html",
        status_code=status_code,
        columns=step_import.COLUMNS,
        report=report,
        lines=step_import.report_text(report) if report is not None else [],
        error=error,
    )
