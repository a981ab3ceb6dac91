"""Directory management for administrators: organisations, users and their roles, from the CLI
(``coordination directory …``) and the administrators' pages (``/annuaire``,
:mod:`coordination.web.directory_pages`), one service for both; each change journaled in
``directory_changes`` (who, when, what, before → after). Without it production has no other way in
except SQL, which leaves no trace (issue 20).

The journal is data, like the access journal: one row per change, never updated. It names the operator
(``--par``, or the account running the command) and says what changed in French, without personal data
beyond the professional's name and role, which the directory holds anyway.
"""

from __future__ import annotations

import getpass
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from sqlalchemy import String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from coordination.access.identity import InvalidToken
from coordination.db.base import Entity, utcnow
from coordination.db.types import GUID, DateTimeUTC
from coordination.directory.models import Organisation, OrganisationKind, Role, User


class DirectoryChange(Entity):
    """One change to the directory (organisation or user), append-only."""

    __tablename__ = "directory_changes"

    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), nullable=False, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    target_id: Mapped[UUID] = mapped_column(GUID, nullable=False, index=True)
    summary: Mapped[str] = mapped_column(Text, nullable=False)


class DirectoryError(Exception):
    """A refused change; the message is French, for the administrator."""


def operator_name(explicit: str | None) -> str:
    return (explicit or getpass.getuser() or "inconnu")[:200]


def _journal(session: AsyncSession, actor: str, action: str, target: UUID, summary: str) -> None:
    session.add(DirectoryChange(actor=actor, action=action, target_id=target, summary=summary))


_Choice = TypeVar("_Choice", OrganisationKind, Role)


def _choice(choices: type[_Choice], value: str, what: str) -> _Choice:
    """``value`` as one of ``choices``; else a French refusal that lists them (a typed value, not a 500)."""
    try:
        return choices(value)
    except ValueError:
        listed = ", ".join(c.value for c in choices)
        raise DirectoryError(f"{what} inconnu « {value} » (au choix : {listed}).") from None


def _kind(value: str) -> OrganisationKind:
    return _choice(OrganisationKind, value, "Type d'organisation")


def _text(value: str | None, label: str, limit: int, *, required: bool = False) -> str | None:
    """A trimmed value within its column's length (PostgreSQL refuses a longer one with an error that
    would otherwise become a 500), or ``None`` when empty."""
    text = (value or "").strip()
    if not text:
        if required:
            raise DirectoryError(f"{label} est obligatoire.")
        return None
    if len(text) > limit:
        raise DirectoryError(f"{label} dépasse {limit} caractères ({len(text)}).")
    return text


def _bce(value: str | None) -> str | None:
    """The Belgian company number as 10 digits (dots and spaces accepted), mod-97 checked."""
    raw = (value or "").strip()
    if not raw:
        return None
    digits = "".join(ch for ch in raw if ch not in ". ")
    if len(digits) == 9 and digits.isdigit():
        digits = "0" + digits
    if len(digits) != 10 or not digits.isdigit():
        raise DirectoryError(f"Numéro BCE « {raw} » invalide : 10 chiffres attendus (ex. 0403.170.701).")
    if 97 - int(digits[:8]) % 97 != int(digits[8:]):
        raise DirectoryError(
            f"Numéro BCE « {raw} » invalide : la clé de contrôle (modulo 97) ne correspond pas."
        )
    return digits


def _role(value: str) -> Role:
    return _choice(Role, value, "Rôle")


_Row = TypeVar("_Row", Organisation, User)


async def _by_id(session: AsyncSession, model: type[_Row], ref: str) -> _Row | None:
    """The row whose id ``ref`` is; None when ``ref`` is no id or no such row (the caller then tries the
    row's other name: an organisation's name, an account's login subject)."""
    try:
        return await session.get(model, UUID(ref))
    except ValueError:
        return None


