"""Completion and inspect (Shift+Tab) for the editor, answered by the learner's own Run kernel (JSON).

Thin: the scope names which of the signed-in learner's kernels (this lesson's, or the Playground's); the
learner is always the session's user, so no request reaches another learner's kernel. CSRF as for Run.
The work is ``app.services.run.assist``.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

from app.deps import CsrfDep, CurrentUser, LimiterDep, RunsDep, SettingsDep, check_code, rate_limit
from app.routes.runs import check_scope
from app.services.run import assist as run_assist

router = APIRouter(dependencies=[CsrfDep])


class AssistRequest(BaseModel):
    code: str = Field(description="The editor's whole text.")
    cursor_pos: int = Field(ge=0, description="The cursor, in Unicode code points from the start of ``code``.")
    scope: str = Field(description="Which of the learner's kernels: ``lesson:<id>`` or ``playground``.")


def _checked(body: AssistRequest, user_id: int, settings: SettingsDep, limiter: LimiterDep) -> None:
    check_code(body.code, settings)
    check_scope(body.scope)
    rate_limit(limiter, action="editor-assist", key=str(user_id), limit=settings.editor_assist_rate_per_minute)


@router.post("/kernel/complete")
async def complete(
    body: AssistRequest, user: CurrentUser, runs: RunsDep, settings: SettingsDep, limiter: LimiterDep
) -> JSONResponse:
    assert user.id is not None
    _checked(body, user.id, settings, limiter)
    answer = await run_assist.complete(
        runs=runs, settings=settings, user_id=user.id, scope=body.scope, code=body.code, cursor_pos=body.cursor_pos
    )
    return JSONResponse(answer.public())


@router.post("/kernel/inspect")
async def inspect(
    body: AssistRequest, user: CurrentUser, runs: RunsDep, settings: SettingsDep, limiter: LimiterDep
) -> JSONResponse:
    assert user.id is not None
    _checked(body, user.id, settings, limiter)
    answer = await run_assist.inspect(
        runs=runs, settings=settings, user_id=user.id, scope=body.scope, code=body.code, cursor_pos=body.cursor_pos
    )
    return JSONResponse(answer.public())
