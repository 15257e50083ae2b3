"""LTI Assignment and Grade Services: each learner's best score, delivered to the LMS line item, never lost.

The outbox (``LtiGradeOutbox``) has one row per learner and resource link, made at the learner's launch.
``record_best`` runs inside the transaction that stores a grading's report (``submissions.mark_done``), so
a score that is stored is a score that will be sent. It raises the row's score only when the new one is
higher (an atomic conditional UPDATE, so replicas finishing gradings at once cannot lower it), and marks the
row pending. A lesson link carries the lesson's best score; a track link the mean best over the track.

``drain_once`` (run in a thread by ``GradeWorker`` in every replica) claims due rows by a compare-and-set on
``attempts``, posts the score with pylti1p3 (client-credentials token signed with this tool's key), then
marks it sent, if the score was not raised meanwhile (then it stays pending and goes again). A failure is
retried after ``lti_grade_backoff_s`` doubled per attempt, up to ``lti_grade_backoff_max_s``; after
``lti_grade_max_attempts`` the row is ``failed`` and kept (``jaxtutor lti grades --retry`` re-arms it).
Re-sending a score is harmless: the timestamp is the time the best was reached, the same on every try.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import Engine, func, or_, update
from sqlmodel import Session, col, select

from app.config import Settings
from app.db import session_scope
from app.models import LessonProgress, LtiPlatform, TrackItem, User, utcnow
from app.models_lti import GradeState, LtiContext, LtiGradeOutbox, LtiResourceLink

log = logging.getLogger(__name__)
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def link_score(*, session: Session, link: LtiResourceLink, user_id: int) -> tuple[float, datetime] | None:
    """The score the link reports for the learner now (None: nothing graded yet), and when it was reached."""
    if link.lesson_id is not None:
        lesson_ids = [link.lesson_id]
    else:
        context = session.get(LtiContext, link.context_pk) if link.context_pk is not None else None
        if context is None:
            return None
        items = session.exec(select(TrackItem).where(TrackItem.cohort_id == context.cohort_id))
        lesson_ids = [item.lesson_id for item in items]
    if not lesson_ids:
        return None
    rows = list(
        session.exec(
            select(LessonProgress)
            .where(LessonProgress.user_id == user_id, col(LessonProgress.lesson_id).in_(lesson_ids))
            .execution_options(populate_existing=True)
        )
    )
    graded = [r for r in rows if r.attempts > 0]
    if not graded:
        return None
    best = {r.lesson_id: r.best_score for r in graded}
    score = sum(best.get(lesson, 0.0) for lesson in lesson_ids) / len(lesson_ids)
    return round(score, 6), max(_aware(r.updated_at) for r in graded)


def _raise_score(session: Session, row_id: int, score: float, at: datetime) -> bool:
    """Atomically: a higher score replaces the row's and is queued; an equal or lower one changes nothing."""
    table = LtiGradeOutbox.__table__  # type: ignore[attr-defined]
    c = table.c
    result = session.execute(
        update(table)
        .where(c.id == row_id, or_(c.score.is_(None), c.score < score))
        .values(
            score=score,
            score_at=at,
            state=GradeState.PENDING,
            attempts=0,
            next_attempt_at=utcnow(),
            last_error=None,
            updated_at=utcnow(),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def ensure_row(*, session: Session, link: LtiResourceLink, user: User, lti_user_id: str) -> LtiGradeOutbox | None:
    """The learner's outbox row for a link with a line item and the score scope (None: this link takes no
    scores), with the learner's current best queued (work graded before the link existed is not lost)."""
    if not link.lineitem_url or SCORE_SCOPE not in link.ags_scopes.split():
        return None
    assert link.id is not None and user.id is not None
    row = session.exec(
        select(LtiGradeOutbox).where(LtiGradeOutbox.link_id == link.id, LtiGradeOutbox.user_id == user.id)
    ).first()
    if row is None:
        row = LtiGradeOutbox(link_id=link.id, user_id=user.id, lti_user_id=lti_user_id[:255])
        session.add(row)
        session.flush()
    assert row.id is not None
    current = link_score(session=session, link=link, user_id=user.id)
    if current is not None:
        _raise_score(session, row.id, *current)
    session.commit()
    session.refresh(row)
    return row


def record_best(*, session: Session, user_id: int, lesson_id: str) -> int:
    """Queue the learner's new best for every link that reports this lesson (its own, or a track holding it).
    Does not commit: the caller commits it with the grading's report. Returns how many rows were raised."""
    rows = session.exec(
        select(LtiGradeOutbox, LtiResourceLink)
        .join(LtiResourceLink, col(LtiResourceLink.id) == col(LtiGradeOutbox.link_id))
        .where(LtiGradeOutbox.user_id == user_id)
    ).all()
    raised = 0
    for row, link in rows:
        if link.lesson_id is not None and link.lesson_id != lesson_id:
            continue
        current = link_score(session=session, link=link, user_id=user_id)
        if current is not None and row.id is not None and _raise_score(session, row.id, *current):
            raised += 1
    return raised


# --- delivery ----------------------------------------------------------------------------------------
@dataclass
class Due:
    row_id: int
    attempts: int
    score: float
    score_at: datetime
    lti_user_id: str
    lineitem_url: str
    scopes: list[str]
    platform_id: int


def _due(session: Session, limit: int) -> list[Due]:
    rows = session.exec(
        select(LtiGradeOutbox, LtiResourceLink)
        .join(LtiResourceLink, col(LtiResourceLink.id) == col(LtiGradeOutbox.link_id))
        .where(LtiGradeOutbox.state == GradeState.PENDING, col(LtiGradeOutbox.next_attempt_at) <= utcnow())
        .order_by(col(LtiGradeOutbox.next_attempt_at))
        .limit(limit)
    ).all()
    out = []
    for row, link in rows:
        if row.id is None or row.score is None or row.score_at is None or not link.lineitem_url:
            continue
        out.append(
            Due(
                row.id,
                row.attempts,
                row.score,
                _aware(row.score_at),
                row.lti_user_id,
                link.lineitem_url,
                link.ags_scopes.split(),
                link.platform_id,
            )
        )
    return out


def _claim(session: Session, due: Due, settings: Settings) -> bool:
    """Take the row for one delivery (compare-and-set on attempts), hidden from others meanwhile."""
    table = LtiGradeOutbox.__table__  # type: ignore[attr-defined]
    c = table.c
    lease = timedelta(seconds=settings.lti_http_timeout_s * 3 + 5)
    result = session.execute(
        update(table)
        .where(c.id == due.row_id, c.attempts == due.attempts, c.state == GradeState.PENDING)
        .values(attempts=due.attempts + 1, next_attempt_at=utcnow() + lease, updated_at=utcnow())
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0) == 1


def backoff_s(settings: Settings, attempts: int) -> float:
    """Wait after the ``attempts``-th failed delivery: base, doubled each time, capped."""
    return float(min(settings.lti_grade_backoff_s * 2 ** max(0, attempts - 1), settings.lti_grade_backoff_max_s))


def _finish(session: Session, due: Due, settings: Settings, error: str | None) -> None:
    table = LtiGradeOutbox.__table__  # type: ignore[attr-defined]
    c = table.c
    now = utcnow()
    attempts = due.attempts + 1
    mine = (c.id == due.row_id) & (c.attempts == attempts) & (c.score == due.score)
    if error is None:
        session.execute(
            update(table)
            .where(mine)
            .values(state=GradeState.IDLE, sent_score=due.score, sent_at=now, last_error=None, updated_at=now)
        )
    elif attempts >= settings.lti_grade_max_attempts:
        session.execute(update(table).where(mine).values(state=GradeState.FAILED, last_error=error, updated_at=now))
    else:
        wait = timedelta(seconds=backoff_s(settings, attempts))
        session.execute(update(table).where(mine).values(next_attempt_at=now + wait, last_error=error, updated_at=now))
    session.commit()


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def send_score(connector: ServiceConnector, due: Due) -> None:
    """POST one score to ``<lineitem>/scores`` (raises on any failure)."""
    grade = (
        Grade()
        .set_score_given(due.score)
        .set_score_maximum(1.0)
        .set_timestamp(_iso(due.score_at))
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_user_id(due.lti_user_id)
    )
    data: Any = {"scope": due.scopes, "lineitem": due.lineitem_url}
    service = AssignmentsGradesService(connector, data)
    service.put_grade(grade)


def _error_text(exc: Exception) -> str:
    if isinstance(exc, LtiServiceException):
        return f"the LMS answered HTTP {exc.response.status_code}"[:1000]
    return f"{type(exc).__name__}: {exc}"[:1000]


def drain_once(engine: Engine, settings: Settings, *, limit: int = 50) -> int:
    """Deliver the due scores (blocking: call it in a thread). Returns how many were delivered."""
    from app.services.lti.adapter import TimeoutSession, registration_for

    delivered = 0
    with session_scope(engine) as session:
        connectors: dict[int, ServiceConnector] = {}
        for due in _due(session, limit):
            if not _claim(session, due, settings):
                continue  # another replica has it
            error: str | None = None
            try:
                connector = connectors.get(due.platform_id)
                if connector is None:
                    platform = session.get(LtiPlatform, due.platform_id)
                    if platform is None:
                        raise LtiException("the platform's registration was removed")
                    registration = registration_for(platform, settings)
                    connector = ServiceConnector(registration, TimeoutSession(settings.lti_http_timeout_s))
                    connectors[due.platform_id] = connector
                send_score(connector, due)
                delivered += 1
            except Exception as exc:  # the LMS down, refusing, or answering nonsense: retried later
                error = _error_text(exc)
                connectors.pop(due.platform_id, None)  # a fresh token next time
                log.warning("LTI score for outbox row %s not delivered: %s", due.row_id, error)
            _finish(session, due, settings, error)
    return delivered


def retry_failed(*, session: Session) -> int:
    """Re-arm every failed delivery (an administrator's command, once the LMS is fixed)."""
    table = LtiGradeOutbox.__table__  # type: ignore[attr-defined]
    c = table.c
    result = session.execute(
        update(table)
        .where(c.state == GradeState.FAILED)
        .values(state=GradeState.PENDING, attempts=0, next_attempt_at=utcnow(), updated_at=utcnow())
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def state_counts(*, session: Session) -> dict[str, int]:
    """How many outbox rows are in each state (the admin page)."""
    rows = session.exec(select(LtiGradeOutbox.state, func.count()).group_by(col(LtiGradeOutbox.state))).all()
    counts = {GradeState.IDLE: 0, GradeState.PENDING: 0, GradeState.FAILED: 0}
    counts.update({str(state): int(n) for state, n in rows})
    return counts


def outbox_rows(*, session: Session) -> list[dict[str, Any]]:
    rows = session.exec(select(LtiGradeOutbox).order_by(col(LtiGradeOutbox.id))).all()
    return [
        {
            "id": r.id,
            "link_id": r.link_id,
            "user_id": r.user_id,
            "state": r.state,
            "score": r.score,
            "sent_score": r.sent_score,
            "attempts": r.attempts,
            "last_error": r.last_error,
        }
        for r in rows
    ]


class GradeWorker:
    """The lifespan's task that drains the outbox every ``lti_outbox_poll_s`` (and runs ``also`` each round:
    the frame-origins refresh and the purge of expired launch states)."""

    def __init__(self, engine: Engine, settings: Settings, also: Callable[[], None] | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.also = also
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._inflight: asyncio.Future[Any] | None = None  # the round running in a thread, if any

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="lti-grade-outbox")

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                if self.also is not None:
                    await self._in_thread(self.also)
                await self._in_thread(drain_once, self.engine, self.settings)
            except Exception:
                log.exception("the LTI grade outbox round failed; trying again")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.settings.lti_outbox_poll_s)

    async def _in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn`` in a thread, shielded: cancelling the task does not stop a thread, so ``close`` waits for
        the round instead of letting the lifespan dispose of the engine under a query (a segfault in SQLite)."""
        self._inflight = asyncio.ensure_future(asyncio.to_thread(fn, *args))
        return await asyncio.shield(self._inflight)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._inflight is not None and not self._inflight.done():
            await asyncio.wait([self._inflight])
            if not self._inflight.cancelled():
                self._inflight.exception()  # retrieved: a failed last round does not matter at shutdown
