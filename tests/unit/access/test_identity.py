"""Token verification: every attack listed in issue 3 is a 401 with a French detail, good tokens pass."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta
from types import SimpleNamespace
from uuid import uuid4

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwk, jwt

from coordination.access.identity import (
    DEV_ISSUER,
    DevIssuer,
    InvalidToken,
    JwksKeys,
    TokenVerifier,
    build_identity_from_settings,
)
from coordination.directory.models import OrganisationKind, Role
from coordination.settings import Settings

AUD = "coordination"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def user(**kw):
    base = dict(
        id=uuid4(),
        display_name="Marie Dupont",
        role=Role.FOREM_REFERENT,
        organisation_id=uuid4(),
        organisation_kind=OrganisationKind.FOREM,
        team=None,
        person_id=None,
    )
    base.update(kw)
    return SimpleNamespace(**base)


@pytest.fixture(scope="module")
def issuer() -> DevIssuer:
    return DevIssuer(ec.generate_private_key(ec.SECP256R1()), AUD)


@pytest.fixture(scope="module")
def verifier(issuer) -> TokenVerifier:
    return TokenVerifier(issuer.key_source(), AUD)


def forge(header: dict, claims: dict, signature: bytes = b"") -> str:
    head = b64u(json.dumps(header).encode())
    body = b64u(json.dumps(claims).encode())
    return f"{head}.{body}.{b64u(signature)}"


def good_claims(issuer: DevIssuer, **over) -> dict:
    now = int(time.time())
    claims = {"iss": DEV_ISSUER, "aud": AUD, "exp": now + 600, "iat": now, "sub": str(uuid4())}
    claims.update({"role": "forem_referent", "org": str(uuid4()), "org_kind": "forem", "name": "X"})
    claims.update(over)
    return claims


async def test_valid_token_gives_principal(issuer, verifier):
    u = user(team="grappe-construction")
    principal = await verifier.verify(issuer.issue(u))
    assert principal.user_id == u.id
    assert principal.role is Role.FOREM_REFERENT
    assert principal.organisation_id == u.organisation_id
    assert principal.organisation_kind is OrganisationKind.FOREM
    assert principal.team == "grappe-construction"
    assert principal.person_id is None


async def test_beneficiary_token_carries_person(issuer, verifier):
    pid = uuid4()
    u = user(role=Role.BENEFICIARY, organisation_id=None, organisation_kind=None, person_id=pid)
    principal = await verifier.verify(issuer.issue(u))
    assert principal.person_id == pid and principal.is_beneficiary


async def expect_401(verifier, token, code=None):
    with pytest.raises(InvalidToken) as info:
        await verifier.verify(token)
    assert info.value.status == 401
    assert info.value.detail  # French sentence
    if code:
        assert info.value.code == code
    return info.value


async def test_alg_none(issuer, verifier):
    token = forge({"alg": "none", "typ": "JWT", "kid": issuer.kid}, good_claims(issuer))
    await expect_401(verifier, token, "algorithm-refused")


async def test_alg_none_variants(issuer, verifier):
    for alg in ("None", "NONE", "nOnE", "", None):
        await expect_401(verifier, forge({"alg": alg, "kid": issuer.kid}, good_claims(issuer)))


async def test_hmac_signed_with_public_key(issuer, verifier):
    """The classic key confusion: HS256 keyed with the public key (PEM and JWK forms)."""
    claims = good_claims(issuer)
    pem = (
        jwk.construct(issuer.public_jwk, "ES256").public_key().to_pem()
        if hasattr(jwk.construct(issuer.public_jwk, "ES256"), "to_pem")
        else b""
    )
    for secret in (pem, json.dumps(issuer.public_jwk).encode()):
        for alg, digest in (("HS256", hashlib.sha256), ("HS384", hashlib.sha384), ("HS512", hashlib.sha512)):
            unsigned = forge({"alg": alg, "typ": "JWT", "kid": issuer.kid}, claims).rsplit(".", 1)[0]
            sig = hmac.new(secret, unsigned.encode(), digest).digest()
            await expect_401(verifier, f"{unsigned}.{b64u(sig)}", "algorithm-refused")


async def test_wrong_kid(issuer, verifier):
    other = DevIssuer(ec.generate_private_key(ec.SECP256R1()), AUD)
    await expect_401(verifier, other.issue(user()), "unknown-key")
    # right key, kid removed or renamed
    token = issuer.issue(user())
    head, body, sig = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=="))
    for kid in ("nope", None, 42):
        header["kid"] = kid
        await expect_401(verifier, f"{b64u(json.dumps(header).encode())}.{body}.{sig}")


async def test_signed_by_another_key_with_our_kid(issuer, verifier):
    other = DevIssuer(ec.generate_private_key(ec.SECP256R1()), AUD)
    other.kid = issuer.kid
    await expect_401(verifier, other.issue(user()), "invalid-signature")


async def test_tampered_signature_and_payload(issuer, verifier):
    token = issuer.issue(user())
    head, body, sig = token.split(".")
    flipped = sig[:-4] + ("AAAA" if not sig.endswith("AAAA") else "BBBB")
    await expect_401(verifier, f"{head}.{body}.{flipped}", "invalid-signature")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["role"] = "dpo"
    await expect_401(verifier, f"{head}.{b64u(json.dumps(claims).encode())}.{sig}", "invalid-signature")


async def test_expired_beyond_leeway(issuer, verifier):
    now = int(time.time())
    token = issuer.issue(user(), exp=now - 120, iat=now - 600, nbf=now - 600)
    await expect_401(verifier, token, "token-expired")


async def test_expired_within_leeway_accepted(issuer, verifier):
    now = int(time.time())
    token = issuer.issue(user(), exp=now - 10, iat=now - 600, nbf=now - 600)
    assert await verifier.verify(token)


async def test_not_yet_valid(issuer, verifier):
    now = int(time.time())
    await expect_401(verifier, issuer.issue(user(), nbf=now + 600, iat=now), "invalid-claims")


async def test_wrong_issuer(issuer, verifier):
    await expect_401(verifier, issuer.issue(user(), iss="https://evil.example"), "invalid-claims")


async def test_wrong_audience(issuer, verifier):
    await expect_401(verifier, issuer.issue(user(), aud="another-app"), "invalid-claims")


async def test_required_claims_missing(issuer, verifier):
    for missing in ("iss", "aud", "exp"):
        token = issuer.issue(user(), **{missing: None})
        await expect_401(verifier, token)


async def test_malformed(verifier):
    for token in ("", "abc", "a.b", "a.b.c", "....", "ü.ü.ü", "x" * 9000, "eyJhbGciOiJFUzI1NiJ9.%%%.abc"):
        await expect_401(verifier, token)


async def test_bad_claims_are_401(issuer, verifier):
    await expect_401(verifier, issuer.issue(user(), role="superuser"))
    await expect_401(verifier, issuer.issue(user(), sub="not-a-uuid"))
    await expect_401(verifier, issuer.issue(user(), org_kind="bank"))
    await expect_401(
        verifier, issuer.issue(user(role=Role.BENEFICIARY, organisation_id=None, organisation_kind=None))
    )
    await expect_401(verifier, issuer.issue(user(), person_id=str(uuid4())))


# --- production JWKS ------------------------------------------------------------------------------


def rsa_setup(kid="k1"):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = jwk.construct(pem.decode(), "RS256").public_key().to_dict()
    public.update(kid=kid, use="sig", alg="RS256")
    public = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in public.items()}
    return pem.decode(), public


def test_jwks_must_be_https():
    with pytest.raises(ValueError):
        JwksKeys("http://idp", "http://idp/certs")


async def test_jwks_rs256_and_rotation():
    issuer_url = "https://idp.example/realms/coordination"
    pem1, pub1 = rsa_setup("k1")
    pem2, pub2 = rsa_setup("k2")
    served = {"keys": [pub1]}
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(200, json=served)

    clock = [1000.0]
    keys = JwksKeys(
        issuer_url,
        issuer_url + "/protocol/openid-connect/certs",
        transport=httpx.MockTransport(handler),
        clock=lambda: clock[0],
    )
    verifier = TokenVerifier(keys, AUD)
    claims = {
        "iss": issuer_url,
        "aud": AUD,
        "exp": int(time.time()) + 300,
        "sub": str(uuid4()),
        "role": "regulator",
        "org": str(uuid4()),
        "org_kind": "regulator",
        "name": "R",
    }
    tok1 = jwt.encode(claims, pem1, algorithm="RS256", headers={"kid": "k1"})
    assert (await verifier.verify(tok1)).role is Role.REGULATOR
    assert (await verifier.verify(tok1)).role is Role.REGULATOR
    assert len(calls) == 1  # cached

    # rotation: unknown kid → one refetch (after the minimum interval), then accepted
    served["keys"] = [pub1, pub2]
    tok2 = jwt.encode(claims, pem2, algorithm="RS256", headers={"kid": "k2"})
    await expect_401(verifier, tok2, "unknown-key")  # too soon after the first fetch
    clock[0] += 61
    assert await verifier.verify(tok2)
    assert len(calls) == 2
    # garbage kids do not cause a fetch storm
    for _ in range(5):
        await expect_401(verifier, jwt.encode(claims, pem2, algorithm="RS256", headers={"kid": "zz"}))
    assert len(calls) == 2

    # an RSA key announced as ES256 is refused (key family must match alg)
    _head, _body, sig = tok1.split(".")
    bad = forge({"alg": "ES256", "kid": "k1"}, claims, b"x" * 64)
    await expect_401(verifier, bad, "key-mismatch")
    # HS256 keyed with the RSA public key (PEM) is refused before any key is used
    pub_pem = jwk.construct(pub1, "RS256").to_pem()
    unsigned = forge({"alg": "HS256", "kid": "k1"}, claims).rsplit(".", 1)[0]
    sig = hmac.new(pub_pem, unsigned.encode(), hashlib.sha256).digest()
    await expect_401(verifier, f"{unsigned}.{b64u(sig)}", "algorithm-refused")


async def test_jwks_unreachable_is_503_neither_401_nor_500():
    """Issue 20: an identity-provider outage is not the caller's fault ("clé inconnue" sent people to
    sign in again): a 503 with a neutral French detail."""
    from coordination.errors import ProblemError

    def handler(request):
        return httpx.Response(503)

    keys = JwksKeys("https://idp", "https://idp/certs", transport=httpx.MockTransport(handler))
    verifier = TokenVerifier(keys, AUD)
    _, _pub = rsa_setup()
    with pytest.raises(ProblemError) as refused:
        await verifier.verify(forge({"alg": "RS256", "kid": "k1"}, {"iss": "https://idp"}, b"s"))
    assert refused.value.status == 503
    assert (
        refused.value.detail == "Le fournisseur d'identité ne répond pas : réessayez dans quelques instants."
    )


def test_identity_from_settings(tmp_path):
    dev = build_identity_from_settings(Settings(env="test", var_dir=tmp_path))
    assert dev.dev_issuer is not None
    prod_like = build_identity_from_settings(
        Settings(env="test", var_dir=tmp_path, oidc_issuer="https://idp.example/realms/x")
    )
    assert prod_like.dev_issuer is None
    assert prod_like.verifier.keys.jwks_url == "https://idp.example/realms/x/protocol/openid-connect/certs"
    with pytest.raises(RuntimeError):
        DevIssuer.from_settings(Settings(env="production", var_dir=tmp_path))


def test_dev_token_ttl(issuer):
    token = issuer.issue(user(), ttl=timedelta(minutes=5))
    claims = jwt.get_unverified_claims(token)
    assert claims["exp"] - claims["iat"] == 300
    assert jwt.get_unverified_header(token)["alg"] == "ES256"
