"""The grading queue: submissions are stored first (``queued``), then graded here in the background.

The queue is the database, shared by every replica: each worker claims a submission
(``submissions.claim_next``: ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL), renews its lease every
third of ``grading_lease_s`` while it grades (the heartbeat), and writes the report only if the claim is
still its own. A replica that dies stops renewing; once its lease runs out another replica's worker takes
the submission over and grades it again (``grading_max_attempts`` claims, then ``stalled``: not graded, for an
operator, never the learner's ``error``).
A grading that fails for an infrastructure reason (no kernel could start, a full disk, a database error)
is not a verdict: it is retried with backoff, then set aside as not graded (``app.services.grading_retry``).
A submission made on this replica wakes a local worker at once; idle workers also look in the database
every ``grading_poll_s`` (work from other replicas, expired leases). A clean shutdown gives claims back.

``GradingQueue.start`` re-queues submissions this replica left ``running`` (all of them on SQLite, which
serves one process) and starts ``settings.grading_workers`` worker tasks. The grader is a seam:
``Grader`` is any coroutine function with the signature of ``app.grader.api.grade_submission``; tests
hand the app a fake one.

Two kinds of job share the queue (``Claim.kind``): learners' submissions, claimed first, and re-grades of
submissions after a lesson edit (``app.services.regrade_jobs``), claimed only when no submission waits.
A re-grade's result goes to its own ``regrade`` row, never to the submission.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlmodel import Session

from app.db import session_scope
from app.observability import context as log_context
from app.services import grading_progress, grading_retry, regrade_jobs, submissions

if TYPE_CHECKING:
    from app.config import Settings
    from app.grader.kernel_source import KernelSource
    from app.lessons import Lesson, LessonCatalog

log = logging.getLogger(__name__)

Grader = Callable[..., Awaitable[dict[str, Any]]]  # (lesson=, code=, settings=) -> report dict


async def default_grader(
    *,
    lesson: Lesson,
    code: str,
    settings: Settings,
    kernels: KernelSource | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The real grader, imported only when first used; ``kernels`` is the server's warm pool."""
    from app.grader.api import grade_submission

    report: dict[str, Any] = await grade_submission(
        lesson=lesson, code=code, settings=settings, kernels=kernels, on_phase=on_phase
    )
    return report


def accepts_progress(grader: Grader) -> bool:
    """Whether ``grader`` takes an ``on_phase`` callback (or any keyword): then it is told to report phases."""
    try:
        params = inspect.signature(grader).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "on_phase" or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


@dataclass(frozen=True)
class Claim:
    submission_id: int
    attempt: int
    lesson_id: str
    code: str
    kind: str = "submission"  # or "regrade": then ``job_id`` is the regrade row (app.services.regrade_jobs)
    job_id: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        """What ``in_progress`` holds it under: a submission and a re-grade of it never collide."""
        return (self.kind, self.job_id if self.job_id is not None else self.submission_id)


