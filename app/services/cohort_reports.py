"""What a cohort's instructors see: the progress matrix (learners x the track's lessons) and one learner's
page (one lesson's page and the gradebook: app.services.cohort_stats).

Every view is a fixed number of aggregate queries whatever the cohort's size (no query per learner or per
lesson): the cohort's learners, its track, and the learners' progress rows joined through
``cohort_member`` and ``track_item``, plus one grouped query over submissions where a view needs
timestamps. Read-only; lateness comes from ``cohorts.done_state`` so that the learner's home page and the
instructor agree. Stuck means ``stuck_attempts`` graded attempts or more without passing
(``Settings.cohort_stuck_attempts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import DateTime, and_, case, false, literal, not_, or_, true
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.models import CohortMember, CohortRole, LessonProgress, Submission, TrackItem, User, utcnow
from app.services import regrade
from app.services.cohorts import TrackRow, done_state, track


@overload
def _aware(dt: datetime) -> datetime: ...
@overload
def _aware(dt: datetime | None) -> datetime | None: ...
def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


@overload
def _naive(dt: datetime) -> datetime: ...
@overload
def _naive(dt: None) -> None: ...
@overload
def _naive(dt: datetime | None) -> datetime | None: ...
def _naive(dt: datetime | None) -> datetime | None:
    """UTC without a zone: how SQLite hands times back (free there), and how the matrix compares them."""
    if dt is None or dt.tzinfo is None:
        return dt
    return dt.astimezone(UTC).replace(tzinfo=None)


def iso(dt: datetime | None) -> str:
    """ISO 8601 in UTC to the second with a Z (the gradebook's format); empty for None. (isoformat, not
    strftime: several times faster, and the gradebook formats three per row.)"""
    if dt is None:
        return ""
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt.isoformat(timespec="seconds") + "Z"


@dataclass(frozen=True)
class Learner:
    id: int
    username: str


@dataclass(slots=True)
class Cell:
    """One learner on one lesson of the track. ``state``: 'passed' (done: passed, or attempted when passing is
    optional), 'started' (attempted, not done) or 'none' (not started)."""

    attempts: int
    best_score: float
    passed: bool
    passed_at: datetime | None
    hints_revealed: int
    updated_at: datetime | None
    state: str
    late: bool
    stuck: bool


@dataclass(slots=True)
class ProgressRow:
    """The columns of a ``lesson_progress`` row the views need (read as plain tuples: no ORM objects)."""

    attempts: int = 0
    best_score: float = 0.0
    passed: bool = False
    passed_at: datetime | None = None
    hints_revealed: int = 0
    updated_at: datetime | None = None


EMPTY = ProgressRow()


def _cell(item: TrackRow, row: ProgressRow, *, stuck_attempts: int, now: datetime, due: datetime | None) -> Cell:
    """``row``'s times, ``now`` and ``due`` (the item's due time) are naive UTC (``_naive``); so are the cell's."""
    passed_at, updated_at = row.passed_at, row.updated_at
    done, _, late = done_state(
        pass_required=item.pass_required,
        due_at=due,
        passed=row.passed,
        passed_at=passed_at,
        attempts=row.attempts,
        updated_at=updated_at,
        now=now,
    )
    state = "passed" if done else ("started" if row.attempts > 0 else "none")
    return Cell(
        attempts=row.attempts,
        best_score=row.best_score,
        passed=row.passed,
        passed_at=passed_at,
        hints_revealed=row.hints_revealed,
        updated_at=updated_at,
        state=state,
        late=late,
        stuck=not row.passed and row.attempts >= stuck_attempts,
    )


def learners(*, session: Session, cohort_id: int) -> list[Learner]:
    rows = session.exec(
        select(User.id, User.username)
        .join(CohortMember, col(CohortMember.user_id) == col(User.id))
        .where(CohortMember.cohort_id == cohort_id, CohortMember.role == CohortRole.LEARNER.value)
        .order_by(col(User.username))
    ).all()
    return [Learner(id=uid, username=name) for uid, name in rows if uid is not None]


def learner(*, session: Session, cohort_id: int, user_id: int) -> Learner | None:
    """One learner of the cohort (None: not a learner of it)."""
    row = session.exec(
        select(User.id, User.username)
        .join(CohortMember, col(CohortMember.user_id) == col(User.id))
        .where(
            CohortMember.cohort_id == cohort_id,
            CohortMember.role == CohortRole.LEARNER.value,
            col(User.id) == user_id,
        )
    ).first()
    return Learner(id=row[0], username=row[1]) if row is not None and row[0] is not None else None


def _learner_join(column: Any, cohort_id: int) -> Any:
    """The join that keeps rows of the cohort's learners only (``column``: a user id column)."""
    return and_(
        col(CohortMember.user_id) == column,
        col(CohortMember.cohort_id) == cohort_id,
        col(CohortMember.role) == CohortRole.LEARNER.value,
    )


