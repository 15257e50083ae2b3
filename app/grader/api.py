"""The grader as the web app calls it: one coroutine, one report document."""

from __future__ import annotations

from typing import Any

from app.config import Settings
from app.grader.pipeline import grade_lesson
from app.lessons.model import Lesson


async def grade_submission(*, lesson: Lesson, code: str, settings: Settings) -> dict[str, Any]:
    report = await grade_lesson(lesson, code, settings)
    return report.to_json()
