"""Which sites may frame this tool's pages: the registered platforms, for pages opened by an LTI launch.

Every page says ``frame-ancestors 'none'`` (and ``X-Frame-Options: DENY``), except for a browser that came
through an LTI launch: the launch sets ``FRAME_COOKIE``, and for requests that carry it the security
middleware lets the origins of the registered platforms (their issuer and login URLs) frame the page. The
cookie only widens framing to registered LMSs, so setting it by hand gains nothing. ``FrameOrigins`` holds
the origins in memory (the middleware reads it on every response); the grade worker refreshes it each round
and the admin pages after a registration.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlmodel import Session, select

from app.models import LtiPlatform

FRAME_COOKIE = "jaxtutor_lti"
_ANCESTORS = re.compile(r"frame-ancestors [^;]*")


def origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc}"


class FrameOrigins:
    def __init__(self) -> None:
        self.origins: tuple[str, ...] = ()

    def load(self, session: Session) -> None:
        found: set[str] = set()
        for p in session.exec(select(LtiPlatform)):
            for url in (p.issuer, p.auth_login_url):
                o = origin(url)
                if o is not None:
                    found.add(o)
        self.origins = tuple(sorted(found))

    def refresh(self, engine: Engine) -> None:
        with Session(engine) as session:
            self.load(session)

    def csp(self, base: str) -> str:
        """``base`` with its frame-ancestors opened to this site and the platforms."""
        allowed = " ".join(("'self'", *self.origins))
        return _ANCESTORS.sub(f"frame-ancestors {allowed}", base)

    def form_action(self, base: str, target: str) -> str:
        """``base`` allowing a form post to ``target``'s origin (the deep-linking answer goes to the LMS)."""
        o = origin(target)
        return base.replace("form-action 'self'", f"form-action 'self' {o}") if o else base
