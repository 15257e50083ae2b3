"""One ASGI middleware for what every request needs for operations: its id, its metrics, its log line.

- ``X-Request-ID``: taken from the request when sane (a proxy's id), else made up; sent back on the
  response, and put in the log context for every log line written while the request runs.
- Metrics: the route *template* (``/lessons/{lesson_id}``, never the raw path: bounded label values),
  method, status and time to the response start. Unmatched paths count as ``unmatched``.
- One access log line (logger ``jaxtutor.access``) with method, route, path, status and milliseconds.
"""

from __future__ import annotations

import logging
import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability import context
from app.observability.metrics import Metrics

access_log = logging.getLogger("jaxtutor.access")


def route_label(scope: Scope, templates: dict[int, str]) -> str:
    route = scope.get("route")
    path = templates.get(id(route)) if route is not None else None
    path = path or getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if str(scope.get("path", "")).startswith("/static/"):
        return "/static"
    return "unmatched"


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"x-request-id"), None)
        ctx = context.LogContext(request_id=context.request_id_from(header))
        token = context.current.set(ctx)
        started = time.perf_counter()
        status = 500
        elapsed: float | None = None

        async def send_wrapper(message: Message) -> None:
            nonlocal status, elapsed
            if message["type"] == "http.response.start":
                status = int(message["status"])
                elapsed = time.perf_counter() - started
                MutableHeaders(scope=message)["X-Request-ID"] = ctx.request_id or ""
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            seconds = elapsed if elapsed is not None else time.perf_counter() - started
            route = route_label(scope, self.metrics.route_templates)
            method = str(scope.get("method", ""))
            self.metrics.observe_request(route, method, status, seconds)
            peer = scope.get("client")  # behind a trusted proxy: the forwarded client (ProxyHeadersMiddleware)
            client = f"{peer[0]}:{peer[1]}" if peer else ""
            access_log.info(
                "%s %s %s %s %.1fms",
                client,
                method,
                scope.get("path", ""),
                status,
                seconds * 1000,
                extra={"route": route, "status": status, "duration_ms": round(seconds * 1000, 1), "client": client},
            )
            context.current.reset(token)
