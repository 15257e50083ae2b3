"""The grading queue: submissions are stored first (``queued``), then graded here in the background.

``GradingQueue.start`` recovers submissions a previous process left ``running`` and starts
``settings.grading_workers`` worker tasks. The grader is a seam: ``Grader`` is any coroutine function
with the signature of ``app.grader.api.grade_submission``; tests hand the app a fake one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from app.db import session_scope
from app.services import submissions

if TYPE_CHECKING:
    from app.config import Settings
    from app.grader.kernel_source import KernelSource
    from app.lessons import Lesson, LessonCatalog

log = logging.getLogger(__name__)

Grader = Callable[..., Awaitable[dict[str, Any]]]  # (lesson=, code=, settings=) -> report dict


async def default_grader(
    *, lesson: Lesson, code: str, settings: Settings, kernels: KernelSource | None = None
) -> dict[str, Any]:
    """The real grader, imported only when first used; ``kernels`` is the server's warm pool."""
    from app.grader.api import grade_submission

    report: dict[str, Any] = await grade_submission(lesson=lesson, code=code, settings=settings, kernels=kernels)
    return report


class GradingQueue:
    def __init__(
        self, *, settings: Settings, engine: Engine, catalog: LessonCatalog, grader: Grader | None = None
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.catalog = catalog
        self.grader: Grader = grader or default_grader
        self.queue: asyncio.Queue[int] = asyncio.Queue()
        self.workers: list[asyncio.Task[None]] = []
        self.in_progress: set[int] = set()

    async def start(self) -> None:
        with session_scope(self.engine) as session:
            pending = submissions.recover_interrupted(
                session=session, max_attempts=self.settings.grading_max_attempts
            )
        for sub_id in pending:
            self.queue.put_nowait(sub_id)
        for i in range(self.settings.grading_workers):
            self.workers.append(asyncio.create_task(self._worker(), name=f"jaxtutor-grader-{i}"))

    async def close(self) -> None:
        for task in self.workers:
            task.cancel()
        for task in self.workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.workers.clear()

    def enqueue(self, submission_id: int) -> None:
        self.queue.put_nowait(submission_id)

    async def join(self) -> None:
        """Wait until everything queued so far is graded (tests, benchmarks)."""
        await self.queue.join()

    async def _worker(self) -> None:
        while True:
            sub_id = await self.queue.get()
            try:
                await self.grade_one(sub_id)
            except Exception:
                log.exception("grading submission %s failed", sub_id)
            finally:
                self.queue.task_done()

    async def grade_one(self, submission_id: int) -> None:
        with session_scope(self.engine) as session:
            sub = submissions.mark_running(session=session, submission_id=submission_id)
            if sub is None:
                return
            lesson_id, code = sub.lesson_id, sub.code
        self.in_progress.add(submission_id)
        try:
            report = await self._grade(lesson_id, code)
        finally:
            self.in_progress.discard(submission_id)
        with session_scope(self.engine) as session:
            submissions.mark_done(session=session, submission_id=submission_id, report=report)

    async def _grade(self, lesson_id: str, code: str) -> dict[str, Any]:
        lesson = self.catalog.get(lesson_id)
        if lesson is None:
            return submissions.error_report(f"The lesson {lesson_id!r} is no longer available.")
        limit = self.settings.grade_total_timeout_s + 30.0  # the grader enforces its own limit first
        try:
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation (shutdown hangs).
            async with asyncio.timeout(limit):
                report = await self.grader(lesson=lesson, code=code, settings=self.settings)
        except TimeoutError:
            return submissions.error_report(f"Grading took longer than {limit:.0f} s and was stopped.")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("the grader raised")
            return submissions.error_report(
                f"The grader failed ({type(exc).__name__}). Please try again later."
            )
        if not isinstance(report, dict):
            return submissions.error_report("The grader returned no report.")
        return report
