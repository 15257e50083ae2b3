"""The grading queue: submissions are stored first (``queued``), then graded here in the background.

The queue is the database, shared by every replica: each worker claims a submission
(``submissions.claim_next``: ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL), renews its lease every
third of ``grading_lease_s`` while it grades (the heartbeat), and writes the report only if the claim is
still its own. A replica that dies stops renewing; once its lease runs out another replica's worker takes
the submission over and grades it again (``grading_max_attempts`` claims, then an ``error`` report).
A submission made on this replica wakes a local worker at once; idle workers also look in the database
every ``grading_poll_s`` (work from other replicas, expired leases). A clean shutdown gives claims back.

``GradingQueue.start`` re-queues submissions this replica left ``running`` (all of them on SQLite, which
serves one process) and starts ``settings.grading_workers`` worker tasks. The grader is a seam:
``Grader`` is any coroutine function with the signature of ``app.grader.api.grade_submission``; tests
hand the app a fake one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Claim:
    submission_id: int
    attempt: int
    lesson_id: str
    code: str


class GradingQueue:
    def __init__(
        self, *, settings: Settings, engine: Engine, catalog: LessonCatalog, grader: Grader | None = None
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.catalog = catalog
        self.grader: Grader = grader or default_grader
        self.replica = settings.replica_name()
        self.workers: list[asyncio.Task[None]] = []
        self.in_progress: dict[int, Claim] = {}
        self._wake = asyncio.Event()

    async def start(self) -> None:
        with session_scope(self.engine) as session:
            single = self.engine.dialect.name == "sqlite"
            submissions.recover_interrupted(
                session=session,
                max_attempts=self.settings.grading_max_attempts,
                claimed_by=None if single else self.replica,
            )
        for i in range(self.settings.grading_workers):
            self.workers.append(asyncio.create_task(self._worker(), name=f"jaxtutor-grader-{i}"))
        self._wake.set()

    async def close(self) -> None:
        for task in self.workers:
            task.cancel()
        for task in self.workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.workers.clear()

    def enqueue(self, submission_id: int) -> None:
        """A submission was stored: wake a local worker (it claims from the database, oldest first)."""
        self._wake.set()

    async def join(self, timeout: float = 300.0) -> None:
        """Wait until no submission is queued or running, on any replica (tests, benchmarks)."""
        async with asyncio.timeout(timeout):
            while True:
                with session_scope(self.engine) as session:
                    if submissions.unfinished_count(session=session) == 0 and not self.in_progress:
                        return
                self._wake.set()
                await asyncio.sleep(0.02)

    async def _worker(self) -> None:
        while True:
            try:
                claim = self._claim()
            except Exception:
                log.exception("claiming a submission failed (database unavailable?)")
                claim = None
            if claim is None:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.settings.grading_poll_s):
                        await self._wake.wait()
                self._wake.clear()
                continue
            self._wake.set()  # there may be more: let another idle worker look
            try:
                await self.grade_claimed(claim)
            except Exception:
                log.exception("grading submission %s failed", claim.submission_id)

    def _claim(self) -> Claim | None:
        with session_scope(self.engine) as session:
            sub = submissions.claim_next(
                session=session,
                replica=self.replica,
                lease_s=self.settings.grading_lease_s,
                max_attempts=self.settings.grading_max_attempts,
            )
            if sub is None or sub.id is None:
                return None
            return Claim(sub.id, sub.attempts, sub.lesson_id, sub.code)

    async def grade_claimed(self, claim: Claim) -> None:
        """Grade one claimed submission under a renewed lease; write the report if the claim is still ours."""
        self.in_progress[claim.submission_id] = claim
        grading = asyncio.create_task(
            self._grade(claim.lesson_id, claim.code), name=f"jaxtutor-grade-{claim.submission_id}"
        )
        beat = asyncio.create_task(self._heartbeat(claim, grading), name=f"jaxtutor-lease-{claim.submission_id}")
        try:
            try:
                report = await grading
            except asyncio.CancelledError:
                if grading.cancelled() and beat.done() and not beat.cancelled() and beat.result() is False:
                    log.warning("lost the lease on submission %s; another replica grades it", claim.submission_id)
                    return
                self._give_back(claim)  # shutting down: queued again at once for another replica
                raise
            with session_scope(self.engine) as session:
                done = submissions.finish_claimed(
                    session=session,
                    submission_id=claim.submission_id,
                    replica=self.replica,
                    attempt=claim.attempt,
                    report=report,
                )
            if done is None:
                log.warning("submission %s was taken over by another replica; report dropped", claim.submission_id)
        finally:
            self.in_progress.pop(claim.submission_id, None)
            for task in (grading, beat):
                if not task.done():
                    task.cancel()

    async def _heartbeat(self, claim: Claim, grading: asyncio.Task[dict[str, Any]]) -> bool:
        """Renew the lease until the grading ends; False (and the grading cancelled) once it is lost."""
        interval = self.settings.grading_lease_s / 3
        while not grading.done():
            await asyncio.sleep(interval)
            try:
                with session_scope(self.engine) as session:
                    ours = submissions.renew_lease(
                        session=session,
                        submission_id=claim.submission_id,
                        replica=self.replica,
                        attempt=claim.attempt,
                        lease_s=self.settings.grading_lease_s,
                    )
            except Exception:
                log.exception("renewing the lease on submission %s failed", claim.submission_id)
                continue
            if not ours:
                grading.cancel()
                return False
        return True

    def _give_back(self, claim: Claim) -> None:
        try:
            with session_scope(self.engine) as session:
                submissions.release_claim(
                    session=session, submission_id=claim.submission_id, replica=self.replica, attempt=claim.attempt
                )
        except Exception:
            log.exception("giving back submission %s failed; its lease will run out", claim.submission_id)

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
            return submissions.error_report(f"The grader failed ({type(exc).__name__}). Please try again later.")
        if not isinstance(report, dict):
            return submissions.error_report("The grader returned no report.")
        return report
