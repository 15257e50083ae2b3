"""Every ``HX-*`` header literal lives here."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

HX_REQUEST = "HX-Request"
HX_REDIRECT = "HX-Redirect"
HX_TRIGGER = "HX-Trigger"
HX_RETARGET = "HX-Retarget"
HX_RESWAP = "HX-Reswap"
HX_CURRENT_URL = "HX-Current-URL"

#: Triggered (``HX-Trigger``) when a polled submission is graded; the history listens for it.
GRADED_EVENT = "jaxtutor-graded"


def is_htmx(request: Request) -> bool:
    return request.headers.get(HX_REQUEST) == "true"


def vary_on_htmx(response: Response) -> Response:
    """Responses that differ by ``HX-Request`` must say so, or caches serve a partial as a page."""
    existing = response.headers.get("Vary")
    response.headers["Vary"] = f"{existing}, {HX_REQUEST}" if existing else HX_REQUEST
    return response


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site (``/...``, not ``//host``), else None: safe as a ``next``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def current_page(request: Request) -> str:
    """The local path (and query) of the page an htmx request came from; ``/`` if unknown or foreign."""
    url = request.headers.get(HX_CURRENT_URL, "")
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.url.netloc:
        return "/"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return local_path(path) or "/"
