"""Try: the learner's code, then their entry called on the lesson's public examples, in their Run kernel.

The expected outputs come from the sandboxed reference kernel (``app.services.tryout.PublicExamples``);
the output appears in the Run panel like any Run, under a table of the public inputs and expected outputs.
"""

from __future__ import annotations

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
    lesson_or_404,
    rate_limit,
)
from app.errors import AppError
from app.htmx import HX_RESWAP
from app.services import home
from app.services.run import CapacityError, RunBusyError
from app.services.tryout import PublicExamples, TryUnavailable, try_cell
from app.templating import render

router = APIRouter(dependencies=[CsrfDep])


@router.post("/lessons/{lesson_id}/try")
async def try_examples(
    request: Request,
    lesson_id: str,
    user: CurrentUser,
    runs: RunsDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    session: SessionDep,
    catalog: CatalogDep,
    code: Annotated[str, Form()] = "",
) -> Response:
    assert user.id is not None
    lesson = lesson_or_404(catalog, lesson_id)
    check_code(code, settings)
    if not code.strip():
        raise AppError(400, "Your code is empty: write your solution in the editor, then press Try.")
    rate_limit(limiter, action="run", key=str(user.id), limit=settings.run_rate_per_minute)
    examples_source: PublicExamples = request.app.state.public_examples
    try:
        examples = await examples_source.examples(lesson)
    except TryUnavailable as exc:
        raise AppError(409, str(exc)) from exc
    try:
        run = await runs.start_run(user_id=user.id, code=try_cell(lesson, code, examples))
    except RunBusyError as exc:
        raise AppError(409, str(exc), headers={HX_RESWAP: "afterbegin"}) from exc
    except CapacityError as exc:
        raise AppError(503, str(exc), headers={"Retry-After": "30"}) from exc
    home.touch(session=session, user_id=user.id, lesson_id=lesson.id)
    ctx = {"run": run, "examples": examples, "lesson": lesson, "kernel_status": runs.status(user_id=user.id)}
    return render(request, "_try.html", ctx)