async def find_organisation(session: AsyncSession, ref: str) -> Organisation:
    """By id, or by exact name (refused when two share it)."""
    found = await _by_id(session, Organisation, ref)
    if found:
        return found
    rows = (await session.scalars(select(Organisation).where(Organisation.name == ref))).all()
    if len(rows) != 1:
        raise DirectoryError(
            f"Organisation « {ref} » introuvable."
            if not rows
            else f"Plusieurs organisations s'appellent « {ref} » : donnez l'identifiant."
        )
    return rows[0]


async def add_organisation(
    session: AsyncSession, actor: str, *, name: str, kind: str, bassin: str | None, bce: str | None
) -> Organisation:
    name = _text(name, "Le nom de l'organisation", 200, required=True)
    chosen = _kind(kind)
    bassin = _text(bassin, "Le bassin", 80)
    bce = _bce(bce)
    if bce and await session.scalar(select(Organisation.id).where(Organisation.bce_number == bce)):
        raise DirectoryError(f"Le numéro BCE {bce} est déjà celui d'une autre organisation.")
    org = Organisation(name=name, kind=chosen, bassin=bassin, bce_number=bce)
    session.add(org)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent creation with the same number
        raise DirectoryError(f"Le numéro BCE {bce} est déjà celui d'une autre organisation.") from exc
    _journal(
        session,
        actor,
        "organisation_created",
        org.id,
        f"Organisation « {org.name} » ({org.kind.value}) créée.",
    )
    return org


async def add_user(
    session: AsyncSession,
    actor: str,
    *,
    subject: str,
    name: str,
    role: str,
    organisation: str | None,
    team: str | None = None,
    email: str | None = None,
) -> User:
    subject = _text(subject, "L'identifiant de connexion", 200, required=True)
    name = _text(name, "Le nom affiché", 200, required=True)
    team = _text(team, "L'équipe", 80)
    email = _text(email, "L'adresse e-mail", 200)
    if email and "@" not in email:
        raise DirectoryError(f"Adresse e-mail « {email} » invalide.")
    chosen = _role(role)
    if chosen is Role.BENEFICIARY:
        raise DirectoryError("Une personne accède à son dossier par son propre compte, créé avec le dossier.")
    org = await find_organisation(session, organisation) if organisation else None
    _check_role_fits(chosen, org)
    if await session.scalar(select(User.id).where(User.subject == subject)):
        raise DirectoryError(f"L'identifiant de connexion « {subject} » est déjà utilisé.")
    user = User(subject=subject, display_name=name, role=chosen, organisation_id=org.id if org else None,
                team=team, email=email)  # fmt: skip
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent creation with the same subject
        raise DirectoryError(f"L'identifiant de connexion « {subject} » est déjà utilisé.") from exc
    where = f" à {org.name}" if org else ""
    _journal(
        session,
        actor,
        "user_created",
        user.id,
        f"Utilisateur « {user.display_name} » créé, rôle {chosen.value}{where}.",
    )
    return user


async def set_role(
    session: AsyncSession, actor: str, *, user_ref: str, role: str, organisation: str | None
) -> User:
    user = await find_user(session, user_ref)
    chosen = _role(role)
    if chosen is Role.BENEFICIARY or user.role is Role.BENEFICIARY:
        raise DirectoryError("Le rôle d'une personne accompagnée ne change pas par l'annuaire.")
    before = (user.role.value, user.organisation_id)
    org = await find_organisation(session, organisation) if organisation else None
    if org is None and user.organisation_id is not None:
        org = await session.get(Organisation, user.organisation_id)
    _check_role_fits(chosen, org)
    if before == (chosen.value, org.id if org else None):
        raise DirectoryError(
            f"« {user.display_name} » a déjà ce rôle dans cette organisation : rien à changer."
        )
    user.organisation_id = org.id if org else None
    user.role = chosen
    await session.flush()
    _journal(
        session, actor, "user_role_changed", user.id,
        f"Rôle de « {user.display_name} » : {before[0]} → {chosen.value}"
        + (" (organisation changée)" if user.organisation_id != before[1] else "") + ".",
    )  # fmt: skip
    return user


