"""The grader as the web app calls it: one coroutine, one report document."""

from __future__ import annotations

from typing import Any

from app.config import Settings
from app.grader.kernel_source import KernelSource
from app.grader.pipeline import grade_lesson
from app.lessons.model import Lesson


async def grade_submission(
    *, lesson: Lesson, code: str, settings: Settings, kernels: KernelSource | None = None
) -> dict[str, Any]:
    """Grade ``code`` for ``lesson``; ``kernels`` is the server's pool (``PooledKernels``), else cold starts."""
    report = await grade_lesson(lesson, code, settings, kernels)
    return report.to_json()
