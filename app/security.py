"""Passwords (argon2), opaque tokens (stored only as SHA-256), CSRF tokens, cookies and output cleaning.

CSRF: a signed-in browser's token is derived from its session cookie (``session_csrf``), so it is bound
to that session and changes with every login; a visitor without a session (the login and sign-up forms)
uses the double-submit ``CSRF_COOKIE``, named ``__Host-jaxtutor_csrf`` when cookies are Secure (served
over TLS), which no subdomain or plain-HTTP page can set. Every Set-Cookie, deletions included, is built
by ``cookie_header`` with the same flags: Path=/, HttpOnly, SameSite=Lax, and Secure over TLS.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

#: The Content-Security-Policy of every response (``app.main``); LTI-launched pages widen its frame-ancestors.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

SESSION_COOKIE = "jaxtutor_session"
CSRF_COOKIE = "jaxtutor_csrf"
HOST_PREFIX = "__Host-"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"

_hasher = PasswordHasher()  # stateless parameters object; safe to share


@functools.cache
def _dummy_hash() -> str:
    """Verified against when a username does not exist, so timing does not reveal which ones exist."""
    return _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """False for a missing or empty hash (accounts made by single sign-on have none), after the same work."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def csrf_cookie_name(secure: bool) -> str:
    """``__Host-`` needs Secure, Path=/ and no Domain: the browser then refuses it from anywhere else."""
    return HOST_PREFIX + CSRF_COOKIE if secure else CSRF_COOKIE


def session_csrf(session_token: str) -> str:
    """The CSRF token of a login session: an HMAC of its (HttpOnly, never shown) cookie value."""
    digest = hmac.new(session_token.encode(), b"jaxtutor-csrf", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def cookie_header(name: str, value: str, *, secure: bool, max_age: int | None = None, path: str = "/") -> str:
    """One Set-Cookie value with the flags every cookie of ours carries (``max_age=0`` deletes it)."""
    parts = [f"{name}={value}", f"Path={path}", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
        if max_age == 0:
            parts.append("Expires=Thu, 01 Jan 1970 00:00:00 GMT")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def embedded_cookie_header(name: str, value: str, *, max_age: int | None = None, path: str = "/") -> str:
    """A cookie for pages inside an LMS iframe (LTI launches): a cross-site frame gets only ``SameSite=None``
    cookies, which browsers take only with ``Secure``; ``Partitioned`` (CHIPS) keys it to the LMS's site, so
    browsers that block third-party cookies still keep it. CSRF protection does not rest on SameSite: every
    unsafe request must still echo the session-bound token (``session_csrf``)."""
    parts = [f"{name}={value}", f"Path={path}", "HttpOnly", "SameSite=None", "Secure", "Partitioned"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts)