def _check_role_fits(role: Role, org: Organisation | None) -> None:
    """A professional acts for an organisation of the matching kind (the gate derives mandates from it)."""
    expected = ROLE_ORGANISATION_KINDS.get(role)
    if expected is None:
        return
    if org is None:
        raise DirectoryError(
            f"Un utilisateur au rôle « {role.value} » appartient à une organisation (--org)."
        )
    if org.kind not in expected:
        kinds = " ou ".join(k.value for k in expected)
        raise DirectoryError(
            f"Le rôle « {role.value} » s'exerce dans une organisation de type {kinds} ; "
            f"« {org.name} » est de type {org.kind.value}."
        )


ROLE_ORGANISATION_KINDS: dict[Role, tuple[OrganisationKind, ...]] = {
    Role.FOREM_REFERENT: (OrganisationKind.FOREM,),
    Role.FOREM_EADVISER: (OrganisationKind.FOREM,),
    Role.CPAS_SOCIAL_WORKER: (OrganisationKind.CPAS,),
    Role.PARTNER_OPERATOR: (OrganisationKind.PARTNER,),
    Role.PARTNER_MANAGER: (OrganisationKind.PARTNER,),
    Role.REGULATOR: (OrganisationKind.REGULATOR,),
}
"""Which kind of organisation each professional role belongs to; DPO and administrator may have none."""


async def set_active(
    session: AsyncSession, actor: str, *, user_ref: str, active: bool, reason: str | None
) -> User:
    """Deactivate (or reactivate) an account. A deactivated account is refused on its next request
    (:func:`is_deactivated`), whatever token it still holds; the row stays for the journals naming it."""
    user = await find_user(session, user_ref)
    reason = _text(reason, "Le motif", 300, required=not active)
    if user.role is Role.BENEFICIARY:
        raise DirectoryError("Le compte d'une personne accompagnée ne se désactive pas par l'annuaire.")
    if active == (user.deactivated_at is None):
        state = "actif" if active else "désactivé"
        raise DirectoryError(f"Le compte de « {user.display_name} » est déjà {state}.")
    user.deactivated_at = None if active else utcnow()
    await session.flush()
    summary = (
        f"Compte de « {user.display_name} » réactivé."
        if active
        else f"Compte de « {user.display_name} » désactivé."
    )
    _journal(session, actor, "user_reactivated" if active else "user_deactivated", user.id,
             summary + (f" Motif : {reason}" if reason else ""))  # fmt: skip
    return user


async def is_deactivated(connection: AsyncConnection | AsyncSession, user_id: UUID) -> bool:
    """Whether an administrator deactivated this account (an account unknown to the directory is not)."""
    found = await connection.execute(
        select(User.deactivated_at).where(User.id == user_id, User.deactivated_at.is_not(None))
    )
    return found.first() is not None


async def refuse_if_deactivated(database, principal) -> None:
    """Called by the API's authentication and the pages' session for every signed-in request, no cache
    (like a withdrawn consent): a deactivated account is refused at once (401); so is a token whose role or
    organisation is no longer the directory's (a role changed or taken away counts from the next request;
    the identity provider then issues tokens with the new attributes). An account the directory does not
    hold is left to the token alone."""
    async with database.engine.connect() as conn:
        row = (
            await conn.execute(
                select(User.deactivated_at, User.role, User.organisation_id).where(
                    User.id == principal.user_id
                )
            )
        ).first()
    if row is None:
        return
    if row.deactivated_at is not None:
        raise InvalidToken(
            "Votre compte a été désactivé par un administrateur de l'annuaire.", "account-deactivated"
        )
    if row.role is not principal.role or (
        row.organisation_id is not None and row.organisation_id != principal.organisation_id
    ):
        raise InvalidToken(
            "Votre rôle ou votre organisation a changé dans l'annuaire : reconnectez-vous.",
            "directory-changed",
        )


