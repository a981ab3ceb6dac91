"""The directory's pages (``/annuaire``): an administrator creates organisations and user accounts, changes
a role, deactivates or reactivates an account, and reads the journal of every change (who, when, what).

The same service as ``coordination directory …`` (:mod:`coordination.directory.admin`) does the work, so
the rules and the journal are one. These pages touch no person's file: they are declared as such
(``opt["public"]`` says why, as for the cadastre) and the controller's guard lets administrators only
through, before any handler body runs. A refused change answers 422 with the French reason and the form
as typed; a change is confirmed on the page it leads back to.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.context import CONTEXT_DEPENDENCIES, Context
from coordination.access.principal import Principal
from coordination.directory import admin
from coordination.directory.models import OrganisationKind, Role
from coordination.errors import Forbidden
from coordination.web.csrf import checked_form
from coordination.web.nav import ROLE_NAMES
from coordination.web.render import page
from coordination.web.session import require_user

PAGE = "/annuaire"
DECLARED = {
    "public": "annuaire des organisations et des comptes professionnels : aucun dossier de personne ; "
    "réservé aux administrateurs (garde du contrôleur)"
}
KIND_LABELS = {
    OrganisationKind.FOREM: "Forem",
    OrganisationKind.CPAS: "CPAS",
    OrganisationKind.PARTNER: "Partenaire",
    OrganisationKind.REGULATOR: "Régulateur",
}
ASSIGNABLE_ROLES = [r for r in Role if r is not Role.BENEFICIARY]
MESSAGES = {
    "organisation": "L'organisation est créée.",
    "utilisateur": "Le compte est créé. Donnez-lui dans le fournisseur d'identité l'identifiant (sub) et les "
    "attributs indiqués sur sa ligne.",
    "role": "Le rôle est modifié. Modifiez aussi l'attribut « role » du compte dans le fournisseur d'identité.",
    "desactive": "Le compte est désactivé : il est refusé dès sa prochaine requête.",
    "reactive": "Le compte est réactivé.",
}


async def administrators_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The controller's guard: signed in (else the sign-in page), a form's CSRF token first (like every
    web form: a forged post is refused as such, whoever sends it), and an administrator (else 403)."""
    principal = await require_user(connection)  # type: ignore[arg-type]
    if connection.scope.get("method") not in ("GET", "HEAD"):
        await checked_form(connection)  # type: ignore[arg-type]  # parsed once, kept for the handler
    if principal.role is not Role.ADMIN:
        raise Forbidden("L'annuaire est réservé aux administrateurs.", code="directory-admin-only")


def actor_of(principal: Principal) -> str:
    """How the journal names the administrator: display name and account id (names can repeat)."""
    return f"{principal.display_name} [{principal.user_id}]"[:200]


def _value(form: dict[str, Any], key: str) -> str:
    value = form.get(key, "")
    return str(value[0] if isinstance(value, list) else value).strip()


def _values(form: dict[str, Any], **fields: str) -> dict[str, str]:
    """The service's keyword arguments from the form: ``argument="form field"``, each trimmed."""
    return {argument: _value(form, key) for argument, key in fields.items()}


class DirectoryPages(Controller):
    path = PAGE
    guards = [administrators_only]
    dependencies = CONTEXT_DEPENDENCIES

    async def _render(
        self,
        request: Request,
        db_session: AsyncSession,
        *,
        message: str | None = None,
        error: str | None = None,
        error_for: str | None = None,
        form: dict[str, Any] | None = None,
        status_code: int = 200,
    ) -> Response:
        organisations = await admin.list_organisations(db_session)
        return page(
            request,
            "directory.html",
            status_code=status_code,
            organisations=organisations,
            users=await admin.list_users(db_session),
            kinds=KIND_LABELS,
            roles=ASSIGNABLE_ROLES,
            role_names=ROLE_NAMES,
            message=message,
            error=error,
            error_for=error_for,
            form=form or {},
        )

    async def _changed(
        self,
        request: Request,
        db_session: AsyncSession,
        form: dict[str, Any],
        change: Callable[[], Awaitable[object]],
        *,
        where: str,
        done: str,
    ) -> Response:
        """Make one change of the directory, the same way for every form: refused, nothing is kept and the
        page answers 422 with the French reason next to the form ``where``, as typed; made, the page is
        shown again with the message and at the line ``done`` names (``message#anchor``)."""
        try:
            await change()
        except admin.DirectoryError as exc:
            await db_session.rollback()
            return await self._render(
                request, db_session, error=str(exc), error_for=where, form=form, status_code=422
            )
        return Redirect(f"{PAGE}?ok={done}", status_code=303)

    @get("/", opt=DECLARED)
    async def show(self, request: Request, ctx: Context, ok: str | None = None) -> Response:
        return await self._render(request, ctx.session, message=MESSAGES.get(ok or ""))

    @get("/journal", opt=DECLARED)
    async def journal(self, request: Request, ctx: Context) -> Response:
        return page(request, "directory_journal.html", changes=await admin.changes(ctx.session, limit=200))

    @post("/organisations", opt=DECLARED)
    async def add_organisation(self, request: Request, ctx: Context) -> Response:
        form = await checked_form(request)

        def change() -> Awaitable[object]:
            fields = _values(form, name="name", kind="kind", bassin="bassin", bce="bce")
            return admin.add_organisation(ctx.session, actor_of(ctx.principal), **fields)

        return await self._changed(
            request, ctx.session, form, change, where="organisation", done="organisation#organisations"
        )

    @post("/utilisateurs", opt=DECLARED)
    async def add_user(self, request: Request, ctx: Context) -> Response:
        form = await checked_form(request)

        def change() -> Awaitable[object]:
            fields = _values(
                form, subject="subject", name="display_name", role="role", team="team", email="email"
            )
            organisation = _value(form, "organisation") or None
            return admin.add_user(ctx.session, actor_of(ctx.principal), organisation=organisation, **fields)

        return await self._changed(
            request, ctx.session, form, change, where="utilisateur", done="utilisateur#utilisateurs"
        )

    @post("/utilisateurs/{user_id:uuid}/role", opt=DECLARED)
    async def change_role(self, request: Request, ctx: Context, user_id: UUID) -> Response:
        form = await checked_form(request)

        async def change() -> None:
            if user_id == ctx.principal.user_id:
                raise admin.DirectoryError(
                    "Vous ne pouvez pas changer votre propre rôle : demandez-le à un autre administrateur."
                )
            await admin.set_role(
                ctx.session,
                actor_of(ctx.principal),
                user_ref=str(user_id),
                role=_value(form, "role"),
                organisation=_value(form, "organisation") or None,
            )

        return await self._changed(
            request, ctx.session, form, change, where=f"compte-{user_id}", done=f"role#compte-{user_id}"
        )

    @post("/utilisateurs/{user_id:uuid}/activation", opt=DECLARED)
    async def set_active(self, request: Request, ctx: Context, user_id: UUID) -> Response:
        form = await checked_form(request)
        active = _value(form, "active") == "oui"

        async def change() -> None:
            if not active and user_id == ctx.principal.user_id:
                raise admin.DirectoryError("Vous ne pouvez pas désactiver votre propre compte.")
            await admin.set_active(
                ctx.session,
                actor_of(ctx.principal),
                user_ref=str(user_id),
                active=active,
                reason=_value(form, "reason"),
            )

        done = f"{'reactive' if active else 'desactive'}#compte-{user_id}"
        return await self._changed(request, ctx.session, form, change, where=f"compte-{user_id}", done=done)
