from __future__ import annotations

from coordination.access.auth import TOKEN_COOKIE
from coordination.web.csrf import CSRF_COOKIE
from tests.integration.web.conftest import csrf_from, sign_in


async def test_dev_sign_in_page_lists_demo_users(client, directory):
    response = await client.get("/connexion")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="fr">' in html
    assert "Aller au contenu principal" in html
    assert "Se connecter comme Sophie Lambert" in html
    assert "Régulateur régional" in html
    assert "Content-Security-Policy" in response.headers or "content-security-policy" in response.headers


async def test_sign_in_sets_httponly_lax_cookie_and_sign_out_clears_it(client, directory):
    page = await client.get("/connexion")
    response = await client.post(
        "/connexion",
        data={"csrf_token": csrf_from(page.text), "subject": "sophie", "suivant": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    set_cookie = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    session = next(c for c in set_cookie if c.startswith(TOKEN_COOKIE + "="))
    assert "HttpOnly" in session and "SameSite=lax" in session.replace("Lax", "lax")
    home = await client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/portefeuille"
    token = csrf_from((await client.get("/connexion")).text)
    out = await client.post("/deconnexion", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert (await client.get("/", follow_redirects=False)).headers["location"] == "/connexion"


async def test_sign_in_without_csrf_token_is_refused(client, directory):
    await client.get("/connexion")  # the CSRF cookie is set
    response = await client.post("/connexion", data={"subject": "sophie"})
    assert response.status_code == 403
    assert "formulaire a expiré" in response.text
    assert TOKEN_COOKIE not in response.headers.get("set-cookie", "")


async def test_sign_in_with_a_forged_token_is_refused(client, directory):
    await client.get("/connexion")
    client.cookies.set(CSRF_COOKIE, "A" * 43)
    response = await client.post("/connexion", data={"subject": "sophie", "csrf_token": "B" * 43})
    assert response.status_code == 403


async def test_next_path_must_be_local(client, directory):
    page = await client.get("/connexion")
    response = await client.post(
        "/connexion",
        data={"csrf_token": csrf_from(page.text), "subject": "regis", "suivant": "//evil.example/x"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


async def test_unknown_user_is_a_french_error_page(client, directory):
    page = await client.get("/connexion")
    response = await client.post(
        "/connexion", data={"csrf_token": csrf_from(page.text), "subject": "mallory"}
    )
    assert response.status_code == 400
    assert "Utilisateur de démonstration inconnu" in response.text
    assert "Traceback" not in response.text


async def test_signed_in_user_is_shown_in_header(client, directory):
    await sign_in(client, "regis")
    page = await client.get("/connexion")
    assert "Régis Lemaire" in page.text
