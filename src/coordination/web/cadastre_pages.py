"""Cadastre pages: browse and filter partners, a partner page (services, agreements, indicators with
charts), a side-by-side comparison; CSV export through the API's route. Registry pages touch no person's
file (role-guarded like the API); effectiveness figures are the cadastre's protected aggregates only."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.cadastre import rules, step_import
from coordination.cadastre import services as svc
from coordination.clock import today as brussels_today
from coordination.dossier.controllers.common import niss_key
from coordination.errors import Forbidden
from coordination.settings import Settings
from coordination.web.charts import Bar, bar_chart
from coordination.web.csrf import checked_form
from coordination.web.errors import WEB_EXCEPTION_HANDLERS
from coordination.web.filedata import request_id_of
from coordination.web.render import page
from coordination.web.session import require_user

READ = {"public": "cadastre des partenariats (lecture) : aucun dossier de personne, garde par rôle"}
EVALUATE = {
    "public": "indicateurs agrégés et anonymisés du cadastre : aucun dossier de personne, garde par rôle"
}


async def _reader(request: Request):
    principal = await require_user(request)
    if principal.role not in rules.READER_ROLES:
        raise Forbidden("Le cadastre des partenariats est réservé aux professionnels.")
    return principal


async def _evaluation(
    db_session: AsyncSession, settings: Settings, principal, year: int
) -> dict[str, Any] | None:
    """The protected figures of one year, for the roles that may see them (else None)."""
    if principal.role not in rules.EVALUATION_ROLES:
        return None
    from coordination.cadastre.evaluation import evaluate
    from coordination.cadastre.policy import load_policy

    return await evaluate(db_session, year, load_policy(settings.policies_dir))


def _partner_rows(evaluation: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    if not evaluation:
        return {}
    return {str(r["key"]): r for r in evaluation.get("partners", [])}


def _ratio_bar(label: str, row: dict[str, Any] | None) -> Bar:
    if not row or row.get("observed_expected_ratio") is None:
        return Bar(label, None)
    low, high = (row.get("ratio_interval") or [None, None])[:2]
    return Bar(label, row["observed_expected_ratio"], low, high)


def _rate_bar(label: str, row: dict[str, Any] | None) -> Bar:
    if not row or row.get("positive_rate") is None:
        return Bar(label, None)
    low, high = (row.get("positive_rate_interval") or [None, None])[:2]
    return Bar(label, row["positive_rate"], low, high)


EVALUATION_PDF = "/api/v1/cadastre/evaluation.pdf"
"""The evaluation report in PDF, added to the cadastre API by another colleague: linked as soon as the
route exists in the application (until then the pages say it is coming)."""


def pdf_report_available(request: Request) -> bool:
    return any(getattr(route, "path", None) == EVALUATION_PDF for route in request.app.routes)


async def _year(db_session: AsyncSession, settings: Settings, value: int | None) -> int:
    """The year asked for, else the most recent one with figures (never an empty previous year)."""
    if value:
        return value
    from coordination.cadastre.evaluation import latest_year_with_figures
    from coordination.cadastre.policy import load_policy

    return await latest_year_with_figures(db_session, load_policy(settings.policies_dir), brussels_today())


STEP_IMPORT = step_import.ROUTE_OPT
MAX_IMPORT_BYTES = 5_000_000


class CadastrePages(Controller):
    path = "/cadastre"
    exception_handlers = WEB_EXCEPTION_HANDLERS
    include_in_schema = False

    @get("/", opt=READ)
    async def browse(
        self,
        request: Request,
        db_session: AsyncSession,
        settings: Settings,
        type: Annotated[str | None, Parameter(max_length=40)] = None,
        bassin: Annotated[str | None, Parameter(max_length=80)] = None,
        q: Annotated[str | None, Parameter(max_length=100)] = None,
        annee: Annotated[int | None, Parameter(ge=2000, le=2100)] = None,
    ) -> Response:
        principal = await _reader(request)
        year = await _year(db_session, settings, annee) if principal.role in rules.EVALUATION_ROLES else None
        rows = await svc.list_organisations(
            db_session, partner_kind=type or None, bassin=bassin or None, q=q or None
        )
        partners = [svc.organisation_out(o, p) for o, p in rows]
        return page(
            request,
            "cadastre_list.html",
            partners=partners,
            kinds=rules.PARTNER_KIND_LABELS,
            query={"type": type or "", "bassin": bassin or "", "q": q or ""},
            year=year,
            importer=principal.role in step_import.IMPORTERS,
        )

    @get("/partenaires/{organisation_id:uuid}", opt=EVALUATE)
    async def partner(
        self,
        request: Request,
        db_session: AsyncSession,
        settings: Settings,
        organisation_id: UUID,
        annee: Annotated[int | None, Parameter(ge=2000, le=2100)] = None,
    ) -> Response:
        principal = await _reader(request)
        org, profile = await svc.get_organisation(db_session, organisation_id)
        services = [
            svc.service_out(s) for s in await svc.list_services(db_session, organisation_id=organisation_id)
        ]
        today = rules.today_brussels()
        agreements = [
            svc.agreement_out(a, today)
            for a in await svc.list_agreements(db_session, organisation_id=organisation_id)
        ]
        year = await _year(db_session, settings, annee)
        evaluation = await _evaluation(db_session, settings, principal, year)
        row = _partner_rows(evaluation).get(str(organisation_id))
        quarters = [
            r
            for r in (evaluation or {}).get("partner_periods", [])
            if (r.get("key") or {}).get("partner_id") == str(organisation_id)
        ]
        chart = None
        if evaluation is not None:
            chart = bar_chart(
                [_rate_bar(str(r["key"]["period"]), r) for r in quarters] or [Bar("Année", None)],
                title=f"Taux de sortie positive par trimestre ({year})",
                description="Part des étapes terminées suivies d'une sortie positive, avec l'intervalle de confiance.",
                maximum=1.0,
                percent=True,
            )
        return page(
            request,
            "cadastre_partner.html",
            org=svc.organisation_out(org, profile),
            services=services,
            agreements=agreements,
            evaluation=evaluation,
            row=row,
            quarters=quarters,
            chart=chart,
            year=year,
        )

    @get("/comparaison", opt=EVALUATE)
    async def compare(
        self,
        request: Request,
        db_session: AsyncSession,
        settings: Settings,
        annee: Annotated[int | None, Parameter(ge=2000, le=2100)] = None,
    ) -> Response:
        principal = await _reader(request)
        if principal.role not in rules.EVALUATION_ROLES:
            raise Forbidden("Les indicateurs d'efficacité sont réservés aux régulateurs et au Forem.")
        wanted = request.query_params.getall("p") if "p" in request.query_params else []
        year = await _year(db_session, settings, annee)
        evaluation = await _evaluation(db_session, settings, principal, year) or {}
        rows = evaluation.get("partners", [])
        if wanted:
            rows = [r for r in rows if str(r["key"]) in wanted]
        ratio_chart = bar_chart(
            [_ratio_bar(r["label"], r) for r in rows] or [Bar("—", None)],
            title=f"Sorties positives observées / attendues ({year})",
            description="1 = autant de sorties positives qu'attendu vu le profil des personnes accueillies ; "
            "au-dessus de 1 = mieux qu'attendu. Les traits montrent l'intervalle de confiance.",
            reference=1.0,
        )
        rate_chart = bar_chart(
            [_rate_bar(r["label"], r) for r in rows] or [Bar("—", None)],
            title=f"Taux brut de sortie positive ({year})",
            description="Taux non ajusté : à lire avec le profil des personnes accueillies.",
            maximum=1.0,
            percent=True,
        )
        from coordination.cadastre.policy import load_policy
        from coordination.cadastre.referral_figures import referral_outcomes

        referrals = await referral_outcomes(
            db_session, year, load_policy(settings.policies_dir), brussels_today()
        )
        return page(
            request,
            "cadastre_compare.html",
            referrals=referrals,
            evaluation=evaluation,
            rows=rows,
            ratio_chart=ratio_chart,
            rate_chart=rate_chart,
            year=year,
            wanted=wanted,
            pdf_report=EVALUATION_PDF if pdf_report_available(request) else None,
        )

    @staticmethod
    async def _importer(request: Request):
        principal = await require_user(request)
        if principal.role not in step_import.IMPORTERS:
            raise Forbidden("L'import des étapes est réservé aux partenaires, pour leurs propres étapes.")
        return principal

    @get("/import-etapes", opt=STEP_IMPORT)
    async def show(self, request: Request) -> Response:
        await self._importer(request)
        return page(request, "cadastre_import.html", columns=step_import.COLUMNS, report=None, lines=[])

    @get("/import-etapes/modele.csv", opt=READ)
    async def template(self, request: Request) -> Response:
        await self._importer(request)
        return Response(
            step_import.template(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="modele-import-etapes.csv"'},
        )

    @post("/import-etapes", opt=STEP_IMPORT)
    async def upload(self, request: Request, db_session: AsyncSession, settings: Settings) -> Response:
        form = await checked_form(request)  # the form's token first, like every page's POST
        principal = await self._importer(request)
        upload = form.get("fichier")
        if upload is None or not hasattr(upload, "read") or not getattr(upload, "filename", ""):
            return page(
                request, "cadastre_import.html", status_code=422, columns=step_import.COLUMNS, report=None,
                lines=[], error="Choisissez le fichier CSV à importer.",
            )  # fmt: skip
        content = await upload.read(MAX_IMPORT_BYTES + 1)
        if len(content) > MAX_IMPORT_BYTES:
            return page(
                request, "cadastre_import.html", status_code=413, columns=step_import.COLUMNS, report=None,
                lines=[], error=f"Le fichier dépasse {MAX_IMPORT_BYTES // 1_000_000} Mo.",
            )  # fmt: skip
        report = await step_import.import_steps(
            db_session, principal, content, niss_key(request, settings), request_id_of(request)
        )
        if report.imported:
            await db_session.commit()
        else:
            await db_session.rollback()
        return page(
            request,
            "cadastre_import.html",
            status_code=200 if report.imported else 422,
            columns=step_import.COLUMNS,
            report=report,
            lines=step_import.report_text(report),
        )
