"""One error type, rendered by one handler: JSON under ``/api/``, an HTML page (or partial) elsewhere."""

from __future__ import annotations

import errno
import logging
from typing import Any, ClassVar
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from markupsafe import escape
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.htmx import HX_RESWAP, HX_RETARGET, current_page, is_htmx
from app.services.lti.frames import FRAME_COOKIE

log = logging.getLogger(__name__)

SERVER_ERROR_MESSAGE = "Something went wrong on the server. Please try again."

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


class AppError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str = "",
        headers: dict[str, str] | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or _CODES.get(status, "error")
        self.headers = headers or {}
        self.details = details


#: The 401 answer for a browser that came through an LTI launch (app.services.lti.frames.FRAME_COOKIE).
LTI_RELAUNCH = (
    "Your session here has ended. Your work is saved: open this activity again from your course in your "
    "learning platform (LMS) to continue."
)


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def render_error(request: Request, err: AppError) -> Response:
    if wants_json(request):
        body: dict[str, Any] = {"error": {"status": err.status, "code": err.code, "message": err.message}}
        if err.details is not None:
            body["error"]["details"] = err.details
        return JSONResponse(body, status_code=err.status, headers=err.headers)
    from app.templating import render

    if err.status == 401:
        if FRAME_COOKIE in request.cookies:
            # Came through an LTI launch: the account has no password here and the page is likely inside the
            # LMS's frame, so a login form is useless; a new launch from the course signs the learner in again.
            if is_htmx(request):
                headers = {HX_RETARGET: "#notice", HX_RESWAP: "innerHTML"}
                return render(request, "_session_ended.html", {"lti": True}, status_code=401, headers=headers)
            context = {"status": 401, "lti_relaunch": True, "message": LTI_RELAUNCH}
            return render(request, "error.html", context, status_code=401)
        if is_htmx(request):
            # The session ended under an open page (logged out in another tab, expired): say so in the
            # page's notice area with a login link back to that page. Never swap a login form into the
            # page, nor send the browser to the URL of a POST after logging in.
            login_url = "/login?next=" + quote(current_page(request))
            headers = {HX_RETARGET: "#notice", HX_RESWAP: "innerHTML"}
            return render(request, "_session_ended.html", {"login_url": login_url}, status_code=401, headers=headers)
        back = request.url.path if request.method in ("GET", "HEAD") else "/"
        return RedirectResponse("/login?next=" + quote(back), status_code=303)

    name = "_error.html" if is_htmx(request) else "error.html"
    context = {"status": err.status, "message": err.message}
    try:
        return render(request, name, context, status_code=err.status, headers=err.headers)
    except Exception:
        # The error page must never be a second error: a bare page needs nothing but the message.
        log.exception("rendering %s failed; answering with the bare error page", name)
        page = (
            f"<!doctype html><title>Error {err.status}</title><h1>Error {err.status}</h1><p>{escape(err.message)}</p>"
        )
        return HTMLResponse(page, status_code=err.status, headers=err.headers)


async def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return render_error(request, exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = str(exc.detail) if exc.detail else "Error"
    return render_error(request, AppError(exc.status_code, message, headers=dict(exc.headers or {})))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
    return render_error(request, AppError(422, "The request is not valid.", details=details))


async def _unicode_error(request: Request, exc: Exception) -> Response:
    # A lone surrogate that reached a write (JSON allows "\\ud800"; UTF-8 and the database do not).
    log.warning("invalid Unicode in a request to %s: %s", request.url.path, exc)
    return render_error(
        request, AppError(400, "The request contains invalid Unicode (a lone surrogate).", code="invalid_unicode")
    )


STORAGE_MESSAGE = (
    "The server cannot save anything right now (its database or disk is unavailable, read-only or full). "
    "Nothing was saved; please try again in a few minutes."
)


async def _storage_error(request: Request, exc: Exception) -> Response:
    """The database or the data dir refused a write (read-only, full, gone): a 503 that says so, not a 500."""
    if isinstance(exc, OSError) and exc.errno not in (errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES):
        return await _server_error(request, exc)
    log.error("storage unavailable in %s %s: %s", request.method, request.url.path, exc)
    return render_error(
        request, AppError(503, STORAGE_MESSAGE, code="storage_unavailable", headers={"Retry-After": "60"})
    )


async def _server_error(request: Request, exc: Exception) -> Response:
    """Any uncaught exception: our error document or page (Starlette re-raises it afterwards, for the log)."""
    return render_error(request, AppError(500, SERVER_ERROR_MESSAGE))


class KindError(Exception):
    """An error of one of its module's named kinds (``KINDS``: kind -> HTTP status and page title), so the
    page that explains it and the tests can tell the kinds apart (single sign-on, LTI launches)."""

    KINDS: ClassVar[dict[str, tuple[int, str]]] = {}

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        assert kind in self.KINDS, kind
        self.kind = kind
        self.message = message

    @property
    def status(self) -> int:
        return self.KINDS[self.kind][0]

    @property
    def title(self) -> str:
        return self.KINDS[self.kind][1]


class StartTracker:
    """An ASGI ``send`` that notes whether the response has started: after that, an error can no longer be
    answered with our own page or document, only by dropping the connection."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


class ErrorGuardMiddleware:
    """The last line: an exception no handler took becomes our 500 document or page, logged once, and is
    not re-raised to the server (Starlette's ServerErrorMiddleware re-raises, and uvicorn then drops the
    keep-alive connection). An exception after the response started can only end the connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracked = StartTracker(send)
        try:
            await self.app(scope, receive, tracked)
        except Exception:
            if tracked.started:
                raise
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            request = Request(scope, receive)
            response = render_error(request, AppError(500, SERVER_ERROR_MESSAGE))
            await response(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(UnicodeEncodeError, _unicode_error)
    app.add_exception_handler(sa_exc.OperationalError, _storage_error)
    app.add_exception_handler(sa_exc.InternalError, _storage_error)  # PostgreSQL: read-only transaction
    app.add_exception_handler(OSError, _storage_error)
    app.add_exception_handler(Exception, _server_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
