"""``GET /metrics`` (Prometheus text format) and ``GET /readyz`` (readiness, JSON). Not in the API schema:
they are for the operator's tools, not for API clients."""

from __future__ import annotations

import asyncio
import hmac

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.observability.readiness import readiness

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    if token:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
            return JSONResponse(  # our error document, never the login redirect of page routes
                {"error": {"status": 401, "code": "unauthorized", "message": "The metrics token is missing or wrong."}},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
    # In a thread: the scrape-time collector counts the grading queue in the database.
    body = await asyncio.to_thread(generate_latest, request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    ok, checks = await readiness(request.app.state, check_kernels=request.app.state.check_kernels)
    return JSONResponse(
        {"ready": ok, "checks": {name: c.to_json() for name, c in checks.items()}},
        status_code=200 if ok else 503,
        headers={"Cache-Control": "no-store"},
    )
