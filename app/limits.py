"""The request body limit, enforced while the body streams in, whatever its transfer encoding.

A ``Content-Length`` check alone is bypassed by ``Transfer-Encoding: chunked``: FastAPI reads and parses
the whole body (and a form's CSRF field) before authentication runs, so an anonymous caller could make
the server hold hundreds of MiB. ``BodyLimitMiddleware`` wraps ``receive`` and counts the bytes as they
arrive; the first chunk past ``max_request_bytes`` raises ``BodyTooLarge`` (an ``HTTPException``, which
FastAPI re-raises from its body reader and our one error handler renders as the JSON error document or
the error page). No caller, authenticated or not, makes the server buffer more than the limit.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.errors import StartTracker


def too_large_message(limit: int) -> str:
    size = f"{limit // 1024} KiB" if limit < (1 << 20) else f"{limit / (1 << 20):g} MiB"
    return f"The request body is larger than {size}."


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once the body passes the limit (FastAPI re-raises HTTPExceptions as they are)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=too_large_message(limit))


class BodyLimitMiddleware:
    """Refuse a declared ``Content-Length`` over the limit at once; count streamed bytes otherwise."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.settings.max_request_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _respond_413(scope, receive, send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        tracked = StartTracker(send)
        try:
            await self.app(scope, limited_receive, tracked)
        except BodyTooLarge:
            # Raised somewhere no handler saw it (e.g. a middleware reading the body): answer here.
            if tracked.started:
                raise
            await _respond_413(scope, receive, send, limit)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


async def _respond_413(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    from app.errors import AppError, render_error

    response = render_error(Request(scope, receive), AppError(413, too_large_message(limit)))
    response.headers["Connection"] = "close"
    await response(scope, receive, send)
