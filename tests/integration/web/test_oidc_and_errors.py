"""Production sign-in (OIDC code flow + PKCE) without an identity provider: the redirect, the state and
nonce checks; the development login's absence in production; error pages; CSRF on every web form."""

from __future__ import annotations

import base64
import json
import re
import time
from html import unescape
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from litestar.testing import AsyncTestClient

from coordination.web.oidc import FLOW_COOKIE, FlowState, OidcClient, check_id_token, code_challenge
from tests.integration.web.conftest import sign_in

ISSUER = "https://idp.example/realms/wallonie"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _id_token(**claims) -> str:
    return f"{_b64({'alg': 'RS256'})}.{_b64(claims)}.c2ln"


def _provider(token_response: dict | None = None, seen: list | None = None) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(
                200,
                json={
                    "authorization_endpoint": ISSUER + "/protocol/openid-connect/auth",
                    "token_endpoint": ISSUER + "/protocol/openid-connect/token",
                    "end_session_endpoint": ISSUER + "/protocol/openid-connect/logout",
                },
            )
        if request.url.path.endswith("/token"):
            if seen is not None:
                seen.append(parse_qs(request.content.decode()))
            return httpx.Response(200, json=token_response or {})
        return httpx.Response(404)

    return httpx.MockTransport(handler)


@pytest.fixture
def oidc_app(app, settings):
    from coordination.access.identity import Identity, StaticKeys, TokenVerifier

    # The test's app, built on the embedded settings (once per run: tests/integration/conftest.py), then
    # switched to production-like ones: create_app with an https issuer cannot be built in this test
    # process today (see the report: JwksKeys' lock is deep-copied).
    prod_like = settings.replace(oidc_issuer=ISSUER, env="production")
    app.state.settings = prod_like
    app.state.identity = Identity(TokenVerifier(StaticKeys(ISSUER, []), prod_like.oidc_audience), None)
    return app


async def test_sign_in_redirects_to_the_provider_with_pkce_state_and_nonce(oidc_app):
    oidc_app.state["web_oidc"] = OidcClient(ISSUER, "coordination", transport=_provider())
    async with AsyncTestClient(app=oidc_app) as client:
        response = await client.get("/connexion?suivant=/portefeuille", follow_redirects=False)
    assert response.status_code == 303
    target = urlparse(response.headers["location"])
    assert target.netloc == "idp.example" and target.path.endswith("/protocol/openid-connect/auth")
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["response_type"] == "code" and query["client_id"] == "coordination"
    assert query["code_challenge_method"] == "S256"
    assert query["redirect_uri"].endswith("/connexion/retour")
    cookie = response.cookies.get(FLOW_COOKIE)
    flow = FlowState.decode(cookie)
    assert flow is not None and flow.next_path == "/portefeuille"
    assert query["state"] == flow.state and query["nonce"] == flow.nonce
    assert query["code_challenge"] == code_challenge(flow.verifier)
    assert flow.verifier not in response.headers["location"]
    set_cookie = response.headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "Path=/connexion" in set_cookie


async def test_callback_with_a_wrong_state_is_refused(oidc_app):
    oidc_app.state["web_oidc"] = OidcClient(ISSUER, "coordination", transport=_provider())
    flow = FlowState.new("/")
    async with AsyncTestClient(app=oidc_app) as client:
        client.cookies.set(FLOW_COOKIE, flow.encode())
        response = await client.get("/connexion/retour", params={"code": "abc", "state": "forged"})
    assert response.status_code == 400
    assert "ne correspond pas à votre demande de connexion" in unescape(response.text)


async def test_callback_without_the_flow_cookie_is_refused(oidc_app):
    async with AsyncTestClient(app=oidc_app) as client:
        response = await client.get("/connexion/retour", params={"code": "abc", "state": "x"})
    assert response.status_code == 400
    assert "La connexion a expiré" in unescape(response.text)


async def test_code_exchange_sends_the_verifier_and_checks_the_nonce(oidc_app):
    seen: list = []
    token = _id_token(iss=ISSUER, aud="coordination", exp=time.time() + 300, nonce="another-nonce")
    oidc_app.state["web_oidc"] = OidcClient(
        ISSUER, "coordination", transport=_provider({"access_token": "a.b.c", "id_token": token}, seen)
    )
    flow = FlowState.new("/")
    async with AsyncTestClient(app=oidc_app) as client:
        client.cookies.set(FLOW_COOKIE, flow.encode())
        response = await client.get("/connexion/retour", params={"code": "the-code", "state": flow.state})
    assert seen and seen[0]["code_verifier"] == [flow.verifier] and seen[0]["code"] == ["the-code"]
    assert seen[0]["grant_type"] == ["authorization_code"]
    assert response.status_code == 400
    assert "nonce" in unescape(response.text)


def test_id_token_checks():
    now = time.time()
    good = {"iss": ISSUER, "aud": "coordination", "exp": now + 60, "nonce": "n"}
    check_id_token(good, issuer=ISSUER, client_id="coordination", nonce="n", now=now)
    for bad in (
        {**good, "iss": "https://evil.example"},
        {**good, "aud": "other"},
        {**good, "aud": ["coordination", "other"]},  # several audiences need azp = us
        {**good, "exp": now - 3600},
        {**good, "nonce": "m"},
    ):
        with pytest.raises(Exception, match="refusée"):
            check_id_token(bad, issuer=ISSUER, client_id="coordination", nonce="n", now=now)
    assert code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == (
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # RFC 7636 appendix B
    )


async def test_development_login_does_not_exist_in_production(oidc_app):
    async with AsyncTestClient(app=oidc_app) as client:
        response = await client.post(
            "/connexion", data={"subject": "sophie"}, headers={"accept": "text/html"}
        )
    assert response.status_code == 404


async def test_unknown_page_is_a_french_html_page_for_a_browser(client):
    response = await client.get("/nulle-part", headers={"accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    html = unescape(response.text)
    assert '<html lang="fr">' in html and "Introuvable" in html and "Revenir à l'accueil" in html


async def test_api_errors_stay_problem_json(client):
    response = await client.get("/api/v1/nulle-part", headers={"accept": "text/html"})
    assert response.status_code in (401, 404)
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_unexpected_error_shows_no_stack_trace(client, demo, monkeypatch):
    from coordination.dossier.services import persons

    def boom(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(persons, "filtered_query", boom)
    await sign_in(client, "sophie")
    response = await client.get("/dossiers", params={"nom": "x"})
    assert response.status_code == 500
    html = unescape(response.text)
    assert "Erreur interne" in html
    assert "secret internal detail" not in html and "Traceback" not in html and "RuntimeError" not in html
    assert "Référence de l'incident" in html


def _web_post_routes(app) -> list[str]:
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if "POST" in (handler.http_methods or ()) and not route.path.startswith(("/api", "/health")):
                found.append(route.path)
    return sorted(set(found))


async def test_every_web_form_refuses_a_post_without_csrf_token(app, client, demo):
    paths = _web_post_routes(app)
    assert "/mon-espace/consentements" in paths and "/deconnexion" in paths
    await sign_in(client, "julie")
    fake = "0190a0a0-0000-7000-8000-000000000000"
    for path in paths:
        url = re.sub(r"\{[a-z_]+:uuid\}", fake, path)
        response = await client.post(url, data={"x": "1"})
        assert response.status_code == 403, (path, response.status_code)
        assert "formulaire a expiré" in unescape(response.text), path
