"""One error type, rendered by one handler: JSON under ``/api/``, an HTML page (or partial) elsewhere."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from app.htmx import is_htmx, redirect

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
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
    if err.status == 401:
        target = "/login?next=" + quote(request.url.path)
        if is_htmx(request):
            return redirect(Response(status_code=204), target)
        return RedirectResponse(target, status_code=303)
    from app.templating import render

    name = "_error.html" if is_htmx(request) else "error.html"
    context = {"status": err.status, "message": err.message}
    return render(request, name, context, status_code=err.status, headers=err.headers)


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


def install(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
