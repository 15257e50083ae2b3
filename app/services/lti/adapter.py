"""pylti1p3 bound to this app: its abstract request, cookie service and tool configuration implemented
over plain values and the database, and a MessageLaunch with stricter checks.

pylti1p3 ships adapters for Django and Flask only; its core classes are framework-neutral, so FastAPI
needs this thin layer and no fork. What the subclasses change, and why:

- ``ToolConf``: registrations come from ``LtiPlatform`` rows; a launch for a client id or deployment that
  is not registered raises a ``LaunchError`` that says which (pylti1p3 only says "not found").
- ``Launch.validate_jwt_signature``: RS256 only, the audience must be the registered client id, exp and iat
  with ``lti_clock_skew_s`` (pylti1p3 turns the audience check off and allows no skew).
- ``Launch.get_public_key``: the platform's key set is cached in the database for ``lti_jwks_ttl_s`` and
  fetched again once when the id_token names an unknown key (key rotation).
- The nonce is used up when checked (``storage.OnceNonceSessionService``): a replayed launch fails.

pylti1p3 talks HTTP with ``requests`` (blocking): the routes that use it are sync (FastAPI's threadpool),
and the grade worker calls it in a thread.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import jwt
import requests
from jwcrypto.jwk import JWK
from pylti1p3.cookie import CookieService
from pylti1p3.deployment import Deployment
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.oidc_login import OIDCLogin
from pylti1p3.redirect import Redirect
from pylti1p3.registration import Registration
from pylti1p3.request import Request
from pylti1p3.tool_config import ToolConfAbstract
from sqlmodel import Session, select

from app.config import Settings
from app.models import LtiPlatform
from app.services.lti.errors import LaunchError
from app.services.lti.platforms import tool_key
from app.services.lti.storage import DbLaunchStorage, OnceNonceSessionService

COOKIE_PREFIX = "lti1p3-"


class TimeoutSession(requests.Session):
    """A requests session whose every call has a timeout (pylti1p3 passes none)."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__()
        self.timeout_s = timeout_s
        self.headers["User-Agent"] = "jaxtutor-lti"

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout_s)
        return super().request(method, url, *args, **kwargs)


class LaunchRequest(Request):
    """The parameters of one request (query or form) and its cookies, as pylti1p3 reads them."""

    def __init__(self, params: Mapping[str, str], cookies: Mapping[str, str], *, secure: bool) -> None:
        self.params = dict(params)
        self.cookies = dict(cookies)
        self.secure = secure

    @property
    def session(self) -> Any:
        raise NotImplementedError("launch data lives in the database, not in a browser session")

    def is_secure(self) -> bool:
        return self.secure

    def get_param(self, key: str) -> str:
        return self.params.get(key, "")


class CookieJar(CookieService):
    """Reads pylti1p3's cookies from the request and collects the ones it sets, for the route to send."""

    def __init__(self, incoming: Mapping[str, str]) -> None:
        self.incoming = dict(incoming)
        self.outgoing: list[tuple[str, str, int | None]] = []

    def get_cookie(self, name: str) -> str | None:
        return self.incoming.get(COOKIE_PREFIX + name)

    def set_cookie(self, name: str, value: str | int, exp: int | None = 3600) -> None:
        self.outgoing.append((COOKIE_PREFIX + name, str(value), exp))


def _public_pem(settings: Settings) -> tuple[str, str]:
    key = tool_key(settings.data_dir)
    return key.as_pem(private=True).decode(), key.as_pem(private=False).decode()


def registration_for(platform: LtiPlatform, settings: Settings) -> Registration:
    private, public = _public_pem(settings)
    reg = Registration()
    reg.set_issuer(platform.issuer)
    reg.set_client_id(platform.client_id)
    reg.set_key_set_url(platform.jwks_url)
    reg.set_auth_token_url(platform.token_url)
    reg.set_auth_login_url(platform.auth_login_url)
    reg.set_tool_private_key(private)
    reg.set_tool_public_key(public)
    return reg


