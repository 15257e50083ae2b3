"""The OpenAPI document and the API docs page.

- Only the JSON API (``/api/v1``) is in the document: page routes are included with ``include_in_schema=False``.
- Security: ``bearerAuth`` (an API token) or the session cookie (``sessionCookie``, plus ``csrfHeader`` on
  unsafe methods) on every ``/api/v1`` operation except the public report schema.
- ``GET /api/docs``: Swagger UI from ``static/vendor/swagger-ui`` (vendored ``swagger-ui-dist``), started by
  ``static/api-docs.js``: no CDN and no inline script, so it works under our CSP.
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse

from app import __version__
from app.security import CSRF_HEADER, SESSION_COOKIE

SWAGGER_UI_VERSION = "5.35.0"
PUBLIC_OPERATIONS = {("get", "/api/v1/schema/report.json")}
SAFE = {"get", "head", "options"}

DESCRIPTION = """The jaxtutor JSON API: lessons, submissions and their grading reports, progress.

Authenticate with an API token (`Authorization: Bearer <token>`; `jaxtutor tokens create USER` or the
account page makes one), or with the browser's session cookie plus the `X-CSRF-Token` header on unsafe
methods. Every error is `{"error": {"status", "code", "message", "details"?}}`. The grading report's JSON
Schema is at `/api/v1/schema/report.json`."""


def build_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title="jaxtutor", version=__version__, description=DESCRIPTION, routes=app.routes)
    components = schema.setdefault("components", {})
    components["securitySchemes"] = {
        "bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API token."},
        "sessionCookie": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE, "description": "A login session."},
        "csrfHeader": {
            "type": "apiKey",
            "in": "header",
            "name": CSRF_HEADER,
            "description": "With the session cookie, on unsafe methods: the value of the jaxtutor_csrf cookie.",
        },
    }
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            # FastAPI adds a 422 with its own {"detail": ...} body to every operation with parameters; ours
            # answer {"error": ...} and declare 422 only where it can happen (app.schemas.error_responses).
            default_422 = operation.get("responses", {}).get("422", {})
            if "HTTPValidationError" in str(default_422):
                del operation["responses"]["422"]
            if not path.startswith("/api/v1/") or (method, path) in PUBLIC_OPERATIONS:
                continue
            cookie: dict[str, list[str]] = (
                {"sessionCookie": []} if method in SAFE else {"sessionCookie": [], "csrfHeader": []}
            )
            operation["security"] = [{"bearerAuth": []}, cookie]
    if "HTTPValidationError" not in str(schema.get("paths")):
        for name in ("HTTPValidationError", "ValidationError"):
            components.get("schemas", {}).pop(name, None)
    app.openapi_schema = schema
    return schema


def docs_page(request: Request) -> HTMLResponse:
    root = escape(request.scope.get("root_path", ""))
    vendor = f"{root}/static/vendor/swagger-ui"
    html = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>jaxtutor API</title>
<link rel="stylesheet" href="{vendor}/swagger-ui.css">
<link rel="icon" type="image/png" href="{vendor}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{root}/api/openapi.json"></div>
<script src="{vendor}/swagger-ui-bundle.js"></script>
<script src="{root}/static/api-docs.js"></script>
</body>
</html>
"""
    return HTMLResponse(html)


def install(app: FastAPI) -> None:
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
    app.add_api_route("/api/docs", docs_page, methods=["GET"], include_in_schema=False)
