"""The instructor's lesson preview: what the loader made of a lesson, and its own files graded.

Grading goes through the same grader the submission queue uses (real kernels from the warm pool, the
sandbox), so "grade solution" here is exactly what a learner's submission of the solution would get.
Nothing is written to the database: a preview grading is the author's check, not a submission.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.config import Settings
from app.grader.lesson_proof import author_advice
from app.grader.report import CheckResult
from app.lessons.loader import LessonCatalog
from app.lessons.model import Lesson, LessonProblem
from app.services.grading_jobs import GradingQueue

log = logging.getLogger("jaxtutor.preview")
ROLES = ("starter", "solution", "baseline")


@dataclass
class LessonPreview:
    lesson_id: str
    lesson: Lesson | None  # the version served (the last good one while the files are broken)
    folder: Path | None
    problems: list[LessonProblem] = field(default_factory=list)
    stale: bool = False  # the files are broken and an older, good version is being served


async def preview(catalog: LessonCatalog, lesson_id: str) -> LessonPreview | None:
    """Re-read the lesson if its files changed (a cheap stat check), then describe it; None if unknown."""
    await asyncio.to_thread(catalog.refresh)
    lesson = catalog.get(lesson_id)
    state = catalog.folder_of(lesson_id)
    if lesson is None and state is None:
        return None
    return LessonPreview(
        lesson_id=lesson_id,
        lesson=lesson,
        folder=state.folder if state else None,
        problems=catalog.problems_for(lesson_id),
        stale=lesson_id in catalog.stale,
    )


def code_for(lesson: Lesson, role: str) -> str | None:
    return {"starter": lesson.starter, "solution": lesson.solution, "baseline": lesson.baseline}.get(role)


async def grade_role(queue: GradingQueue, lesson: Lesson, role: str, settings: Settings) -> dict[str, Any]:
    """Grade the lesson's own starter, solution or baseline; the report document plus author advice."""
    code = code_for(lesson, role)
    if code is None:
        return {"status": "error", "message": f"This lesson has no {role}.py.", "checks": [], "score": 0.0}
    try:
        report = dict(await queue.grader(lesson=lesson, code=code, settings=settings))
    except Exception as exc:  # the grader failing is shown to the author, never a 500
        log.exception("preview grading of %s/%s failed", lesson.id, role)
        return {"status": "error", "message": f"The grader failed: {exc.__class__.__name__}: {exc}", "checks": []}
    if role == "solution":
        for check in report.get("checks", []):
            if check.get("status") != "pass":
                result = CheckResult(
                    name=check["name"],
                    status=check["status"],
                    message=check.get("message", ""),
                    details=check.get("details") or {},
                )
                check["advice"] = author_advice(lesson, result)
    report["lesson_version"] = lesson.content_hash
    return report
