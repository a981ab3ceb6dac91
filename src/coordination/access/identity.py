"""Bearer tokens → :class:`Principal`. The ONLY module of the code base that imports python-jose.

Why so strict: python-jose verifies whatever algorithm the token's header names unless told otherwise,
and when an HMAC algorithm is accepted, an RSA/EC *public* key can be used as the HMAC secret (key
confusion). So:

* the header's ``alg`` must be in :data:`ALLOWED_ALGORITHMS` (ES256, RS256) BEFORE anything else runs;
  the allow-list is also passed to ``jwt.decode`` (never an empty/absent list);
* the verification key is chosen by ``kid`` and must be of the family of ``alg`` (EC for ES256, RSA for
  RS256), constructed as a ``Key`` object for that algorithm, so it can never be read as a shared secret;
* ``iss``, ``aud`` and ``exp`` are required (``require_*`` options) with :data:`LEEWAY_SECONDS` of leeway;
  ``nbf`` is checked when present.

Where the keys come from:

* production (``settings.oidc_issuer`` set): the issuer's JWKS, at ``settings.oidc_jwks_url`` or
  ``<issuer>/protocol/openid-connect/certs`` (Keycloak), https only, cached, fetched again once when an
  unknown ``kid`` shows up but never more often than every :data:`JWKS_MIN_REFRESH_SECONDS`;
* embedded default: the development issuer (:class:`DevIssuer`), an ES256 key generated into
  ``<var_dir>/keys`` by :func:`coordination.keys.dev_issuer_key`, issuer :data:`DEV_ISSUER`.

Claims (the development issuer mints them; production Keycloak mappers emit the same names):

=============  ===============================================================================
``sub``        the user's id: a UUID, equal to ``users.id`` (provision Keycloak users with it)
``name``       display name
``role``       one of :class:`coordination.directory.models.Role` values (``forem_referent`` …)
``org``        organisation UUID (absent for a beneficiary)
``org_kind``   ``forem`` | ``cpas`` | ``partner`` | ``regulator``
``person_id``  for a beneficiary: the UUID of the person (file) they are
``team``       e-adviser team / sector cluster, optional
``iss``        issuer, ``aud`` audience (``settings.oidc_audience``), ``exp``/``iat``/``nbf`` times
=============  ===============================================================================

Every failure raises :class:`coordination.errors.ProblemError` 401 with a French detail; the reason is
never more specific than needed (no oracle for attackers) but stable codes help operators.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Protocol
from uuid import UUID

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwk, jwt
from jose.exceptions import ExpiredSignatureError, JOSEError, JWTClaimsError

from coordination.access.principal import Principal
from coordination.directory.models import OrganisationKind, Role
from coordination.errors import ProblemError
from coordination.settings import Settings

logger = logging.getLogger("coordination.access.identity")

ALLOWED_ALGORITHMS: tuple[str, ...] = ("ES256", "RS256")
"""The only signature algorithms accepted. Asymmetric only: a public key can never be a secret."""
_KEY_FAMILY = {"ES256": "EC", "RS256": "RSA"}
LEEWAY_SECONDS = 30
"""Clock skew tolerated on ``exp``/``nbf``/``iat``."""
DEV_ISSUER = "coordination-dev"
"""``iss`` of the development issuer (embedded default only)."""
JWKS_MIN_REFRESH_SECONDS = 60.0
"""An unknown ``kid`` triggers at most one JWKS fetch per this interval (no fetch storm on garbage)."""
JWKS_MAX_AGE_SECONDS = 3600.0
"""A cached JWKS is fetched again after this age even if every ``kid`` is known (key rotation)."""
MAX_TOKEN_LENGTH = 8192

CLAIM_SUBJECT = "sub"
CLAIM_NAME = "name"
CLAIM_ROLE = "role"
CLAIM_ORG = "org"
CLAIM_ORG_KIND = "org_kind"
CLAIM_PERSON = "person_id"
CLAIM_TEAM = "team"


class InvalidToken(ProblemError):
    """401 problem details; ``WWW-Authenticate: Bearer`` tells clients to fetch a new token."""

    def __init__(self, detail: str, code: str = "invalid-token") -> None:
        super().__init__(
            401,
            code,
            detail,
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _ec_public_jwk(key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = key.public_numbers()
    jwk_dict = {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64u(numbers.x.to_bytes(32, "big")),
        "y": _b64u(numbers.y.to_bytes(32, "big")),
    }
    # RFC 7638 thumbprint as the kid: stable for a key, changes when the key does.
    canonical = json.dumps(
        {k: jwk_dict[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True
    )
    jwk_dict["kid"] = _b64u(hashlib.sha256(canonical.encode()).digest())
    jwk_dict["alg"] = "ES256"
    jwk_dict["use"] = "sig"
    return jwk_dict


class KeySource(Protocol):
    """Where verification keys come from: ``kid`` → public JWK (a dict), or ``None`` if unknown."""

    issuer: str

    async def key_for(self, kid: str) -> Mapping[str, Any] | None: ...


class StaticKeys:
    """A fixed set of public JWKs (the development issuer, tests)."""

    def __init__(self, issuer: str, jwks: list[Mapping[str, Any]]) -> None:
        self.issuer = issuer
        self._keys = {k["kid"]: k for k in jwks if "kid" in k}

    async def key_for(self, kid: str) -> Mapping[str, Any] | None:
        return self._keys.get(kid)


class JwksKeys:
    """The production identity provider's JWKS, fetched over https, cached per process.

    Fetched at first use, again after :data:`JWKS_MAX_AGE_SECONDS`, and once more when a token names a
    ``kid`` we do not know (the provider rotated its keys), never more often than every
    :data:`JWKS_MIN_REFRESH_SECONDS`. Caching public keys is harmless for revocation: the access facts
    (consents, referent links) are never cached.
    """

    def __init__(
        self,
        issuer: str,
        jwks_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not jwks_url.startswith("https://"):
            raise ValueError("L'adresse JWKS du fournisseur d'identité doit être en https.")
        self.issuer = issuer
        self.jwks_url = jwks_url
        self._transport = transport
        self._clock = clock
        self._keys: dict[str, Mapping[str, Any]] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()  # guards the timestamps; fetches are rare

    async def _fetch(self) -> None:
        async with httpx.AsyncClient(
            transport=self._transport, timeout=5.0, follow_redirects=False
        ) as client:
            response = await client.get(self.jwks_url)
            response.raise_for_status()
            body = response.json()
        keys: dict[str, Mapping[str, Any]] = {
            k["kid"]: k for k in body.get("keys", []) if isinstance(k, dict) and "kid" in k
        }
        self._keys = keys

    def _may_fetch(self, *, unknown_kid: bool) -> bool:
        now = self._clock()
        with self._lock:
            if self._fetched_at is None:
                self._fetched_at = now
                return True
            age = now - self._fetched_at
            if age >= JWKS_MAX_AGE_SECONDS or (unknown_kid and age >= JWKS_MIN_REFRESH_SECONDS):
                self._fetched_at = now
                return True
            return False

    async def key_for(self, kid: str) -> Mapping[str, Any] | None:
        """The key, ``None`` when the provider does not know it, or a 503 when the provider could not be
        asked (an outage is not the caller's fault: "unknown key" would send them to sign in again)."""
        unknown = kid not in self._keys
        if self._may_fetch(unknown_kid=unknown):
            try:
                await self._fetch()
                self._last_fetch_failed = False
            except (httpx.HTTPError, ValueError) as exc:
                self._last_fetch_failed = True
                logger.warning("JWKS fetch failed: %s", type(exc).__name__)
        if kid not in self._keys and getattr(self, "_last_fetch_failed", False):
            from coordination.errors import ServiceUnavailable

            raise ServiceUnavailable(
                "Le fournisseur d'identité ne répond pas : réessayez dans quelques instants.",
                code="identity-provider-unavailable",
                headers={"Retry-After": "10"},
            )
        return self._keys.get(kid)


class DevIssuer:
    """The development token issuer: ES256, ``iss`` = :data:`DEV_ISSUER`. Never used in production."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, audience: str) -> None:
        self._pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        self.public_jwk = _ec_public_jwk(private_key.public_key())
        self.kid = self.public_jwk["kid"]
        self.audience = audience
        self.issuer = DEV_ISSUER

    @classmethod
    def from_settings(cls, settings: Settings) -> DevIssuer:
        if settings.is_production:
            raise RuntimeError("Le fournisseur de jetons de développement n'existe pas en production.")
        from coordination.keys import dev_issuer_key

        return cls(dev_issuer_key(settings), settings.oidc_audience)

    def key_source(self) -> StaticKeys:
        return StaticKeys(self.issuer, [self.public_jwk])

    def issue(self, user: Any, ttl: timedelta = timedelta(hours=8), **overrides: Any) -> str:
        """Mint a token for a ``users`` row (or anything with the same attributes).

        ``user`` needs ``id``, ``display_name``, ``role``, ``organisation_id``, ``team``, ``person_id``;
        ``organisation_kind`` is read from ``user.organisation_kind`` or ``user.organisation.kind`` when
        present. ``overrides`` replace or add claims (tests).
        """
        now = int(time.time())
        kind = getattr(user, "organisation_kind", None)
        if kind is None and getattr(user, "organisation", None) is not None:
            kind = user.organisation.kind
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + int(ttl.total_seconds()),
            CLAIM_SUBJECT: str(user.id),
            CLAIM_NAME: user.display_name,
            CLAIM_ROLE: str(getattr(user.role, "value", user.role)),
        }
        if getattr(user, "organisation_id", None):
            claims[CLAIM_ORG] = str(user.organisation_id)
        if kind is not None:
            claims[CLAIM_ORG_KIND] = str(getattr(kind, "value", kind))
        if getattr(user, "person_id", None):
            claims[CLAIM_PERSON] = str(user.person_id)
        if getattr(user, "team", None):
            claims[CLAIM_TEAM] = user.team
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self._pem, algorithm="ES256", headers={"kid": self.kid})


def _uuid(value: Any, claim: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError as exc:
        raise InvalidToken(f"Jeton invalide : la revendication « {claim} » est mal formée.") from exc


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """Map verified claims to a Principal; a missing or unknown role/organisation is a 401."""
    if not claims.get(CLAIM_SUBJECT):
        raise InvalidToken("Jeton invalide : l'identifiant de l'utilisateur (sub) manque.")
    try:
        role = Role(str(claims.get(CLAIM_ROLE) or ""))
    except ValueError as exc:
        raise InvalidToken("Jeton invalide : rôle absent ou inconnu.") from exc
    kind_raw = claims.get(CLAIM_ORG_KIND)
    try:
        kind = OrganisationKind(kind_raw) if kind_raw else None
    except ValueError as exc:
        raise InvalidToken("Jeton invalide : type d'organisation inconnu.") from exc
    org = claims.get(CLAIM_ORG)
    person = claims.get(CLAIM_PERSON)
    if role is Role.BENEFICIARY and not person:
        raise InvalidToken("Jeton invalide : un bénéficiaire doit être lié à son dossier (person_id).")
    if role is not Role.BENEFICIARY and person:
        raise InvalidToken("Jeton invalide : seul un bénéficiaire peut porter person_id.")
    if (org is None) != (kind is None):
        raise InvalidToken("Jeton invalide : org et org_kind vont ensemble.")
    team = claims.get(CLAIM_TEAM)
    return Principal(
        user_id=_uuid(claims[CLAIM_SUBJECT], CLAIM_SUBJECT),
        display_name=str(claims.get(CLAIM_NAME) or claims[CLAIM_SUBJECT])[:200],
        role=role,
        organisation_id=_uuid(org, CLAIM_ORG) if org else None,
        organisation_kind=kind,
        person_id=_uuid(person, CLAIM_PERSON) if person else None,
        team=str(team)[:80] if team else None,
    )


class TokenVerifier:
    """Verify a compact JWS and return its Principal. One instance per process."""

    def __init__(self, keys: KeySource, audience: str) -> None:
        self.keys = keys
        self.issuer = keys.issuer
        self.audience = audience

    async def verify(self, token: str) -> Principal:
        if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
            raise InvalidToken("Jeton mal formé.", "malformed-token")
        try:
            header = jwt.get_unverified_header(token)
        except JOSEError as exc:
            raise InvalidToken("Jeton mal formé.", "malformed-token") from exc
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise InvalidToken("Jeton refusé : algorithme de signature non autorisé.", "algorithm-refused")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("Jeton refusé : clé de signature non désignée (kid).", "unknown-key")
        public = await self.keys.key_for(kid)
        if public is None:
            raise InvalidToken("Jeton refusé : clé de signature inconnue.", "unknown-key")
        if public.get("kty") != _KEY_FAMILY[alg] or public.get("alg", alg) != alg:
            raise InvalidToken(
                "Jeton refusé : la clé ne correspond pas à l’algorithme annoncé.", "key-mismatch"
            )
        try:
            key = jwk.construct(dict(public), alg)
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require_iss": True,
                    "require_aud": True,
                    "require_exp": True,
                    "verify_nbf": True,
                    "verify_iat": True,
                    "leeway": LEEWAY_SECONDS,
                },
            )
        except ExpiredSignatureError as exc:
            raise InvalidToken("Jeton expiré : reconnectez-vous.", "token-expired") from exc
        except JWTClaimsError as exc:
            raise InvalidToken(
                "Jeton refusé : émetteur, destinataire ou période de validité incorrects.", "invalid-claims"
            ) from exc
        except (JOSEError, ValueError, TypeError, KeyError) as exc:
            raise InvalidToken("Jeton refusé : signature invalide.", "invalid-signature") from exc
        return principal_from_claims(claims)


def jwks_url_for(settings: Settings) -> str:
    if settings.oidc_jwks_url:
        return settings.oidc_jwks_url
    return settings.oidc_issuer.rstrip("/") + "/protocol/openid-connect/certs"


class Identity:
    """What the app keeps in ``state.identity``: the verifier and, in the embedded default, the issuer."""

    def __init__(self, verifier: TokenVerifier, dev_issuer: DevIssuer | None) -> None:
        self.verifier = verifier
        self.dev_issuer = dev_issuer

    async def authenticate(self, token: str) -> Principal:
        return await self.verifier.verify(token)


def build_identity_from_settings(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
) -> Identity:
    """Production issuer when ``oidc_issuer`` is set, otherwise the development issuer."""
    if settings.oidc_issuer:
        keys = JwksKeys(settings.oidc_issuer, jwks_url_for(settings), transport=transport)
        return Identity(TokenVerifier(keys, settings.oidc_audience), None)
    issuer = DevIssuer.from_settings(settings)
    return Identity(TokenVerifier(issuer.key_source(), settings.oidc_audience), issuer)