async def find_user(session: AsyncSession, ref: str) -> User:
    found = await _by_id(session, User, ref)
    if found:
        return found
    found = await session.scalar(select(User).where(User.subject == ref))
    if found is None:
        raise DirectoryError(f"Utilisateur « {ref} » introuvable (identifiant ou identifiant de connexion).")
    return found


async def list_users(session: AsyncSession) -> list[tuple[User, Organisation | None]]:
    rows = await session.execute(
        select(User, Organisation)
        .outerjoin(Organisation, User.organisation_id == Organisation.id)
        .order_by(User.display_name)
    )
    return [(u, o) for u, o in rows.all()]


async def list_organisations(session: AsyncSession) -> list[Organisation]:
    return list((await session.scalars(select(Organisation).order_by(Organisation.name))).all())


async def changes(session: AsyncSession, limit: int = 50) -> list[DirectoryChange]:
    return list(
        (
            await session.scalars(select(DirectoryChange).order_by(DirectoryChange.at.desc()).limit(limit))
        ).all()
    )


def directory_cli(settings, args) -> int:
    """``coordination directory …``: one transaction per command; prints what it did, in French."""
    import asyncio

    from coordination.db.engine import Database

    actor = operator_name(getattr(args, "par", None))

    async def run() -> list[str]:
        db = Database(settings.effective_database_url, pool_size=1, max_overflow=0)
        try:
            async with db.sessionmaker() as session:
                lines = await _dispatch(session, actor, args)
                await session.commit()
                return lines
        finally:
            await db.dispose()

    try:
        lines = asyncio.run(run())
    except DirectoryError as exc:
        print(f"coordination : {exc}")
        return 1
    for line in lines:
        print(line)
    return 0


async def _dispatch(session: AsyncSession, actor: str, args) -> list[str]:
    command = args.directory_command
    if command == "organisations":
        return [
            f"{o.id}  {o.kind.value:<10} {o.name}" + (f" ({o.bassin})" if o.bassin else "")
            for o in await list_organisations(session)
        ]
    if command == "organisation-add":
        org = await add_organisation(
            session, actor, name=args.name, kind=args.kind, bassin=args.bassin, bce=args.bce
        )
        return [f"Organisation créée : {org.id}  {org.name}"]
    if command == "users":
        return [
            f"{u.id}  {u.role.value:<20} {u.display_name}  [{u.subject}]"
            + (f"  — {o.name}" if o else "")
            + ("  (désactivé)" if u.deactivated_at else "")
            for u, o in await list_users(session)
        ]
    if command == "user-add":
        user = await add_user(
            session, actor, subject=args.subject, name=args.name, role=args.role, organisation=args.org,
            team=args.team, email=args.email,
        )  # fmt: skip
        return [
            f"Utilisateur créé : {user.id}  {user.display_name} ({user.role.value})",
            f"Dans le fournisseur d'identité, donnez à ce compte l'identifiant (sub) {user.id} et les attributs "
            f"role={user.role.value}"
            + (f", org={user.organisation_id}" if user.organisation_id else "")
            + ".",
        ]
    if command == "user-role":
        user = await set_role(session, actor, user_ref=args.user, role=args.role, organisation=args.org)
        return [f"Rôle de {user.display_name} : {user.role.value}"]
    if command in ("user-deactivate", "user-reactivate"):
        active = command == "user-reactivate"
        user = await set_active(session, actor, user_ref=args.user, active=active, reason=args.reason)
        return [f"Compte de {user.display_name} : {'actif' if active else 'désactivé'}"]
    if command == "journal":
        return [f"{c.at:%Y-%m-%d %H:%M} {c.actor}: {c.summary}" for c in await changes(session, args.limit)]
    raise DirectoryError(f"Commande inconnue : {command}")
