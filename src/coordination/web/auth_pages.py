"""Sign-in and sign-out pages.

* Embedded default (development, tests): a page listing the demo users; choosing one sets the HttpOnly
  session cookie with a token from the access package's development issuer. In production these routes
  answer 404: the development issuer does not exist there.
* Production: the OIDC authorization-code flow with PKCE (:mod:`coordination.web.oidc`).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.directory.models import Organisation, OrganisationKind, Role, User
from coordination.errors import BadRequest, NotFound
from coordination.settings import Settings
from coordination.web.csrf import checked_form
from coordination.web.nav import ROLE_NAMES, home_for
from coordination.web.oidc import FLOW_COOKIE, FLOW_MAX_AGE, FlowState, client_for, same
from coordination.web.render import page
from coordination.web.session import cleared_session_cookie, load_user, safe_next, session_cookie

ROLE_ORDER = list(Role)
PUBLIC = {"public": "connexion : aucune donnée d'un dossier"}


@dataclass(frozen=True)
class DevAccount:
    """What the development issuer needs to mint a token (a ``users`` row plus its organisation kind)."""

    id: UUID
    subject: str
    display_name: str
    role: Role
    organisation_id: UUID | None
    organisation_kind: OrganisationKind | None
    organisation_name: str | None
    team: str | None
    person_id: UUID | None


async def dev_accounts(session: AsyncSession) -> list[DevAccount]:
    rows = (
        await session.execute(
            select(User, Organisation.kind, Organisation.name).outerjoin(
                Organisation, Organisation.id == User.organisation_id
            )
        )
    ).all()
    accounts = [
        DevAccount(
            u.id, u.subject, u.display_name, u.role, u.organisation_id, kind, name, u.team, u.person_id
        )
        for u, kind, name in rows
    ]
    return sorted(accounts, key=lambda a: (ROLE_ORDER.index(a.role), a.display_name))


def _redirect_uri(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/connexion/retour"


def _flow_cookie(request: Request, value: str, max_age: int) -> Cookie:
    return Cookie(
        key=FLOW_COOKIE,
        value=value,
        path="/connexion",
        max_age=max_age,
        httponly=True,
        secure=bool(request.app.state.settings.is_production) or request.url.scheme == "https",
        samesite="lax",
    )


def _require_dev(request: Request) -> None:
    if request.app.state.settings.is_production or request.app.state.identity.dev_issuer is None:
        raise NotFound("Page introuvable.")


class AuthPages(Controller):
    path = "/"

    @get("/", opt=PUBLIC)
    async def home(self, request: Request) -> Response:
        user = await load_user(request)
        return Redirect(home_for(user) if user else "/connexion", status_code=303)

    @get("/connexion", opt=PUBLIC)
    async def sign_in(
        self,
        request: Request,
        db_session: AsyncSession,
        settings: Settings,
        suivant: str | None = None,
        deconnecte: str | None = None,
    ) -> Response:
        next_path = safe_next(suivant) or "/"
        if settings.oidc_issuer:
            flow = FlowState.new(next_path)
            url = await client_for(request.app.state, settings).authorization_url(
                flow, _redirect_uri(request)
            )
            return Redirect(
                url, status_code=303, cookies=[_flow_cookie(request, flow.encode(), FLOW_MAX_AGE)]
            )
        _require_dev(request)
        await load_user(request)
        accounts = await dev_accounts(db_session)
        groups: dict[str, list[DevAccount]] = {}
        for account in accounts:
            groups.setdefault(ROLE_NAMES[account.role], []).append(account)
        return page(
            request, "login_dev.html", groups=groups, next_path=next_path, signed_out=bool(deconnecte)
        )

    @post("/connexion", opt=PUBLIC)
    async def sign_in_dev(self, request: Request, db_session: AsyncSession) -> Response:
        _require_dev(request)
        form = await checked_form(request)
        subject = str(form.get("subject", ""))
        account = next((a for a in await dev_accounts(db_session) if a.subject == subject), None)
        if account is None:
            raise BadRequest("Utilisateur de démonstration inconnu : choisissez-en un dans la liste.")
        token = request.app.state.identity.dev_issuer.issue(account)
        next_path = safe_next(str(form.get("suivant", ""))) or "/"
        return Redirect(next_path, status_code=303, cookies=[session_cookie(request, token)])

    @get("/connexion/retour", opt=PUBLIC)
    async def oidc_callback(
        self,
        request: Request,
        settings: Settings,
        code: str | None = None,
        error: str | None = None,
    ) -> Response:
        if not settings.oidc_issuer:
            raise NotFound("Page introuvable.")
        flow = FlowState.decode(request.cookies.get(FLOW_COOKIE))
        if error:
            raise BadRequest(
                "Le fournisseur d'identité n'a pas ouvert de session : recommencez la connexion."
            )
        if flow is None:
            raise BadRequest(
                "La connexion a expiré ou a été ouverte dans un autre navigateur : recommencez.",
                code="oidc-no-flow",
            )
        if not same(request.query_params.get("state"), flow.state):
            raise BadRequest(
                "La réponse du fournisseur d'identité ne correspond pas à votre demande de connexion : recommencez.",
                code="oidc-state",
            )
        if not code:
            raise BadRequest(
                "Réponse du fournisseur d'identité incomplète (code absent).", code="oidc-no-code"
            )
        tokens = await client_for(request.app.state, settings).exchange(code, flow, _redirect_uri(request))
        await request.app.state.identity.authenticate(tokens["access_token"])  # same checks as the API
        max_age = int(tokens.get("expires_in") or 300)
        return Redirect(
            safe_next(flow.next_path) or "/",
            status_code=303,
            cookies=[
                session_cookie(request, tokens["access_token"], max_age=max_age),
                _flow_cookie(request, "", 0),
            ],
        )

    @post("/deconnexion", opt=PUBLIC)
    async def sign_out(self, request: Request, settings: Settings) -> Response:
        await checked_form(request)
        target = "/connexion"
        if settings.oidc_issuer:
            post_logout = str(request.base_url).rstrip("/") + "/connexion"
            target = await client_for(request.app.state, settings).logout_url(post_logout) or target
        if not settings.oidc_issuer:
            target = "/connexion?deconnecte=1"
        return Redirect(target, status_code=303, cookies=[cleared_session_cookie(request)])
