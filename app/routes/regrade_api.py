"""JSON API for re-grading a lesson's submissions after an edit (``/api/v1``, instructors and admins).

``POST /lessons/{id}/regrades`` is the preview page's button: it queues the re-grades against the version
served now and answers their progress; ``GET`` reports the progress (n of N finished, failures, changed
verdicts) of the re-grade against a version, by default the current one. The work itself is the grading
queue's (``app.services.regrade``); asking twice for one version queues nothing new.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.deps import CatalogDep, CsrfDep, GradingDep, SessionDep, SettingsDep, StaffUser, lesson_or_404
from app.errors import AppError
from app.schemas import error_responses
from app.services import regrade

router = APIRouter(dependencies=[CsrfDep], tags=["regrades"])


class RegradeCreate(BaseModel):
    scope: Literal["latest", "all", "ungrouped"] = Field(
        "latest",
        description="latest: each learner's newest submission for the lesson; all: every graded one; ungrouped: "
        "every graded one without a cluster (graded before clusters existed), which the re-grade files under one.",
    )


class RegradeState(BaseModel):
    lesson_id: str
    lesson_version: str = Field(description="The lesson version the submissions are re-graded against.")
    total: int = Field(description="Re-grades asked for against this version.")
    finished: int = Field(description="done + failed.")
    queued: int
    running: int
    done: int = Field(description="Graded: each result is stored beside the submission's original verdict.")
    failed: int = Field(description="The kernel died or the grading infrastructure failed: nothing replaced.")
    changed: int = Field(description="Done with a verdict other than the submission's original one.")
    active: bool = Field(description="Whether re-grades are still queued or running (poll again).")


class RegradeQueued(RegradeState):
    scope: Literal["latest", "all", "ungrouped"]
    added: int = Field(description="Re-grades this request queued (new ones and failed ones asked for again).")
    already: int = Field(description="Submissions left out: already graded against this version, or in progress.")


def _state(found: regrade.RegradeProgress) -> RegradeState:
    return RegradeState(
        lesson_id=found.lesson_id,
        lesson_version=found.lesson_version,
        total=found.total,
        finished=found.finished,
        queued=found.queued,
        running=found.running,
        done=found.done,
        failed=found.failed,
        changed=found.changed,
        active=found.active,
    )


@router.post("/lessons/{lesson_id}/regrades", status_code=202, responses=error_responses(400, 401, 403, 404, 409, 422))
def create_regrade(
    lesson_id: str,
    body: RegradeCreate,
    user: StaffUser,
    session: SessionDep,
    catalog: CatalogDep,
    grading: GradingDep,
    settings: SettingsDep,
) -> RegradeQueued:
    lesson = lesson_or_404(catalog, lesson_id)
    try:
        done = regrade.request_regrade(
            session=session,
            lesson_id=lesson.id,
            lesson_version=lesson.content_hash,
            scope=body.scope,
            requested_by=user.id,
            max_jobs=settings.regrade_max_jobs,
        )
    except regrade.RegradeError as exc:
        raise AppError(409, str(exc)) from exc
    grading.wake()
    found = regrade.regrade_progress(session=session, lesson_id=lesson.id, lesson_version=lesson.content_hash)
    return RegradeQueued(**_state(found).model_dump(), scope=body.scope, added=done.added, already=done.already)


@router.get("/lessons/{lesson_id}/regrades", responses=error_responses(401, 403, 404, 422))
def get_regrade(
    lesson_id: str,
    user: StaffUser,
    session: SessionDep,
    catalog: CatalogDep,
    version: Annotated[str | None, Query(max_length=32, description="Default: the version served now.")] = None,
) -> RegradeState:
    lesson = lesson_or_404(catalog, lesson_id)
    found = regrade.regrade_progress(
        session=session, lesson_id=lesson.id, lesson_version=version or lesson.content_hash
    )
    return _state(found)