class GradingQueue:
    def __init__(
        self,
        *,
        settings: Settings,
        engine: Engine,
        catalog: LessonCatalog,
        grader: Grader | None = None,
        on_graded: Callable[[dict[str, Any], float], None] | None = None,
    ) -> None:
        """``on_graded(report, seconds)`` sees each report before it is stored (the app's metrics)."""
        self.settings = settings
        self.on_graded = on_graded
        self.engine = engine
        self.catalog = catalog
        self.grader: Grader = grader or default_grader
        self._reports_progress = accepts_progress(self.grader)
        self.replica = settings.replica_name()
        self.workers: list[asyncio.Task[None]] = []
        self.in_progress: dict[tuple[str, int], Claim] = {}
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        with session_scope(self.engine) as session:
            single = self.engine.dialect.name == "sqlite"
            submissions.recover_interrupted(
                session=session,
                max_attempts=self.settings.grading_max_attempts,
                claimed_by=None if single else self.replica,
                stalled_retry_s=self.settings.grading_stalled_retry_s,
            )
            regrade_jobs.recover_interrupted(
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
        """A submission was stored: wake a local worker (it claims from the database, oldest first).
        Safe from the threadpool, where sync routes run: the event is set on the queue's own loop."""
        loop = self._loop
        if loop is None or not loop.is_running():
            self._wake.set()
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    def wake(self) -> None:
        """Re-grades were queued (``app.services.regrade``): wake a local worker, as a submission does."""
        self.enqueue(0)

    async def join(self, timeout: float = 300.0) -> None:
        """Wait until no submission or re-grade is queued or running, on any replica (tests, benchmarks)."""
        async with asyncio.timeout(timeout):
            while True:
                with session_scope(self.engine) as session:
                    unfinished = submissions.unfinished_count(session=session)
                    unfinished += regrade_jobs.unfinished_count(session=session)
                    if unfinished == 0 and not self.in_progress:
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
                stalled_retry_s=self.settings.grading_stalled_retry_s,
            )
            if sub is not None and sub.id is not None:
                return Claim(sub.id, sub.attempts, sub.lesson_id, sub.code)
            again = regrade_jobs.claim_next(
                session=session,
                replica=self.replica,
                lease_s=self.settings.grading_lease_s,
                max_attempts=self.settings.grading_max_attempts,
            )
            if again is None:
                return None
            row, original = again
            assert row.id is not None
            return Claim(row.submission_id, row.attempts, row.lesson_id, original.code, kind="regrade", job_id=row.id)

    async def grade_claimed(self, claim: Claim) -> None:
        """Grade one claimed submission under a renewed lease; write the report if the claim is still ours.
        Log lines while it grades carry the submission's id (``app.observability.context``)."""
        with log_context.bound(submission_id=claim.submission_id):
            await self._grade_claimed(claim)

    async def _grade_claimed(self, claim: Claim) -> None:
        self.in_progress[claim.key] = claim
        started = time.monotonic()
        grading = asyncio.create_task(
            self._grade(claim.lesson_id, claim.code, self._phase_writer(claim)),
            name=f"jaxtutor-grade-{claim.submission_id}",
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
            problem = grading_retry.report_problem(report)
            if problem is not None and claim.job_id is None:  # a re-grade's own rules keep it (regrade_jobs)
                await self._store(claim, lambda session: self._defer(session, claim, problem))
                return
            if self.on_graded is not None:
                try:
                    self.on_graded(report, time.monotonic() - started)
                except Exception:
                    log.exception("recording the grading's metrics failed")
            await self._store(claim, lambda session: self._finish(session, claim, report))
        finally:
            self.in_progress.pop(claim.key, None)
            for task in (grading, beat):
                if not task.done():
                    task.cancel()

    def _finish(self, session: Session, claim: Claim, report: dict[str, Any]) -> None:
        if claim.job_id is not None:  # a re-grade: its own row, never the submission's
            done: object = regrade_jobs.finish_claimed(
                session=session, regrade_id=claim.job_id, replica=self.replica, attempt=claim.attempt, report=report
            )
        else:
            done = submissions.finish_claimed(
                session=session,
                submission_id=claim.submission_id,
                replica=self.replica,
                attempt=claim.attempt,
                report=report,
            )
        if done is None:
            log.warning("submission %s was taken over by another replica; report dropped", claim.submission_id)

    def _defer(self, session: Session, claim: Claim, problem: str) -> None:
        status = grading_retry.defer_claimed(
            session=session,
            submission_id=claim.submission_id,
            replica=self.replica,
            attempt=claim.attempt,
            problem=problem,
            settings=self.settings,
        )
        log.warning("grading submission %s failed (%s): %s", claim.submission_id, problem, status or "taken over")

    async def _store(self, claim: Claim, write: Callable[[Session], None]) -> None:
        """Write a grading's outcome, trying again with backoff while the database refuses (full disk,
        read-only, away): the outcome is only in memory until then. If every try fails the claim's lease
        runs out and the submission is claimed and graded again once the database is back: not lost."""
        for failure in range(self.settings.grading_infra_retries + 1):
            try:
                with session_scope(self.engine) as session:
                    write(session)
                return
            except Exception as exc:
                problem = grading_retry.infrastructure_problem(exc)
                if problem is None or failure == self.settings.grading_infra_retries:
                    raise
                delay = grading_retry.backoff_s(failure + 1, self.settings)
                log.warning("storing submission %s failed (%s); again in %.0f s", claim.submission_id, problem, delay)
                await asyncio.sleep(delay)

    async def _heartbeat(self, claim: Claim, grading: asyncio.Task[dict[str, Any]]) -> bool:
        """Renew the lease until the grading ends; False (and the grading cancelled) once it is lost."""
        interval = self.settings.grading_lease_s / 3
        while not grading.done():
            await asyncio.sleep(interval)
            try:
                with session_scope(self.engine) as session:
                    if claim.job_id is not None:
                        ours = regrade_jobs.renew_lease(
                            session=session,
                            regrade_id=claim.job_id,
                            replica=self.replica,
                            attempt=claim.attempt,
                            lease_s=self.settings.grading_lease_s,
                        )
                    else:
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
                if claim.job_id is not None:
                    regrade_jobs.release_claim(
                        session=session, regrade_id=claim.job_id, replica=self.replica, attempt=claim.attempt
                    )
                    return
                submissions.release_claim(
                    session=session, submission_id=claim.submission_id, replica=self.replica, attempt=claim.attempt
                )
        except Exception:
            log.exception("giving back submission %s failed; its lease will run out", claim.submission_id)

    def _phase_writer(self, claim: Claim) -> Callable[[str], None]:
        """The grader's progress callback: each phase goes to the submission's row (read by every replica).
        A re-grade's phases are not recorded (its progress is counted per lesson, not per phase)."""

        def write(phase: str) -> None:
            if claim.job_id is not None:
                return
            try:
                with session_scope(self.engine) as session:
                    grading_progress.set_phase(
                        session=session,
                        submission_id=claim.submission_id,
                        replica=self.replica,
                        attempt=claim.attempt,
                        phase=phase,
                    )
            except Exception:
                log.exception("recording the phase of submission %s failed", claim.submission_id)

        return write

    async def _grade(self, lesson_id: str, code: str, on_phase: Callable[[str], None] | None = None) -> dict[str, Any]:
        lesson = self.catalog.get(lesson_id)
        if lesson is None:
            return submissions.error_report(f"The lesson {lesson_id!r} is no longer available.")
        limit = self.settings.grade_total_timeout_s + 30.0  # the grader enforces its own limit first
        try:
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation (shutdown hangs).
            async with asyncio.timeout(limit):
                extra = {"on_phase": on_phase} if on_phase is not None and self._reports_progress else {}
                report = await self.grader(lesson=lesson, code=code, settings=self.settings, **extra)
        except TimeoutError:
            report = submissions.error_report(f"Grading took longer than {limit:.0f} s and was stopped.")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            problem = grading_retry.infrastructure_problem(exc)
            log.exception("the grader raised%s", f" ({problem}: will retry)" if problem else "")
            report = submissions.error_report(f"The grader failed ({type(exc).__name__}). Please try again later.")
            if problem is not None:  # the server's failure, not the learner's: retried, never their error
                report["infrastructure"] = problem
        if not isinstance(report, dict):
            report = submissions.error_report("The grader returned no report.")
        return {**report, "lesson_version": lesson.content_hash}
