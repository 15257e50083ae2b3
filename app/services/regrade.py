"""Re-grading a lesson's submissions after the lesson changed, without ever losing the original verdict.

One action (the preview page's button, ``POST /api/v1/lessons/{id}/regrades``, ``jaxtutor lessons
regrade ID``) calls ``request_regrade``: it adds one ``regrade`` row per submission to grade again, and the
grading queue's workers grade them in the background after learners' own submissions
(``app.services.regrade_jobs``). ``regrade_progress`` counts them (n of N finished, failures, changed
verdicts) for the page's polling component and the API.

Which submissions (``scope``):
- ``latest`` (the default): each learner's newest submission for the lesson. It is what the learner's
  standing mostly rests on, and costs one grading per learner.
- ``all``: every graded submission (one grading each; ``regrade_max_jobs`` caps one request).
- ``ungrouped``: every graded submission without a cluster (graded before clusters existed, on an older
  release): the re-grade's report brings one, and ``regrade_jobs`` files the submission under it. Such a
  submission is re-graded even when it was graded against the version served now.
Any scope leaves out a submission already graded (originally, or by an earlier re-grade) against the requested
version, or with a re-grade still queued or running, is left out: asking twice for the same lesson version
queues nothing new. A re-grade that failed for reasons of the infrastructure is queued again by asking again.

The rule for verdicts (docs/regrading.md): a submission's *effective* verdict is that of its newest
finished re-grade (``done``; a ``failed`` one replaces nothing), else its original verdict. A learner's
progress on a lesson (passed, best score; hence the home page, the instructor dashboard, the cohort pages
and the gradebook) is computed from the effective verdicts of all their submissions for it
(``recompute_progress``): passed when any of them passes, best score the highest effective score.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from app.models import LessonProgress, Regrade, RegradeStatus, Submission, SubmissionStatus, utcnow
from app.services.regrade_scopes import DEFAULT_SCOPE, SCOPES

#: Report messages (status ``error``) of gradings that failed for reasons of the infrastructure, not of
#: the code graded: such a re-grade replaces nothing. Written by app.grader.pipeline/verdicts and
#: app.services.grading_jobs; a report may also say so itself with ``"infra": true``.
INFRA_MESSAGES = (
    "The kernel died while grading",
    "The grader could not start a kernel",
    "The grader failed",
    "The grader returned no report",
    "Grading took longer than",
    "Grading did not finish",
    "This lesson is broken",
    "Re-grading was interrupted",
)


class RegradeError(ValueError):
    """A re-grade request that cannot be honoured (the message says why, for the instructor)."""


def is_infra_failure(report: dict[str, Any]) -> bool:
    """Whether a report is a grading that failed for reasons other than the code (it replaces nothing)."""
    if report.get("status") != "error":
        return False
    if report.get("infra"):
        return True
    message = str(report.get("message") or "")
    lesson_gone = message.startswith("The lesson ") and message.endswith("is no longer available.")
    return lesson_gone or any(message.startswith(prefix) for prefix in INFRA_MESSAGES)


def failure_report(message: str) -> dict[str, Any]:
    return {"version": 1, "status": "error", "score": 0.0, "message": message, "checks": [], "infra": True}


# --- asking for a re-grade --------------------------------------------------------------------------
@dataclass(frozen=True)
class RegradeRequest:
    """What one request did: ``queued`` new re-grades, ``requeued`` failed ones asked for again; the rest
    were left out (``already``: graded against this version or being re-graded)."""

    lesson_id: str
    lesson_version: str
    scope: str
    queued: int
    requeued: int
    already: int

    @property
    def added(self) -> int:
        return self.queued + self.requeued


def _targets(session: Session, lesson_id: str, scope: str) -> list[Submission]:
    """The graded submissions ``scope`` names, oldest first."""
    query = select(Submission).where(
        col(Submission.lesson_id) == lesson_id, col(Submission.status) == SubmissionStatus.DONE.value
    )
    if scope == "latest":
        newest = (
            select(func.max(Submission.id))
            .where(col(Submission.lesson_id) == lesson_id)
            .group_by(col(Submission.user_id))
            .scalar_subquery()
        )
        query = query.where(col(Submission.id).in_(newest))
    elif scope == "ungrouped":
        query = query.where(col(Submission.cluster_key).is_(None))
    return list(session.exec(query.order_by(col(Submission.id))))


def request_regrade(
    *,
    session: Session,
    lesson_id: str,
    lesson_version: str,
    scope: str = DEFAULT_SCOPE,
    requested_by: int | None = None,
    max_jobs: int | None = None,
) -> RegradeRequest:
    """Queue re-grades of ``lesson_id``'s submissions against ``lesson_version`` (the version served now).

    Idempotent: what is already graded against that version, or queued or running, is left out, and the
    ``(submission, version)`` pair is unique in the table (two requests at once on two replicas add one row
    each at most). ``max_jobs``: a request that would queue more is refused whole (``RegradeError``)."""
    if scope not in SCOPES:
        raise RegradeError(f"Unknown scope {scope!r}: choose one of {', '.join(SCOPES)}.")
    if not lesson_version:
        raise RegradeError("The lesson has no version to re-grade against.")
    existing: dict[int, list[Regrade]] = {}
    for row in session.exec(select(Regrade).where(col(Regrade.lesson_id) == lesson_id)):
        existing.setdefault(row.submission_id, []).append(row)
    new: list[int] = []
    retry: list[Regrade] = []
    already = 0
    active = (RegradeStatus.QUEUED.value, RegradeStatus.RUNNING.value)
    for sub in _targets(session, lesson_id, scope):
        assert sub.id is not None
        rows = existing.get(sub.id, [])
        # "ungrouped" asks for a grading that brings a cluster: the original one against this version did not.
        originally = sub.graded_lesson_hash == lesson_version and scope != "ungrouped"
        graded_here = originally or any(
            r.status == RegradeStatus.DONE.value and lesson_version in (r.lesson_version, r.graded_lesson_hash)
            for r in rows
        )
        if graded_here or any(r.status in active for r in rows):
            already += 1
            continue
        failed = next((r for r in rows if r.lesson_version == lesson_version), None)
        if failed is not None:
            retry.append(failed)
        else:
            new.append(sub.id)
    if max_jobs is not None and len(new) + len(retry) > max_jobs:
        raise RegradeError(
            f"This would re-grade {len(new) + len(retry)} submissions; one request may queue at most {max_jobs} "
            "(the regrade_max_jobs setting). Re-grade only each learner's latest submission, or raise the limit."
        )
    now = utcnow()
    for row in retry:
        row.status = RegradeStatus.QUEUED.value
        row.attempts = 0
        row.claimed_by = None
        row.lease_expires_at = None
        row.requested_by = requested_by
        session.add(row)
    queued = 0
    if new:
        table = Regrade.__table__  # type: ignore[attr-defined]
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        values = [
            Regrade(
                submission_id=sid,
                lesson_id=lesson_id,
                lesson_version=lesson_version,
                requested_by=requested_by,
                created_at=now,
            ).model_dump(exclude={"id"})
            for sid in new
        ]
        statement = insert(table).values(values)
        statement = statement.on_conflict_do_nothing(index_elements=["submission_id", "lesson_version"])
        queued = len(session.execute(statement.returning(table.c.id)).all())  # rowcount: -1 on psycopg
        already += len(new) - queued
    session.commit()
    return RegradeRequest(
        lesson_id=lesson_id,
        lesson_version=lesson_version,
        scope=scope,
        queued=queued,
        requeued=len(retry),
        already=already,
    )


# --- progress of a re-grade ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RegradeProgress:
    """The re-grades of one lesson against one version: how many, and where they are."""

    lesson_id: str
    lesson_version: str
    total: int = 0
    queued: int = 0
    running: int = 0
    done: int = 0
    failed: int = 0  # the infrastructure failed: the original verdict stands
    changed: int = 0  # done, with a verdict other than the submission's original one

    @property
    def finished(self) -> int:
        return self.done + self.failed

    @property
    def active(self) -> bool:
        return self.queued + self.running > 0


def regrade_progress(*, session: Session, lesson_id: str, lesson_version: str) -> RegradeProgress:
    rows = session.exec(
        select(Regrade.status, func.count())
        .where(col(Regrade.lesson_id) == lesson_id, col(Regrade.lesson_version) == lesson_version)
        .group_by(col(Regrade.status))
    ).all()
    counts = {str(status): int(n) for status, n in rows}
    changed = session.exec(
        select(func.count())
        .select_from(Regrade)
        .join(Submission, col(Submission.id) == col(Regrade.submission_id))
        .where(
            col(Regrade.lesson_id) == lesson_id,
            col(Regrade.lesson_version) == lesson_version,
            col(Regrade.status) == RegradeStatus.DONE.value,
            col(Regrade.verdict) != col(Submission.verdict),
        )
    ).one()
    return RegradeProgress(
        lesson_id=lesson_id,
        lesson_version=lesson_version,
        total=sum(counts.values()),
        queued=counts.get(RegradeStatus.QUEUED.value, 0),
        running=counts.get(RegradeStatus.RUNNING.value, 0),
        done=counts.get(RegradeStatus.DONE.value, 0),
        failed=counts.get(RegradeStatus.FAILED.value, 0),
        changed=int(changed),
    )


# --- the newest verdict -------------------------------------------------------------------------------
def newest_regrades(*, session: Session, submission_ids: Iterable[int]) -> dict[int, Regrade]:
    """Each submission's newest finished re-grade (``done``; failed ones replace nothing), if it has one."""
    ids = [i for i in submission_ids if i is not None]
    if not ids:
        return {}
    rows = session.exec(
        select(Regrade)
        .where(col(Regrade.submission_id).in_(ids), col(Regrade.status) == RegradeStatus.DONE.value)
        .order_by(col(Regrade.id))
    )
    return {row.submission_id: row for row in rows}  # later rows (newer requests) win


