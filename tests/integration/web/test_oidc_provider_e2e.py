"""Issue 20 item 1: sign-in end to end against a real OIDC provider over https (``tests/fixtures/oidc.py``:
oidc-provider-mock, run as its own process, configured like the shipped realm).

The app presents ``COORDINATION_OIDC_CLIENT_ID`` (``coordination-web``) as its client, the provider checks
the PKCE verifier, the ID token's audience is the client and the access token's the API's
(``coordination``): the browser ends signed in on its home page. A wrong verifier is refused by the
provider, and a provider that does not answer gives a 503 with a neutral French message.
"""

from __future__ import annotations

import base64
import json
import ssl
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar.testing import AsyncTestClient

from coordination.directory.models import OrganisationKind, Role
from coordination.web.oidc import FLOW_COOKIE
from tests.fixtures.apps import app_for
from tests.fixtures.world import make_world


@pytest.fixture
async def signed_up(database, settings, oidc_provider):
    """The shared world's shape with one Forem referent in Namur, known to the provider by her user id."""
    world = await make_world(
        database, settings, {"forem": ("Le Forem – Namur", OrganisationKind.FOREM)},
        {"sophie": ("Sophie Lambert", Role.FOREM_REFERENT, "forem")}, bassin="Namur", subject_prefix="",
    )  # fmt: skip
    org, user = world.orgs["forem"], world.users["sophie"]
    oidc_provider.put_user(
        str(user.id),
        {"name": "Sophie Lambert", "role": "forem_referent", "org": str(org.id), "org_kind": "forem"},
    )
    return user


@pytest.fixture
async def web(settings, database, oidc_provider, monkeypatch, built_apps):
    """A client of the app signing in with the provider: built once per run for its settings (the
    provider's, one per run), given this test's state (as the ``app`` fixture does)."""
    monkeypatch.setenv(
        "SSL_CERT_FILE", str(oidc_provider.cert_file)
    )  # trust the provider like an internal CA
    with_provider = settings.replace(
        oidc_issuer=oidc_provider.issuer,
        oidc_jwks_url=oidc_provider.jwks_url,
        oidc_client_id=oidc_provider.client_id,
        oidc_audience=oidc_provider.audience,
    )
    async with AsyncTestClient(app=app_for(built_apps, with_provider, database=database)) as client:
        yield client


def cookie(response, name: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        key, _, rest = header.partition("=")
        if key == name:
            return rest.split(";", 1)[0]
    raise AssertionError(f"no {name} cookie in {response.headers.get_list('set-cookie')}")


def sign_in_at_provider(authorize_url: str, sub: str, cert_file) -> dict[str, str]:
    """What the person does at the provider: open its page, choose the account; returns the callback query."""
    with httpx.Client(verify=ssl.create_default_context(cafile=str(cert_file)), timeout=10) as idp:
        assert idp.get(authorize_url).status_code == 200
        answer = idp.post(authorize_url, data={"sub": sub})
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    assert back.path == "/connexion/retour"
    return {k: v[0] for k, v in parse_qs(back.query).items()}


async def start(web, oidc_provider) -> tuple[str, str]:
    response = await web.get("/connexion", follow_redirects=False)
    assert response.status_code in (302, 303), response.text
    authorize_url = response.headers["location"]
    query = parse_qs(urlsplit(authorize_url).query)
    assert authorize_url.startswith(oidc_provider.issuer)
    assert query["client_id"] == ["coordination-web"] and query["code_challenge_method"] == ["S256"]
    return authorize_url, cookie(response, FLOW_COOKIE)


async def test_code_and_pkce_sign_in_against_a_real_provider(web, oidc_provider, signed_up):
    authorize_url, _flow = await start(web, oidc_provider)
    callback = sign_in_at_provider(authorize_url, str(signed_up.id), oidc_provider.cert_file)
    response = await web.get("/connexion/retour", params=callback, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/"
    token = cookie(response, "coordination_token")
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["aud"] == "coordination" and claims["azp"] == "coordination-web"
    web.cookies.clear()
    web.cookies.set("coordination_token", token)
    home = await web.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] != "/connexion"  # signed in, not looped back
    assert home.headers["location"] == "/portefeuille"  # a referent's home
    page = await web.get("/notifications")  # any signed-in page: the header names the person
    assert page.status_code == 200, page.text[:500]
    assert "Sophie Lambert" in page.text


async def test_a_wrong_pkce_verifier_is_refused_by_the_provider(web, oidc_provider, signed_up):
    authorize_url, flow = await start(web, oidc_provider)
    callback = sign_in_at_provider(authorize_url, str(signed_up.id), oidc_provider.cert_file)
    state, nonce, _verifier, next_path = json.loads(base64.urlsafe_b64decode(flow + "=" * (-len(flow) % 4)))
    forged = (
        base64.urlsafe_b64encode(json.dumps([state, nonce, "x" * 64, next_path]).encode())
        .rstrip(b"=")
        .decode()
    )
    web.cookies.clear()
    web.cookies.set(FLOW_COOKIE, forged)
    response = await web.get("/connexion/retour", params=callback, follow_redirects=False)
    assert response.status_code == 400
    assert "recommencez" in response.text
    assert "coordination_token" not in response.headers.get("set-cookie", "")


async def test_an_unreachable_provider_is_a_neutral_503(settings, database, unused_tcp_port):
    from coordination.app import create_app

    app = create_app(
        settings.replace(
            oidc_issuer=f"https://127.0.0.1:{unused_tcp_port}", oidc_client_id="coordination-web"
        ),
        database=database,
    )
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/connexion", follow_redirects=False)
        assert response.status_code == 503
        assert "ne répond pas" in response.text
        token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ4In0.c2ln"  # {"alg":"RS256","kid":"k1"}
        api = await client.get("/api/v1/persons", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 503, api.text
        assert (
            api.json()["detail"]
            == "Le fournisseur d'identité ne répond pas : réessayez dans quelques instants."
        )