class ToolConf(ToolConfAbstract[LaunchRequest]):
    def __init__(self, session: Session, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.issuers_relation_types = {}  # per instance (the base class's is a shared class attribute)

    def _rows(self, iss: str) -> list[LtiPlatform]:
        return list(self.session.exec(select(LtiPlatform).where(LtiPlatform.issuer == iss)))

    def check_iss_has_one_client(self, iss: str) -> bool:
        return len({p.client_id for p in self._rows(iss)}) == 1

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return not self.check_iss_has_one_client(iss)

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        rows = self._rows(iss)
        if not rows:
            raise LaunchError(
                "unknown_platform",
                f"No LMS with the issuer {iss!r} is registered here; an administrator registers "
                "it with `jaxtutor lti add-platform`.",
            )
        jwt_body = kwargs.get("jwt_body") or {}
        aud = jwt_body.get("aud")
        client_id = aud[0] if isinstance(aud, list) and aud else aud
        request = kwargs.get("request")
        if client_id is None and isinstance(request, LaunchRequest):  # the login initiation names it
            client_id = request.get_param("client_id") or None
        if client_id is not None and client_id != rows[0].client_id:
            raise self._wrong_audience(iss, str(client_id))
        return registration_for(rows[0], self.settings)

    def _wrong_audience(self, iss: str, client_id: str) -> LaunchError:
        return LaunchError(
            "wrong_audience",
            f"The launch was made for the client id {client_id!r}, which {iss!r} did not give this tool. "
            "Check the tool's registration in the LMS.",
        )

    def find_registration_by_params(self, iss: str, client_id: str, *args: Any, **kwargs: Any) -> Registration:
        rows = self._rows(iss)
        if not rows:
            return self.find_registration_by_issuer(iss)
        for row in rows:
            if row.client_id == client_id:
                return registration_for(row, self.settings)
        raise self._wrong_audience(iss, str(client_id))

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        rows = [r for r in self._rows(iss) if r.deployment_id == deployment_id]
        return self._deployment(iss, deployment_id, rows)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        rows = [r for r in self._rows(iss) if r.deployment_id == deployment_id and r.client_id == client_id]
        return self._deployment(iss, deployment_id, rows)

    def _deployment(self, iss: str, deployment_id: str, rows: list[LtiPlatform]) -> Deployment:
        if not rows:
            raise LaunchError(
                "unknown_deployment",
                f"The deployment {deployment_id!r} of {iss!r} is not registered here; an administrator adds it "
                "with `jaxtutor lti add-platform`.",
            )
        return Deployment().set_deployment_id(deployment_id)


class _Redirect(Redirect[str]):
    def __init__(self, url: str) -> None:
        self.url = url

    def do_redirect(self) -> str:
        return self.url

    def do_js_redirect(self) -> str:
        return self.url

    def set_redirect_url(self, location: str) -> None:
        self.url = location

    def get_redirect_url(self) -> str:
        return self.url


class Login(OIDCLogin[LaunchRequest, ToolConf, OnceNonceSessionService, CookieJar, str]):
    def get_redirect(self, url: str) -> Redirect[str]:
        return _Redirect(url)


class Launch(MessageLaunch[LaunchRequest, ToolConf, OnceNonceSessionService, CookieJar]):
    def __init__(self, request: LaunchRequest, tool_config: ToolConf, jar: CookieJar, storage: DbLaunchStorage) -> None:
        settings = tool_config.settings
        super().__init__(
            request,
            tool_config,
            session_service=OnceNonceSessionService(storage, settings.lti_state_ttl_s),
            cookie_service=jar,
            requests_session=TimeoutSession(settings.lti_http_timeout_s),
        )
        self.settings = settings
        self.storage = storage

    def _get_request_param(self, key: str) -> str:
        return self._request.get_param(key)

    # --- the platform's keys ---------------------------------------------------------------------
    def _key_set(self, url: str, *, refresh: bool) -> dict[str, Any]:
        cache_key = "jwks-" + hashlib.sha256(url.encode()).hexdigest()
        if not refresh and self.settings.lti_jwks_ttl_s > 0:
            cached = self.storage.get_value(cache_key)
            if isinstance(cached, dict):
                return cached
        try:
            response = self._requests_session.get(url)
            response.raise_for_status()
            keys = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise LaunchError(
                "platform_down", f"The LMS's public keys ({url}) could not be fetched ({type(exc).__name__})."
            ) from exc
        if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
            raise LaunchError("platform_down", f"The LMS's key set at {url} is not a JWKS document.")
        if self.settings.lti_jwks_ttl_s > 0:
            self.storage.set_value(cache_key, keys, self.settings.lti_jwks_ttl_s)
        return keys

    def get_public_key(self) -> tuple[str, str]:
        assert self._registration is not None
        header = self._jwt.get("header", {})
        kid, alg = header.get("kid"), header.get("alg")
        if alg != "RS256":
            raise LaunchError("forged", f"The id_token is signed with {alg!r}; LTI 1.3 launches must use RS256.")
        if not kid:
            raise LaunchError("invalid", "The id_token names no signing key (kid).")
        url = self._registration.get_key_set_url()
        assert url is not None
        for refresh in (False, True):
            for key in self._key_set(url, refresh=refresh)["keys"]:
                if isinstance(key, dict) and key.get("kid") == kid and key.get("alg", "RS256") == "RS256":
                    try:
                        pem = JWK.from_json(json.dumps(key)).export_to_pem()
                    except (ValueError, TypeError) as exc:
                        raise LaunchError("platform_down", "The LMS publishes a key that cannot be read.") from exc
                    return pem.decode() if isinstance(pem, bytes) else pem, "RS256"
        raise LaunchError("forged", f"The id_token is signed with a key ({kid!r}) that the LMS does not publish.")

    def validate_jwt_signature(self) -> Launch:
        assert self._registration is not None
        public_key, alg = self.get_public_key()
        try:
            jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[alg],
                audience=self._registration.get_client_id(),
                leeway=self.settings.lti_clock_skew_s,
                options={"require": ["exp", "iat", "aud", "iss", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise LaunchError(
                "expired",
                "The LMS's launch token had expired when it arrived. Start the launch again; if it keeps "
                "happening, a clock (the LMS's or this server's) is wrong.",
            ) from exc
        except jwt.InvalidAudienceError as exc:
            raise LaunchError("wrong_audience", "The launch token was issued to another tool (aud).") from exc
        except jwt.ImmatureSignatureError as exc:
            raise LaunchError("invalid", "The launch token was issued in the future (iat); check the clocks.") from exc
        except jwt.InvalidSignatureError as exc:
            raise LaunchError("forged", "The launch token's signature does not verify with the LMS's keys.") from exc
        except jwt.InvalidTokenError as exc:
            raise LaunchError("invalid", f"The launch token is not valid ({exc}).") from exc
        return self


def tool_parts(
    session: Session, settings: Settings, params: Mapping[str, str], cookies: Mapping[str, str], *, secure: bool
) -> tuple[LaunchRequest, ToolConf, CookieJar, DbLaunchStorage]:
    """The four objects every pylti1p3 call here needs."""
    return (
        LaunchRequest(params, cookies, secure=secure),
        ToolConf(session, settings),
        CookieJar(cookies),
        DbLaunchStorage(session, settings.lti_state_ttl_s),
    )
