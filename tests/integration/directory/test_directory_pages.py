"""Issue 20 item 8 from the web interface: an administrator manages the directory through ``/annuaire``
(organisations, accounts, roles, deactivation), every change journaled with who and when and shown to
administrators; refusals are French 422s that keep what was typed and change nothing; only administrators
reach the pages; a deactivated account is refused on its next request (pages and API)."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import func, select

from coordination.directory.admin import DirectoryChange
from coordination.directory.models import Organisation, OrganisationKind, Role, User
from tests.fixtures.world import make_world
from tests.integration.web.conftest import form_token, sign_in

PAGE = "/annuaire"


async def _world(database, settings) -> dict[str, User]:
    """The shared world with a Forem office, an administrator, a referent and a DPO, signed in by subject."""
    world = await make_world(
        database, settings, {"forem": ("Le Forem", OrganisationKind.FOREM)},
        {"admin": ("Alice Admin", Role.ADMIN, None),
         "referente": ("Rita Référente", Role.FOREM_REFERENT, "forem"),
         "dpo": ("Denis DPO", Role.DPO, None)},
        bassin=None, subject_prefix="",
    )  # fmt: skip
    return world.users


async def _counts(database) -> tuple[int, int, int]:
    async with database.sessionmaker() as session:
        return (
            await session.scalar(select(func.count()).select_from(Organisation)),
            await session.scalar(select(func.count()).select_from(User)),
            await session.scalar(select(func.count()).select_from(DirectoryChange)),
        )


async def test_administrator_creates_organisation_and_account_changes_role_and_deactivates(
    client, database, settings
):
    users = await _world(database, settings)
    await sign_in(client, "admin")
    home = unescape((await client.get(PAGE)).text)
    assert "Annuaire" in home and "Rita Référente" in home
    assert 'href="/annuaire"' in home  # in the administrator's navigation

    token = await form_token(client, PAGE)
    made = await client.post(
        f"{PAGE}/organisations",
        data={"csrf_token": token, "name": "CPAS de Namur", "kind": "cpas", "bassin": "Namur",
              "bce": "0212.345.668"},
        follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303, made.text
    confirmed = unescape((await client.get(made.headers["location"])).text)
    assert "L'organisation est créée." in confirmed and "CPAS de Namur" in confirmed
    async with database.sessionmaker() as session:
        cpas = await session.scalar(select(Organisation).where(Organisation.name == "CPAS de Namur"))
    assert cpas.kind is OrganisationKind.CPAS and cpas.bce_number == "0212345668"

    created = await client.post(
        f"{PAGE}/utilisateurs",
        data={"csrf_token": token, "subject": "m.dubois", "display_name": "Marc Dubois",
              "role": "cpas_social_worker", "organisation": str(cpas.id), "email": "m.dubois@cpas.example"},
        follow_redirects=False,
    )  # fmt: skip
    assert created.status_code == 303, created.text
    assert "Le compte est créé" in unescape((await client.get(created.headers["location"])).text)
    async with database.sessionmaker() as session:
        marc = await session.scalar(select(User).where(User.subject == "m.dubois"))
    assert marc.role is Role.CPAS_SOCIAL_WORKER and marc.organisation_id == cpas.id

    rita = users["referente"]
    changed = await client.post(
        f"{PAGE}/utilisateurs/{rita.id}/role",
        data={"csrf_token": token, "role": "forem_eadviser", "organisation": ""},
        follow_redirects=False,
    )
    assert changed.status_code == 303, changed.text
    assert "Le rôle est modifié" in unescape((await client.get(changed.headers["location"])).text)

    off = await client.post(
        f"{PAGE}/utilisateurs/{rita.id}/activation",
        data={"csrf_token": token, "active": "non", "reason": "Départ du service"},
        follow_redirects=False,
    )
    assert off.status_code == 303, off.text
    shown = unescape((await client.get(off.headers["location"])).text)
    assert "Le compte est désactivé" in shown and "désactivé le" in shown

    journal = unescape((await client.get(f"{PAGE}/journal")).text)
    for expected in (
        "Organisation « CPAS de Namur » (cpas) créée.",
        "Utilisateur « Marc Dubois » créé, rôle cpas_social_worker à CPAS de Namur.",
        "Rôle de « Rita Référente » : forem_referent → forem_eadviser.",
        "Compte de « Rita Référente » désactivé. Motif : Départ du service",
    ):
        assert expected in journal
    async with database.sessionmaker() as session:
        rows = (await session.scalars(select(DirectoryChange).order_by(DirectoryChange.at))).all()
    assert [r.action for r in rows] == [
        "organisation_created", "user_created", "user_role_changed", "user_deactivated"
    ]  # fmt: skip
    assert all(r.actor == f"Alice Admin [{users['admin'].id}]" and r.at is not None for r in rows)

    # the deactivated account is refused on its next request, page and API alike
    await sign_in(client, "referente")
    assert (await client.get("/notifications", follow_redirects=False)).status_code == 303
    api = await client.get("/api/v1/persons")  # the cookie, as the pages send it
    assert api.status_code == 401

    await sign_in(client, "admin")
    token = await form_token(client, PAGE)
    on = await client.post(
        f"{PAGE}/utilisateurs/{rita.id}/activation",
        data={"csrf_token": token, "active": "oui"},
        follow_redirects=False,
    )
    assert on.status_code == 303 and "Le compte est réactivé" in unescape(
        (await client.get(on.headers["location"])).text
    )
    await sign_in(client, "referente")
    assert (await client.get("/notifications", follow_redirects=False)).status_code == 200


@pytest.mark.parametrize(
    ("path", "data", "reason", "kept"),
    [
        ("organisations", {"name": "", "kind": "cpas"}, "Le nom de l'organisation est obligatoire.", None),
        ("organisations", {"name": "CPAS d'Andenne", "kind": "cpas", "bce": "0212.345.679"},
         "la clé de contrôle (modulo 97) ne correspond pas", "CPAS d&#39;Andenne"),
        ("organisations", {"name": "X" * 201, "kind": "partner"}, "dépasse 200 caractères", None),
        ("organisations", {"name": "Nouvelle", "kind": "ministère"}, "Type d'organisation inconnu", None),
        ("utilisateurs", {"subject": "referente", "display_name": "Doublon", "role": "dpo"},
         "L'identifiant de connexion « referente » est déjà utilisé.", "Doublon"),
        ("utilisateurs", {"subject": "nouveau", "display_name": "Nina Nouvelle", "role": "forem_referent"},
         "appartient à une organisation", "Nina Nouvelle"),
        ("utilisateurs", {"subject": "nouveau", "display_name": "Nina", "role": "chef"}, "Rôle inconnu", None),
        ("utilisateurs", {"subject": "b", "display_name": "Bene", "role": "beneficiary"},
         "par son propre compte", None),
    ],
)  # fmt: skip
async def test_refusals_are_french_keep_the_values_and_change_nothing(
    client, database, settings, path, data, reason, kept
):
    await _world(database, settings)
    await sign_in(client, "admin")
    before = await _counts(database)
    token = await form_token(client, PAGE)
    refused = await client.post(f"{PAGE}/{path}", data={"csrf_token": token, **data})
    assert refused.status_code == 422
    assert reason in unescape(refused.text)
    assert 'role="alert"' in refused.text
    if kept:
        assert f'value="{kept}"' in refused.text
    assert await _counts(database) == before


async def test_a_role_that_does_not_fit_the_organisation_is_refused(client, database, settings):
    users = await _world(database, settings)
    await sign_in(client, "admin")
    token = await form_token(client, PAGE)
    before = await _counts(database)
    refused = await client.post(
        f"{PAGE}/utilisateurs/{users['referente'].id}/role",
        data={"csrf_token": token, "role": "cpas_social_worker", "organisation": ""},
    )
    assert refused.status_code == 422
    assert "s'exerce dans une organisation de type cpas" in unescape(refused.text)
    no_reason = await client.post(
        f"{PAGE}/utilisateurs/{users['referente'].id}/activation",
        data={"csrf_token": token, "active": "non", "reason": "  "},
    )
    assert no_reason.status_code == 422 and "Le motif est obligatoire." in unescape(no_reason.text)
    myself = await client.post(
        f"{PAGE}/utilisateurs/{users['admin'].id}/activation",
        data={"csrf_token": token, "active": "non", "reason": "test"},
    )
    assert myself.status_code == 422 and "votre propre compte" in unescape(myself.text)
    assert await _counts(database) == before


async def test_only_administrators_reach_the_directory(client, database, settings):
    users = await _world(database, settings)
    anonymous = await client.get(PAGE, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/connexion")
    for subject in ("referente", "dpo"):
        await sign_in(client, subject)
        assert 'href="/annuaire"' not in (await client.get("/", follow_redirects=True)).text
        for method, path in [
            ("GET", PAGE),
            ("GET", f"{PAGE}/journal"),
            ("POST", f"{PAGE}/organisations"),
            ("POST", f"{PAGE}/utilisateurs"),
            ("POST", f"{PAGE}/utilisateurs/{users['admin'].id}/role"),
            ("POST", f"{PAGE}/utilisateurs/{users['admin'].id}/activation"),
        ]:
            token = client.cookies.get("coordination_csrf") or ""
            data = {"csrf_token": token, "name": "Pirate", "kind": "partner", "subject": "p",
                    "display_name": "P", "role": "admin", "active": "non", "reason": "x"}  # fmt: skip
            answer = await client.request(method, path, data=data if method == "POST" else None)
            assert answer.status_code == 403, (subject, method, path, answer.status_code)
            assert "réservé aux administrateurs" in unescape(answer.text)
    assert await _counts(database) == (1, 3, 0)


async def test_a_forged_post_without_the_csrf_token_changes_nothing(client, database, settings):
    await _world(database, settings)
    await sign_in(client, "admin")
    forged = await client.post(f"{PAGE}/organisations", data={"name": "Forgée", "kind": "partner"})
    assert forged.status_code == 403
    assert await _counts(database) == (1, 3, 0)


async def test_a_role_changed_in_the_directory_counts_from_the_next_request(client, database, settings):
    """The token still says « forem_referent »; the directory now says otherwise: refused until a new
    sign-in brings a token with the new role (the identity provider's attribute changed with it)."""
    from coordination.directory import admin

    users = await _world(database, settings)
    await sign_in(client, "referente")
    assert (await client.get("/notifications", follow_redirects=False)).status_code == 200
    async with database.sessionmaker() as session:
        await admin.set_role(
            session,
            "Alice Admin",
            user_ref=str(users["referente"].id),
            role="forem_eadviser",
            organisation=None,
        )
        await session.commit()
    assert (await client.get("/notifications", follow_redirects=False)).status_code == 303
    refused = await client.get("/api/v1/persons")
    assert refused.status_code == 401 and refused.json()["type"].endswith("/directory-changed")
    assert "reconnectez-vous" in refused.json()["detail"]
    await sign_in(client, "referente")  # a new token, with the directory's role
    assert (await client.get("/notifications", follow_redirects=False)).status_code == 200
