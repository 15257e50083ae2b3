"""Run: POST starts a run in the learner's session kernel; the returned component polls GET for output."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from app.deps import CsrfDep, CurrentUser, LimiterDep, RunsDep, SettingsDep, check_code, rate_limit
from app.errors import AppError
from app.htmx import HX_RESWAP
from app.services.execution import CapacityError, RunBusyError
from app.templating import render

router = APIRouter(dependencies=[CsrfDep])


@router.post("/runs")
async def start_run(
    request: Request,
    user: CurrentUser,
    runs: RunsDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    code: Annotated[str, Form()],
) -> Response:
    assert user.id is not None
    check_code(code, settings)
    rate_limit(limiter, action="run", key=str(user.id), limit=settings.run_rate_per_minute)
    try:
        run = await runs.start_run(user_id=user.id, code=code)
    except RunBusyError as exc:
        # Keep the running cell's output on the page: the notice goes above it instead of replacing it.
        raise AppError(409, str(exc), headers={HX_RESWAP: "afterbegin"}) from exc
    except CapacityError as exc:
        raise AppError(503, str(exc), headers={"Retry-After": "30"}) from exc
    return render(request, "_run.html", {"run": run, "kernel_status": runs.status(user_id=user.id)})


@router.get("/runs/{run_id}")
async def poll_run(request: Request, run_id: str, user: CurrentUser, runs: RunsDep, since: int = 0) -> Response:
    assert user.id is not None
    polled = runs.poll(user_id=user.id, run_id=run_id, since=since)
    if polled is None:
        raise AppError(404, "That run is no longer available.")
    run, new = polled
    context = {
        "run": run,
        "new_outputs": new,
        "since": since + len(new),
        "kernel_status": runs.status(user_id=user.id),
    }
    return render(request, "_run_poll.html", context)


@router.get("/kernel/status")
async def kernel_status(request: Request, user: CurrentUser, runs: RunsDep) -> Response:
    assert user.id is not None
    return render(request, "_kernel_status.html", {"kernel_status": runs.status(user_id=user.id)})


@router.post("/kernel/interrupt")
async def interrupt(request: Request, user: CurrentUser, runs: RunsDep) -> Response:
    assert user.id is not None
    status = await runs.interrupt(user_id=user.id)
    return render(request, "_kernel_status.html", {"kernel_status": status})


@router.post("/kernel/restart")
async def restart(request: Request, user: CurrentUser, runs: RunsDep) -> Response:
    assert user.id is not None
    status = await runs.restart(user_id=user.id)
    return render(request, "_kernel_status.html", {"kernel_status": status, "restarted": True})
