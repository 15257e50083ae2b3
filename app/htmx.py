"""Every ``HX-*`` header literal lives here."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

HX_REQUEST = "HX-Request"
HX_REDIRECT = "HX-Redirect"
HX_TRIGGER = "HX-Trigger"
HX_RETARGET = "HX-Retarget"
HX_RESWAP = "HX-Reswap"

#: Triggered (``HX-Trigger``) when a polled submission is graded; the history listens for it.
GRADED_EVENT = "jaxtutor-graded"


def is_htmx(request: Request) -> bool:
    return request.headers.get(HX_REQUEST) == "true"


def vary_on_htmx(response: Response) -> Response:
    """Responses that differ by ``HX-Request`` must say so, or caches serve a partial as a page."""
    existing = response.headers.get("Vary")
    response.headers["Vary"] = f"{existing}, {HX_REQUEST}" if existing else HX_REQUEST
    return response


def redirect(response: Response, url: str) -> Response:
    response.headers[HX_REDIRECT] = url
    return response