def effective(sub: Submission, newest: Regrade | None) -> tuple[str | None, float | None]:
    """The verdict and score that count for ``sub``: its newest re-grade's, else its own."""
    if newest is not None and newest.verdict is not None:
        return newest.verdict, newest.score
    return sub.verdict, sub.score


def recompute_progress(*, session: Session, user_id: int, lesson_id: str) -> None:
    """Set the learner's ``passed``, ``passed_at`` and ``best_score`` on the lesson from the effective
    verdicts of all their graded submissions (``attempts`` stays: a re-grade is not an attempt). Leaves the
    transaction open for the caller. The progress row is locked first (PostgreSQL), so a submission graded
    at the same moment either is read here or updates the row after this (its update only raises it)."""
    query = select(LessonProgress).where(LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.exec(query).first()
    if row is None:
        row = LessonProgress(user_id=user_id, lesson_id=lesson_id)
    subs = list(
        session.exec(
            select(Submission).where(
                col(Submission.user_id) == user_id,
                col(Submission.lesson_id) == lesson_id,
                col(Submission.status) == SubmissionStatus.DONE.value,
            )
        )
    )
    newest = newest_regrades(session=session, submission_ids=[s.id for s in subs if s.id is not None])
    best = 0.0
    passed_at = None
    for sub in subs:
        again = newest.get(sub.id or 0)
        verdict, score = effective(sub, again)
        best = max(best, score or 0.0)
        if verdict == "pass":
            # When it was first judged passing and still is: the original grading if that passed too.
            when = sub.finished_at if sub.verdict == "pass" or again is None else again.finished_at
            if when is not None and (passed_at is None or _aware(when) < _aware(passed_at)):
                passed_at = when
    passed = any(effective(sub, newest.get(sub.id or 0))[0] == "pass" for sub in subs)
    row.best_score = best
    row.passed = passed
    row.passed_at = (passed_at or utcnow()) if passed else None
    row.updated_at = utcnow()
    if row.id is None:
        row.attempts = len(subs)
    session.add(row)
    session.flush()


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)