def _track_join(column: Any, cohort_id: int) -> Any:
    """The join that keeps rows of the cohort's track's lessons only (``column``: a lesson id column)."""
    return and_(col(TrackItem.lesson_id) == column, col(TrackItem.cohort_id) == cohort_id)


def _progress_rows(
    *, session: Session, cohort_id: int, user_id: int | None = None, lesson_id: str | None = None
) -> dict[tuple[int, str], ProgressRow]:
    """The cohort's learners' progress on the track's lessons, in one query (joined, not per learner)."""
    lp = LessonProgress.__table__.c  # type: ignore[attr-defined]
    query = (
        sa_select(
            lp.user_id,
            lp.lesson_id,
            lp.attempts,
            lp.best_score,
            lp.passed,
            lp.passed_at,
            lp.hints_revealed,
            lp.updated_at,
        )
        .join(CohortMember, _learner_join(lp.user_id, cohort_id))
        .join(TrackItem, _track_join(lp.lesson_id, cohort_id))
    )
    if user_id is not None:
        query = query.where(lp.user_id == user_id)
    if lesson_id is not None:
        query = query.where(lp.lesson_id == lesson_id)
    rows = session.execute(query).all()
    if session.get_bind().dialect.name == "sqlite":  # naive already: no conversion per row
        return {(r[0], r[1]): ProgressRow(r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows}
    return {(r[0], r[1]): ProgressRow(r[2], r[3], r[4], _naive(r[5]), r[6], _naive(r[7])) for r in rows}


@dataclass
class LessonTotals:
    passed: int = 0
    late: int = 0
    stuck: int = 0
    started: int = 0


@dataclass
class Matrix:
    items: list[TrackRow]
    learners: list[Learner]
    cells: dict[tuple[int, str], Cell]
    totals: dict[str, LessonTotals]
    stuck_attempts: int


def _matrix_cells(
    *, session: Session, cohort_id: int, stuck_attempts: int, now: datetime, times: bool
) -> dict[tuple[int, str], Cell]:
    """The started cells of the matrix in one query, with done and late decided by the database: the rule of
    ``cohorts.done_state`` written in SQL, so that 15,000 rows need no time parsed (the test suite checks
    that both forms agree, on SQLite and PostgreSQL). ``times``: also read passed_at and updated_at."""
    lp = LessonProgress.__table__.c  # type: ignore[attr-defined]
    ti = TrackItem.__table__.c  # type: ignore[attr-defined]
    required, optional = ti.pass_required == true(), ti.pass_required == false()
    done = or_(and_(required, lp.passed == true()), and_(optional, lp.attempts > 0))
    done_after_due = or_(and_(required, lp.passed_at > ti.due_at), and_(optional, lp.updated_at > ti.due_at))
    at_now = literal(now.replace(tzinfo=UTC), DateTime(timezone=True))
    late = and_(ti.due_at.is_not(None), or_(and_(not_(done), at_now > ti.due_at), and_(done, done_after_due)))
    columns = [
        lp.user_id,
        lp.lesson_id,
        lp.attempts,
        lp.best_score,
        lp.passed,
        lp.hints_revealed,
        case((done, 1), else_=0),
        case((late, 1), else_=0),
    ]
    query = (
        sa_select(*columns, *((lp.passed_at, lp.updated_at) if times else ()))
        .join(CohortMember, _learner_join(lp.user_id, cohort_id))
        .join(TrackItem, _track_join(lp.lesson_id, cohort_id))
    )
    cells = {}
    for row in session.execute(query).all():
        attempts, passed = row[2], bool(row[4])
        cells[(row[0], row[1])] = Cell(
            attempts=attempts,
            best_score=row[3],
            passed=passed,
            passed_at=_naive(row[8]) if times else None,
            hints_revealed=row[5],
            updated_at=_naive(row[9]) if times else None,
            state="passed" if row[6] else ("started" if attempts > 0 else "none"),
            late=bool(row[7]),
            stuck=not passed and attempts >= stuck_attempts,
        )
    return cells


def matrix(
    *, session: Session, cohort_id: int, stuck_attempts: int, now: datetime | None = None, times: bool = False
) -> Matrix:
    """Every learner of the cohort by every lesson of its track, with each cell's state (three queries). Cells
    are shared between learners who have not started a lesson: treat them as read-only. ``times``: the cells
    also carry passed_at and updated_at (the gradebook's; the matrix page does without)."""
    now = _naive(now or utcnow())
    items = track(session=session, cohort_id=cohort_id)
    people = learners(session=session, cohort_id=cohort_id)
    started = _matrix_cells(session=session, cohort_id=cohort_id, stuck_attempts=stuck_attempts, now=now, times=times)
    cells: dict[tuple[int, str], Cell] = {}
    totals = {item.lesson_id: LessonTotals() for item in items}
    # Not started depends on the lesson only: one cell per lesson, shared (read-only) by every such learner.
    blank = {
        item.lesson_id: _cell(item, EMPTY, stuck_attempts=stuck_attempts, now=now, due=_naive(item.due_at))
        for item in items
    }
    for learner in people:
        for item in items:
            key = (learner.id, item.lesson_id)
            cell = started.get(key) or blank[item.lesson_id]
            cells[key] = cell
            t = totals[item.lesson_id]
            t.passed += cell.state == "passed"
            t.started += cell.attempts > 0
            t.late += cell.late
            t.stuck += cell.stuck
    return Matrix(items=items, learners=people, cells=cells, totals=totals, stuck_attempts=stuck_attempts)


# --- one learner -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SubmissionRow:
    id: int
    lesson_id: str
    status: str
    verdict: str | None
    score: float | None
    created_at: datetime
    finished_at: datetime | None
    regrade_verdict: str | None = None  # the newest re-grade's verdict, the one that counts (services.regrade)


@dataclass
class LearnerLesson:
    item: TrackRow
    cell: Cell
    submissions: list[SubmissionRow]
    first_at: datetime | None  # first activity: the first submission (or hint, when there is no submission)
    last_at: datetime | None

    @property
    def time_spent_s(self) -> float | None:
        if self.first_at is None or self.last_at is None:
            return None
        return max(0.0, (self.last_at - self.first_at).total_seconds())


@dataclass
class LearnerReport:
    learner: Learner
    lessons: list[LearnerLesson]

    @property
    def attempts(self) -> int:
        return sum(lesson.cell.attempts for lesson in self.lessons)

    @property
    def hints_revealed(self) -> int:
        return sum(lesson.cell.hints_revealed for lesson in self.lessons)

    @property
    def first_at(self) -> datetime | None:
        times = [lesson.first_at for lesson in self.lessons if lesson.first_at is not None]
        return min(times) if times else None

    @property
    def last_at(self) -> datetime | None:
        times = [lesson.last_at for lesson in self.lessons if lesson.last_at is not None]
        return max(times) if times else None

    @property
    def time_spent_s(self) -> float | None:
        first, last = self.first_at, self.last_at
        return None if first is None or last is None else max(0.0, (last - first).total_seconds())


def learner_report(
    *, session: Session, cohort_id: int, learner: Learner, stuck_attempts: int, now: datetime | None = None
) -> LearnerReport:
    """One learner's attempts, best score, hints and time spent (first to last activity) per lesson of the
    track, with every submission (three queries)."""
    now = _naive(now or utcnow())
    items = track(session=session, cohort_id=cohort_id)
    dues = {item.lesson_id: _naive(item.due_at) for item in items}
    rows = _progress_rows(session=session, cohort_id=cohort_id, user_id=learner.id)
    lesson_ids = [item.lesson_id for item in items]
    subs: dict[str, list[SubmissionRow]] = {}
    sub = Submission.__table__.c  # type: ignore[attr-defined]
    query = (
        sa_select(sub.id, sub.lesson_id, sub.status, sub.verdict, sub.score, sub.created_at, sub.finished_at)
        .where(sub.user_id == learner.id, sub.lesson_id.in_(lesson_ids))
        .order_by(sub.id)
    )
    found = session.execute(query).all()
    again = regrade.newest_regrades(session=session, submission_ids=[int(r[0]) for r in found])
    for sid, lesson_id, status, verdict, score, created_at, finished_at in found:
        assert sid is not None
        subs.setdefault(lesson_id, []).append(
            SubmissionRow(
                id=sid,
                lesson_id=lesson_id,
                status=status,
                verdict=verdict,
                score=score,
                created_at=_aware(created_at) or utcnow(),
                finished_at=_aware(finished_at),
                regrade_verdict=again[sid].verdict if sid in again else None,
            )
        )
    lessons = []
    for item in items:
        row = rows.get((learner.id, item.lesson_id), EMPTY)
        cell = _cell(item, row, stuck_attempts=stuck_attempts, now=now, due=dues[item.lesson_id])
        mine = subs.get(item.lesson_id, [])
        times = [t for s in mine for t in (s.created_at, s.finished_at) if t is not None]
        if cell.updated_at is not None and (mine or cell.hints_revealed):  # a hint revealed counts as activity
            times.append(_aware(cell.updated_at))
        lessons.append(
            LearnerLesson(
                item=item,
                cell=cell,
                submissions=mine,
                first_at=min(times) if times else None,
                last_at=max(times) if times else None,
            )
        )
    return LearnerReport(learner=learner, lessons=lessons)
