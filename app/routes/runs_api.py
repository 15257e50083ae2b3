"""JSON API for Run and hints (``/api/v1``): what a script or an LMS integration needs beside lessons and
submissions. The same services as the pages (``app.services.run``, ``progress.reveal_hint``): a Run goes to
the caller's own kernel for that lesson (or the Playground's), exactly as pressing Run in the browser does,
and its output is polled with ``since`` like the page's poller."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

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
from app.lessons import LessonCatalog
from app.schemas import error_responses
from app.services import home, progress
from app.services.run import CapacityError, Run, RunBusyError

router = APIRouter(dependencies=[CsrfDep], tags=["runs"])

READ_ERRORS = error_responses(401, 404, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422, 429, 503)


class RunStart(BaseModel):
    code: str = Field(description="The code to run, as the editor would send it.")
    lesson_id: str | None = Field(
        None, max_length=64, description="Run in this lesson's kernel; omitted: the Playground's kernel."
    )


class RunOutput(BaseModel):
    kind: Literal["stream", "display", "result", "error"]
    name: str = Field("", description="The stream, for kind 'stream': stdout or stderr.")
    text: str = ""
    data: dict[str, Any] = Field(default_factory=dict, description="The MIME bundle of a display or result.")


class RunState(BaseModel):
    id: str
    lesson_id: str | None
    status: Literal["starting", "running", "done"]
    queue_position: int = Field(description="k in 'your kernel is starting (position k)'; 0 when not waiting.")
    outputs: list[RunOutput] = Field(description="The outputs from index `since` on, in arrival order.")
    next_since: int = Field(description="`since` for the next poll.")
    outcome: str | None = Field(
        None, description="When done: ok, raised, timeout, killed, out_of_memory, crashed, output_limit..."
    )
    message: str = Field("", description="What happened, for a person (e.g. why the kernel was restarted).")
    kernel: str = Field(description="The kernel's state: none, queued, starting, idle, busy or culled.")


class KernelState(BaseModel):
    lesson_id: str | None
    kernel: str = Field(description="The kernel's state: none, queued, starting, idle, busy or culled.")


class Hints(BaseModel):
    lesson_id: str
    available: int = Field(description="How many hints the lesson has.")
    revealed: list[str] = Field(description="The hints revealed so far, in order (Markdown).")


def _scope(catalog: LessonCatalog, lesson_id: str | None) -> str:
    if lesson_id is None:
        return "playground"
    if catalog.get(lesson_id) is None:
        raise AppError(404, f"There is no lesson {lesson_id!r}.")
    return f"lesson:{lesson_id}"


def _state(run: Run, new: list[Any], since: int, lesson_id: str | None, kernel: str) -> RunState:
    result = run.result
    return RunState(
        id=run.id,
        lesson_id=lesson_id,
        status=run.status if run.status in ("starting", "running", "done") else "running",
        queue_position=run.queue_position,
        outputs=[RunOutput(kind=o.kind, name=o.name, text=o.text, data=o.data) for o in new],
        next_since=since + len(new),
        outcome=str(result.reason) if result is not None else None,
        message=run.message or (result.message if result is not None else ""),
        kernel=kernel,
    )


@router.post("/runs", status_code=201, responses=WRITE_ERRORS)
async def start_run(
    body: RunStart,
    user: CurrentUser,
    runs: RunsDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    session: SessionDep,
    catalog: CatalogDep,
) -> RunState:
    """Start running the code in the caller's kernel for the lesson (started on first use); poll
    ``GET /runs/{id}`` for its output."""
    assert user.id is not None
    check_code(body.code, settings)
    scope = _scope(catalog, body.lesson_id)
    rate_limit(limiter, action="run", key=str(user.id), limit=settings.run_rate_per_minute)
    if body.lesson_id:
        home.touch(session=session, user_id=user.id, lesson_id=body.lesson_id)
    try:
        run = await runs.start_run(user_id=user.id, code=body.code, scope=scope)
    except RunBusyError as exc:
        raise AppError(409, str(exc)) from exc
    except CapacityError as exc:
        raise AppError(503, str(exc), headers={"Retry-After": "30"}) from exc
    return _state(run, [], 0, body.lesson_id, runs.status(user_id=user.id, scope=scope))


@router.get("/runs/{run_id}", responses=READ_ERRORS)
def poll_run(
    run_id: str, user: CurrentUser, runs: RunsDep, catalog: CatalogDep, since: int = 0, lesson_id: str | None = None
) -> RunState:
    """The Run's state and its outputs from index ``since`` on (pass the previous answer's ``next_since``)."""
    assert user.id is not None
    scope = _scope(catalog, lesson_id)
    polled = runs.poll(user_id=user.id, run_id=run_id[:64], since=max(0, since), scope=scope)
    if polled is None:
        raise AppError(404, "That run is no longer available.")
    run, new = polled
    return _state(run, new, max(0, since), lesson_id, runs.status(user_id=user.id, scope=run.scope))


@router.post("/runs/interrupt", responses=error_responses(401, 403, 404, 422))
async def interrupt(user: CurrentUser, runs: RunsDep, catalog: CatalogDep, lesson_id: str | None = None) -> KernelState:
    """Interrupt what the caller's kernel for the lesson (or the Playground's) is running, like Ctrl+C."""
    assert user.id is not None
    scope = _scope(catalog, lesson_id)
    return KernelState(lesson_id=lesson_id, kernel=await runs.interrupt(user_id=user.id, scope=scope))


def _hints(catalog: LessonCatalog, lesson_id: str, shown: int) -> Hints:
    lesson = catalog.get(lesson_id)
    assert lesson is not None
    return Hints(lesson_id=lesson_id, available=len(lesson.meta.hints), revealed=lesson.meta.hints[:shown])


@router.get("/lessons/{lesson_id}/hints", responses=READ_ERRORS)
def hints(lesson_id: str, user: CurrentUser, session: SessionDep, catalog: CatalogDep) -> Hints:
    """The hints the caller has revealed for this lesson."""
    assert user.id is not None
    _scope(catalog, lesson_id)
    prog = progress.get_progress(session=session, user_id=user.id, lesson_id=lesson_id)
    return _hints(catalog, lesson_id, prog.hints_revealed if prog else 0)


@router.post("/lessons/{lesson_id}/hints", responses=error_responses(401, 403, 404, 422))
def reveal_hint(lesson_id: str, user: CurrentUser, session: SessionDep, catalog: CatalogDep) -> Hints:
    """Reveal the next hint (counted in the instructor's views, as in the page); all of them once revealed."""
    assert user.id is not None
    _scope(catalog, lesson_id)
    lesson = catalog.get(lesson_id)
    assert lesson is not None
    shown = progress.reveal_hint(
        session=session, user_id=user.id, lesson_id=lesson_id, available=len(lesson.meta.hints)
    )
    return _hints(catalog, lesson_id, shown)
