"""The grader as the web app calls it: one coroutine, one report document."""

from __future__ import annotations

from typing import Any

from app.config import Settings
from app.grader.driver import PhaseCallback
from app.grader.kernel_source import KernelSource
from app.grader.pipeline import grade_lesson
from app.lessons.model import Lesson


async def grade_submission(
    *,
    lesson: Lesson,
    code: str,
    settings: Settings,
    kernels: KernelSource | None = None,
    on_phase: PhaseCallback | None = None,
) -> dict[str, Any]:
    """Grade ``code`` for ``lesson``; ``kernels`` is the server's pool (``PooledKernels``), else cold starts.
    ``on_phase`` is told each grading phase as it starts (live progress)."""
    report = await grade_lesson(lesson, code, settings, kernels, on_phase)
    return report.to_json()
