"""Production sign-in: OpenID Connect authorization-code flow with PKCE (S256), state and nonce.

1. ``/connexion`` builds a random ``state``, ``nonce`` and PKCE ``code_verifier``, keeps them in a short-lived
   HttpOnly cookie scoped to ``/connexion`` (:data:`FLOW_COOKIE`) and redirects to the provider's
   authorization endpoint with the S256 ``code_challenge``.
2. ``/connexion/retour`` refuses a callback whose ``state`` differs from the cookie's (login CSRF), exchanges
   the code with the ``code_verifier`` at the token endpoint (back channel, https only), checks the ID
   token's ``iss``, ``aud``, ``exp`` and ``nonce`` (OIDC Core 3.1.3.7: its signature may be trusted from the
   TLS back channel), then verifies the *access token* with the same verifier as the API (JWKS, ES256/RS256
   allow-list) before putting it in the session cookie.

The client is public (PKCE, no secret). Its id is ``settings.oidc_client_id`` (the realm's
``coordination-web``); the access tokens it obtains carry the API's audience (``settings.oidc_audience``,
added by the realm's audience mapper), which the API verifier checks: a client id is not an audience. Nothing here imports python-jose: the ID token's claims are read as JSON.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from coordination.errors import BadRequest, ServiceUnavailable

FLOW_COOKIE = "coordination_oidc"
FLOW_MAX_AGE = 600
"""Seconds a sign-in may take at the identity provider."""
SCOPES = "openid profile"
CLOCK_SKEW = 60


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def code_challenge(verifier: str) -> str:
    """RFC 7636 S256."""
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


@dataclass(frozen=True)
class FlowState:
    state: str
    nonce: str
    verifier: str
    next_path: str = "/"

    @classmethod
    def new(cls, next_path: str = "/") -> FlowState:
        return cls(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            verifier=secrets.token_urlsafe(64),  # 86 characters, within RFC 7636's 43–128
            next_path=next_path,
        )

    def encode(self) -> str:
        raw = json.dumps([self.state, self.nonce, self.verifier, self.next_path]).encode()
        return b64url(raw)

    @classmethod
    def decode(cls, value: str | None) -> FlowState | None:
        if not value or len(value) > 2048:
            return None
        try:
            padded = value + "=" * (-len(value) % 4)
            state, nonce, verifier, next_path = json.loads(base64.urlsafe_b64decode(padded))
        except (ValueError, TypeError):
            return None
        if not all(isinstance(v, str) and v for v in (state, nonce, verifier, next_path)):
            return None
        return cls(state, nonce, verifier, next_path)


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT received on the TLS back channel (its claims are checked by the caller)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, TypeError) as exc:
        raise BadRequest("Réponse du fournisseur d'identité illisible.", code="oidc-bad-token") from exc
    if not isinstance(claims, dict):
        raise BadRequest("Réponse du fournisseur d'identité illisible.", code="oidc-bad-token")
    return claims


def check_id_token(claims: dict[str, Any], *, issuer: str, client_id: str, nonce: str, now: float) -> None:
    """``iss``, ``aud`` (and ``azp`` when several audiences), ``exp`` and ``nonce`` of the ID token."""
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    problems = []
    if claims.get("iss") != issuer:
        problems.append("émetteur")
    if client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != client_id):
        problems.append("destinataire")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp + CLOCK_SKEW < now:
        problems.append("validité")
    if not same(claims.get("nonce"), nonce):
        problems.append("nonce")
    if problems:
        raise BadRequest(
            "La connexion a été refusée : la réponse du fournisseur d'identité ne correspond pas à cette "
            f"demande ({', '.join(problems)}). Recommencez la connexion.",
            code="oidc-id-token",
        )


class OidcClient:
    """Discovery, authorization URL and code exchange against one issuer."""

    def __init__(
        self, issuer: str, client_id: str, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        if not issuer.startswith("https://"):
            raise ValueError("L'émetteur OIDC doit être une adresse https.")
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._transport = transport
        self._metadata: dict[str, Any] | None = None
        self._fetched_at = 0.0

    async def _get_json(self, url: str) -> dict[str, Any]:
        async with httpx.AsyncClient(transport=self._transport, timeout=5.0, follow_redirects=False) as c:
            response = await c.get(url)
            response.raise_for_status()
            return response.json()

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None or time.monotonic() - self._fetched_at > 3600:
            try:
                data = await self._get_json(self.issuer + "/.well-known/openid-configuration")
            except (httpx.HTTPError, ValueError) as exc:
                raise ServiceUnavailable(
                    "Le fournisseur d'identité ne répond pas : réessayez dans quelques instants.",
                    code="oidc-unavailable",
                ) from exc
            for key in ("authorization_endpoint", "token_endpoint"):
                if not str(data.get(key, "")).startswith("https://"):
                    raise ServiceUnavailable(
                        "Configuration du fournisseur d'identité invalide.", code="oidc-unavailable"
                    )
            self._metadata = data
            self._fetched_at = time.monotonic()
        return self._metadata

    async def authorization_url(self, flow: FlowState, redirect_uri: str) -> str:
        meta = await self.metadata()
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": SCOPES,
            "state": flow.state,
            "nonce": flow.nonce,
            "code_challenge": code_challenge(flow.verifier),
            "code_challenge_method": "S256",
        }
        return meta["authorization_endpoint"] + "?" + urlencode(query)

    async def exchange(self, code: str, flow: FlowState, redirect_uri: str) -> dict[str, Any]:
        """Code + verifier → tokens; the ID token is checked against this flow's nonce."""
        meta = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self.client_id,
            "code_verifier": flow.verifier,
        }
        try:
            async with httpx.AsyncClient(
                transport=self._transport, timeout=10.0, follow_redirects=False
            ) as c:
                response = await c.post(meta["token_endpoint"], data=form)
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(
                "Le fournisseur d'identité ne répond pas : réessayez dans quelques instants.",
                code="oidc-unavailable",
            ) from exc
        if response.status_code != 200:
            raise BadRequest(
                "Le fournisseur d'identité a refusé la connexion (code expiré ou déjà utilisé) : recommencez.",
                code="oidc-token-refused",
            )
        tokens = response.json()
        if not tokens.get("access_token") or not tokens.get("id_token"):
            raise BadRequest("Réponse du fournisseur d'identité incomplète.", code="oidc-bad-token")
        check_id_token(
            unverified_claims(tokens["id_token"]),
            issuer=self.issuer,
            client_id=self.client_id,
            nonce=flow.nonce,
            now=time.time(),
        )
        return tokens

    async def logout_url(self, post_logout_redirect_uri: str) -> str | None:
        try:
            meta = await self.metadata()
        except ServiceUnavailable:
            return None
        endpoint = meta.get("end_session_endpoint")
        if not endpoint or not str(endpoint).startswith("https://"):
            return None
        query = {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        return endpoint + "?" + urlencode(query)


def client_for(app_state, settings) -> OidcClient:
    """One client per app (tests may put their own in ``state['web_oidc']``)."""
    client = app_state.get("web_oidc")
    if client is None:
        client = OidcClient(settings.oidc_issuer, settings.oidc_client_id)
        app_state["web_oidc"] = client
    return client
