"""Single sign-on with OpenID Connect: the authorization-code flow with PKCE, state and nonce.

``SsoClients`` (one per app, on ``app.state.sso``; built by the lifespan) talks to the providers named in
``settings.sso_providers``: discovery (``<issuer>/.well-known/openid-configuration``, whose ``issuer`` must
be the configured one), the provider's keys (JWKS, fetched again once when a token names an unknown key),
the token exchange and the userinfo endpoint. authlib supplies the PKCE challenge and the ID token's claim
rules (``CodeIDToken``: iss, aud, exp/iat with ``sso_clock_skew_s``, nonce, azp, at_hash); joserfc checks
its signature against the provider's keys with the algorithms the provider announces.

A login under way is a ``SsoLoginState`` row (state hash, nonce, PKCE verifier, where to go next), so the
callback may reach any replica; the browser also holds the state in a cookie, so that a callback carrying
a state that this browser did not start (login CSRF) is refused. Each state works once.

Every failure is an ``SsoError`` whose ``kind`` picks the page the route shows. Account linking and the
provider's policies (domains, groups, roles) live in ``app.services.sso_accounts``.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from sqlmodel import Session, col, delete, select

from app.config import Settings, SsoProvider
from app.errors import KindError
from app.models import SsoLoginState, utcnow
from app.security import token_hash

STATE_COOKIE = "jaxtutor_sso_state"

#: kind -> (HTTP status, page title). The route renders ``sso_error.html`` with the error's message.
KINDS: dict[str, tuple[int, str]] = {
    "unknown_provider": (404, "No such sign-on provider"),
    "bad_state": (400, "This sign-on link is not valid"),
    "wrong_issuer": (502, "The answer came from the wrong issuer"),
    "expired": (400, "The sign-on token has expired"),
    "invalid_token": (502, "The sign-on token is not valid"),
    "provider_down": (503, "The sign-on provider is not answering"),
    "refused": (403, "The sign-on provider refused the login"),
    "disallowed": (403, "This account may not use this server"),
    "email_taken": (409, "That e-mail address already has an account here"),
    "deactivated": (403, "This account is deactivated"),
    "no_account": (403, "There is no account for you here"),
}


class SsoError(KindError):
    KINDS = KINDS


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


@dataclass
class _Cached:
    metadata: dict[str, Any]
    keys: KeySet | None = None
    fetched_at: float = field(default_factory=time.monotonic)


@dataclass
class Login:
    """What a finished login proved: the provider, and the ID token's claims (merged with userinfo's)."""

    provider: SsoProvider
    claims: dict[str, Any]

    @property
    def issuer(self) -> str:
        return str(self.claims["iss"])

    @property
    def subject(self) -> str:
        return str(self.claims["sub"])


class SsoClients:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._providers = {p.name: p for p in settings.sso_providers}
        self._cache: dict[str, _Cached] = {}

    @property
    def providers(self) -> list[SsoProvider]:
        return list(self._providers.values())

    def provider(self, name: str) -> SsoProvider:
        provider = self._providers.get(name)
        if provider is None:
            raise SsoError("unknown_provider", f"This server has no sign-on provider named {name!r}.")
        return provider

    # --- talking to the provider -----------------------------------------------------------------
    async def _get_json(self, provider: SsoProvider, url: str, **kw: Any) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self.settings.sso_http_timeout_s) as client:
                response = await client.get(url, **kw)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SsoError(
                "provider_down", f"{provider.label} could not be reached ({type(exc).__name__}). Try again later."
            ) from exc
        if not isinstance(data, dict):
            raise SsoError("provider_down", f"{provider.label} answered {url} with something that is not JSON.")
        return data

    async def _entry(self, provider: SsoProvider) -> _Cached:
        cached = self._cache.get(provider.name)
        if cached is not None and time.monotonic() - cached.fetched_at < self.settings.sso_metadata_ttl_s:
            return cached
        url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
        metadata = await self._get_json(provider, url)
        if metadata.get("issuer") != provider.issuer:
            raise SsoError(
                "wrong_issuer",
                f"The discovery document of {provider.label} names the issuer {metadata.get('issuer')!r}, "
                f"but this server is configured for {provider.issuer!r}. An administrator must fix the setting.",
            )
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(metadata.get(key), str):
                raise SsoError("provider_down", f"The discovery document of {provider.label} has no {key}.")
        cached = _Cached(metadata=metadata)
        self._cache[provider.name] = cached
        return cached

    async def _keys(self, provider: SsoProvider, entry: _Cached, *, refresh: bool = False) -> KeySet:
        if entry.keys is None or refresh:
            jwks = await self._get_json(provider, entry.metadata["jwks_uri"])
            try:
                entry.keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
            except (JoseError, ValueError, KeyError, TypeError) as exc:
                raise SsoError("invalid_token", f"The keys published by {provider.label} are not usable.") from exc
        return entry.keys

    # --- the flow --------------------------------------------------------------------------------
    async def begin(
        self, *, session: Session, provider: SsoProvider, redirect_uri: str, next_url: str
    ) -> tuple[str, str]:
        """Start a login: returns (the provider's authorization URL, the state for the browser's cookie)."""
        entry = await self._entry(provider)
        state, nonce, verifier = generate_token(43), generate_token(43), generate_token(64)
        now = utcnow()
        session.exec(delete(SsoLoginState).where(col(SsoLoginState.expires_at) <= now))
        session.add(
            SsoLoginState(
                state_hash=token_hash(state),
                provider=provider.name,
                nonce=nonce,
                code_verifier=verifier,
                next_url=next_url,
                expires_at=now + timedelta(seconds=self.settings.sso_state_ttl_s),
            )
        )
        session.commit()
        params = {
            "response_type": "code",
            "client_id": provider.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(provider.scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        return add_params_to_uri(entry.metadata["authorization_endpoint"], params), state

    def take_state(self, *, session: Session, provider: SsoProvider, state: str, cookie: str | None) -> SsoLoginState:
        """The login this callback finishes; removed at once (a state works once)."""
        if not state or not cookie or not hmac.compare_digest(state, cookie):
            raise SsoError(
                "bad_state",
                "This sign-on answer does not belong to a login started in this browser (the state does not "
                "match). Start again from the login page.",
            )
        row = session.exec(select(SsoLoginState).where(SsoLoginState.state_hash == token_hash(state))).first()
        if row is None:
            raise SsoError("bad_state", "This sign-on answer was already used or is unknown. Start again.")
        session.delete(row)
        session.commit()
        if row.provider != provider.name:
            raise SsoError("bad_state", "This sign-on answer is for another provider. Start again.")
        if _aware(row.expires_at) <= utcnow():
            raise SsoError("bad_state", "The login took too long at the provider. Start again.")
        return row

    async def finish(
        self, *, provider: SsoProvider, login: SsoLoginState, code: str, iss: str | None, redirect_uri: str
    ) -> Login:
        """Exchange the code (with the PKCE verifier) and check the ID token."""
        entry = await self._entry(provider)
        if iss is not None and iss != provider.issuer:  # RFC 9207: the answer names its issuer
            raise SsoError(
                "wrong_issuer", f"The answer names the issuer {iss!r}, not {provider.issuer!r} (a mix-up attack?)."
            )
        tokens = await self._exchange(
            provider, entry, code=code, verifier=login.code_verifier, redirect_uri=redirect_uri
        )
        claims = await self._check_id_token(provider, entry, tokens, nonce=login.nonce)
        userinfo_url = entry.metadata.get("userinfo_endpoint")
        if isinstance(userinfo_url, str) and isinstance(tokens.get("access_token"), str):
            info = await self._get_json(
                provider, userinfo_url, headers={"Authorization": f"Bearer {tokens['access_token']}"}
            )
            if info.get("sub") == claims["sub"]:  # OIDC Core 5.3.2: otherwise the answer must not be used
                claims = {**info, **claims}
        return Login(provider=provider, claims=claims)

    async def _exchange(
        self, provider: SsoProvider, entry: _Cached, *, code: str, verifier: str, redirect_uri: str
    ) -> dict[str, Any]:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        methods = entry.metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        auth: httpx.BasicAuth | None = None
        if "client_secret_basic" in methods and provider.client_secret:
            auth = httpx.BasicAuth(provider.client_id, provider.client_secret)
        else:
            data |= {"client_id": provider.client_id, "client_secret": provider.client_secret}
        try:
            async with httpx.AsyncClient(timeout=self.settings.sso_http_timeout_s) as client:
                response = await client.post(
                    entry.metadata["token_endpoint"], data=data, auth=auth or httpx.USE_CLIENT_DEFAULT
                )
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SsoError("provider_down", f"{provider.label} did not answer the token request.") from exc
        if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("id_token"), str):
            error = body.get("error_description") or body.get("error") if isinstance(body, dict) else None
            raise SsoError(
                "refused", f"{provider.label} refused to hand over the tokens: {error or response.status_code}."
            )
        return body

    async def _check_id_token(
        self, provider: SsoProvider, entry: _Cached, tokens: dict[str, Any], *, nonce: str
    ) -> dict[str, Any]:
        algorithms = entry.metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [a for a in algorithms if a != "none"]
        registry = JWSRegistry(algorithms=algorithms)
        keys = await self._keys(provider, entry)
        try:
            try:
                token = jwt.decode(tokens["id_token"], keys, algorithms=algorithms, registry=registry)
            except InvalidKeyIdError:  # the provider rotated its keys
                keys = await self._keys(provider, entry, refresh=True)
                token = jwt.decode(tokens["id_token"], keys, algorithms=algorithms, registry=registry)
        except BadSignatureError as exc:
            raise SsoError(
                "invalid_token", f"The ID token's signature does not verify with {provider.label}'s keys."
            ) from exc
        except (JoseError, ValueError) as exc:
            raise SsoError("invalid_token", f"The ID token from {provider.label} cannot be read ({exc}).") from exc
        claims = CodeIDToken(
            token.claims,
            token.header,
            options={
                "iss": {"essential": True, "value": provider.issuer},
                "aud": {"essential": True, "value": provider.client_id},
            },
            params={"nonce": nonce, "client_id": provider.client_id, "access_token": tokens.get("access_token")},
        )
        try:
            claims.validate(leeway=self.settings.sso_clock_skew_s)
        except ExpiredTokenError as exc:
            raise SsoError(
                "expired",
                f"The ID token from {provider.label} had already expired when it arrived. Try again; if it "
                "keeps happening, a clock (the provider's or this server's) is wrong.",
            ) from exc
        except ClaimError as exc:
            claim = exc.claim
            if claim == "iss":
                raise SsoError(
                    "wrong_issuer", f"The ID token was issued by {claims.get('iss')!r}, not {provider.issuer!r}."
                ) from exc
            if claim == "nonce":
                raise SsoError("bad_state", "The ID token was not made for this login (nonce). Start again.") from exc
            what = "missing" if isinstance(exc, MissingClaimError) else "not valid"
            detail = {"aud": "it was issued to another client", "iat": "it was issued in the future"}.get(claim, "")
            raise SsoError(
                "invalid_token", f"The ID token's {claim!r} claim is {what}{': ' + detail if detail else ''}."
            ) from exc
        return dict(claims)
