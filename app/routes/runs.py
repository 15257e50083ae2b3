"""Run: POST starts a run in the learner's session kernel; the returned component polls GET for output."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from app.deps import (
    CatalogDep,
    CsrfDep,
    CurrentUser,
    LimiterDep,
    RunsDep,
    SessionDep,
    SettingsDep,
    check_code,
    rate_limit,
)
from app.errors import AppError
from app.htmx import HX_RESWAP
from app.services import home
from app.services.run import DEFAULT_SCOPE, CapacityError, RunBusyError
from app.templating import render

router = APIRouter(dependencies=[CsrfDep])

#: Which of the learner's kernels: the Playground's, or one lesson's (one kernel each, like notebooks).
SCOPE_RE = re.compile(r"playground|lesson:[A-Za-z0-9_.-]{1,56}")


def check_scope(scope: str) -> str:
    if not SCOPE_RE.fullmatch(scope):
        raise AppError(400, "Unknown kernel: reload the page and try again.")
    return scope


@router.post("/runs")
async def start_run(
    request: Request,
    user: CurrentUser,
    runs: RunsDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    session: SessionDep,
    catalog: CatalogDep,
    code: Annotated[str, Form()],
    lesson_id: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = DEFAULT_SCOPE,
) -> Response:
    """``lesson_id``: the lesson whose editor ran the code (the progress home's "continue where you left off")."""
    assert user.id is not None
    check_code(code, settings)
    check_scope(scope)
    rate_limit(limiter, action="run", key=str(user.id), limit=settings.run_rate_per_minute)
    if lesson_id and catalog.get(lesson_id) is not None:
        home.touch(session=session, user_id=user.id, lesson_id=lesson_id)
    try:
        run = await runs.start_run(user_id=user.id, code=code, scope=scope)
    except RunBusyError as exc:
        # Keep the running cell's output on the page: the notice goes above it instead of replacing it.
        raise AppError(409, str(exc), headers={HX_RESWAP: "afterbegin"}) from exc
    except CapacityError as exc:
        raise AppError(503, str(exc), headers={"Retry-After": "30"}) from exc
    status = runs.status(user_id=user.id, scope=scope)
    return render(request, "_run.html", {"run": run, "kernel_status": status})


@router.get("/runs/{run_id}")
async def poll_run(
    request: Request, run_id: str, user: CurrentUser, runs: RunsDep, since: int = 0, scope: str = DEFAULT_SCOPE
) -> Response:
    assert user.id is not None
    check_scope(scope)
    polled = runs.poll(user_id=user.id, run_id=run_id, since=since, scope=scope)
    if polled is None:
        raise AppError(404, "That run is no longer available.")
    run, new = polled
    context = {
        "run": run,
        "new_outputs": new,
        "since": since + len(new),
        "kernel_status": runs.status(user_id=user.id, scope=run.scope),
    }
    return render(request, "_run_poll.html", context)


@router.get("/kernel/status")
async def kernel_status(request: Request, user: CurrentUser, runs: RunsDep, scope: str = DEFAULT_SCOPE) -> Response:
    assert user.id is not None
    status = runs.status(user_id=user.id, scope=check_scope(scope))
    return render(request, "_kernel_status.html", {"kernel_status": status})


@router.post("/kernel/interrupt")
async def interrupt(
    request: Request, user: CurrentUser, runs: RunsDep, scope: Annotated[str, Form()] = DEFAULT_SCOPE
) -> Response:
    assert user.id is not None
    status = await runs.interrupt(user_id=user.id, scope=check_scope(scope))
    return render(request, "_kernel_status.html", {"kernel_status": status})


@router.post("/kernel/restart")
async def restart(
    request: Request, user: CurrentUser, runs: RunsDep, scope: Annotated[str, Form()] = DEFAULT_SCOPE
) -> Response:
    assert user.id is not None
    status = await runs.restart(user_id=user.id, scope=check_scope(scope))
    return render(request, "_kernel_status.html", {"kernel_status": status, "restarted": True})
