"""Live grading progress: the phase a submission is in, how long it has waited, its place in the queue.

The worker grading a submission records each phase the grader enters (``set_phase``) on the submission's
row, only while the claim is still its own; every replica reads it from there, so the learner's page
(htmx polling of ``_submission.html``) and the API show the same thing wherever they are served.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, func, update
from sqlmodel import Session, col, select

from app.models import Submission, SubmissionStatus, utcnow
from app.services import grading_retry

#: What each phase means to a learner. Harness phases of the reference solution (``ref:...``) and
#: phases not listed here are shown by their name.
PHASE_LABELS: dict[str, str] = {
    "reference": "preparing the reference solution",
    "kernel": "starting a fresh kernel",
    "load": "loading your code",
    "calls": "calling f on the test inputs",
    "purity": "checking that f is pure",
    "prng": "checking random keys",
    "jit": "compiling f with jax.jit",
    "retrace": "checking for retracing",
    "vmap": "checking f under jax.vmap",
    "grad": "checking gradients",
    "program": "inspecting the compiled program",
    "baseline_program": "inspecting the baseline's program",
    "speedup": "timing f against the baseline",
    "cluster": "tracing f to group it with similar programs",
}


def phase_label(phase: str | None) -> str:
    if not phase:
        return "grading"
    base = phase.removeprefix("ref:")
    label = PHASE_LABELS.get(base, base.replace("_", " "))
    return f"{label} (reference)" if phase.startswith("ref:") else label


def set_phase(*, session: Session, submission_id: int, replica: str, attempt: int, phase: str) -> bool:
    """Record the phase the grading entered, if this claim is still the worker's own. False: it is not."""
    result = session.execute(
        update(Submission)
        .where(
            col(Submission.id) == submission_id,
            col(Submission.status) == SubmissionStatus.RUNNING.value,
            col(Submission.claimed_by) == replica,
            col(Submission.attempts) == attempt,
        )
        .values(phase=phase[:40], phase_started_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return getattr(result, "rowcount", 0) == 1


def queue_position(*, session: Session, sub: Submission) -> int:
    """How many queued submissions (of every learner, on every replica) will be claimed before this one."""
    if sub.status != SubmissionStatus.QUEUED.value or sub.id is None:
        return 0
    query = (
        select(func.count())
        .select_from(Submission)
        .where(and_(col(Submission.status) == SubmissionStatus.QUEUED.value, col(Submission.id) < sub.id))
    )
    return int(session.exec(query).one())


@dataclass(frozen=True)
class Progress:
    """What the page and the API show while a submission is not graded yet."""

    status: str
    phase: str | None
    phase_label: str
    ahead: int  # queued submissions before this one (0 once running)
    elapsed_s: float  # since submitted (queued) or since grading started (running)
    phase_elapsed_s: float | None
    # Set when a grading failed for the server's reasons (``grading_retry``): it will be retried.
    retry: grading_retry.RetryState | None = None


def _aware(ts: datetime | None) -> datetime | None:
    if ts is None:
        return None
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def progress_of(*, session: Session, sub: Submission, now: datetime | None = None) -> Progress:
    now = now or utcnow()
    running = sub.status == SubmissionStatus.RUNNING.value
    since = _aware(sub.started_at if running and sub.started_at else sub.created_at)
    phase_at = _aware(sub.phase_started_at) if running else None
    retry = grading_retry.retry_state(sub)
    waiting = grading_retry.RETRY_LABEL if retry is not None else "waiting to be graded"
    return Progress(
        status=sub.status,
        phase=sub.phase if running else None,
        phase_label=phase_label(sub.phase) if running else waiting,
        retry=retry,
        ahead=queue_position(session=session, sub=sub),
        elapsed_s=max(0.0, (now - since).total_seconds()) if since else 0.0,
        phase_elapsed_s=max(0.0, (now - phase_at).total_seconds()) if phase_at else None,
    )
