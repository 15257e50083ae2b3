"""LTI 1.3, the first part: platform (LMS) registrations and this tool's signing key and public key set.

A platform is registered by an admin (``jaxtutor lti add-platform``); launches and grade passback come
later (issue 14). The tool's RSA key is generated on first use and kept in ``data_dir/lti/tool-key.pem``
(mode 0600, never served); ``/lti/jwks`` publishes only its public half, named by its RFC 7638 thumbprint,
which platforms use to check the tool's signed messages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from joserfc.jwk import RSAKey
from sqlmodel import Session, col, select

from app.models import LtiPlatform

KEY_BITS = 2048
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class LtiError(ValueError):
    """A registration this module refuses, with a message fit to show as is."""


def _url(name: str, value: str) -> str:
    """An https URL (plain http only on loopback, where a test platform runs)."""
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise LtiError(f"{name} must be an https:// URL, got {value!r}.")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise LtiError(f"{name} must use https (plain http only on loopback), got {value!r}.")
    if len(value) > 2000:
        raise LtiError(f"{name} is longer than 2000 characters.")
    return value


def _text(name: str, value: str) -> str:
    value = value.strip()
    if not value or len(value) > 255:
        raise LtiError(f"{name} needs 1 to 255 characters.")
    return value


def add_platform(
    *,
    session: Session,
    issuer: str,
    client_id: str,
    deployment_id: str,
    auth_login_url: str,
    token_url: str,
    jwks_url: str,
) -> LtiPlatform:
    """Register a platform deployment; the same (issuer, client id, deployment id) twice is refused."""
    platform = LtiPlatform(
        issuer=_url("The issuer", issuer),
        client_id=_text("The client id", client_id),
        deployment_id=_text("The deployment id", deployment_id),
        auth_login_url=_url("The auth login URL", auth_login_url),
        token_url=_url("The token URL", token_url),
        jwks_url=_url("The JWKS URL", jwks_url),
    )
    if len(platform.issuer) > 255:
        raise LtiError("The issuer is longer than 255 characters.")
    clash = session.exec(
        select(LtiPlatform).where(
            LtiPlatform.issuer == platform.issuer,
            LtiPlatform.client_id == platform.client_id,
            LtiPlatform.deployment_id == platform.deployment_id,
        )
    ).first()
    if clash is not None:
        raise LtiError(f"This deployment is already registered (platform {clash.id}).")
    session.add(platform)
    session.commit()
    session.refresh(platform)
    return platform


def platforms(*, session: Session) -> list[LtiPlatform]:
    return list(session.exec(select(LtiPlatform).order_by(col(LtiPlatform.id))))


def platform_dict(p: LtiPlatform) -> dict[str, Any]:
    return {
        "id": p.id,
        "issuer": p.issuer,
        "client_id": p.client_id,
        "deployment_id": p.deployment_id,
        "auth_login_url": p.auth_login_url,
        "token_url": p.token_url,
        "jwks_url": p.jwks_url,
    }


def key_path(data_dir: Path) -> Path:
    return data_dir / "lti" / "tool-key.pem"


def tool_key(data_dir: Path) -> RSAKey:
    """This tool's RSA key, generated on first use and stored owner-only (an existing file is never replaced:
    platforms have its public half)."""
    path = key_path(data_dir)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        pem = RSAKey.generate_key(KEY_BITS).as_pem(private=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        try:
            os.link(tmp, path)  # fails if another process made the key meanwhile: theirs wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return RSAKey.import_key(path.read_bytes())


def public_jwks(data_dir: Path) -> dict[str, Any]:
    """The public key set platforms fetch: the public half only, with its kid, for RS256 signatures."""
    key = tool_key(data_dir)
    public = key.as_dict(private=False)
    public.update({"kid": key.thumbprint(), "alg": "RS256", "use": "sig"})
    return {"keys": [public]}
