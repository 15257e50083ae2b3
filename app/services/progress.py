"""Per-learner progress (hints revealed, attempts, best score, passed) and the instructor's views."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, update
from sqlmodel import Session, col, select

from app.models import LessonProgress, Role, Submission, SubmissionStatus, User, utcnow


def _get_or_create(*, session: Session, user_id: int, lesson_id: str) -> LessonProgress:
    row = session.exec(
        select(LessonProgress).where(LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson_id)
    ).first()
    if row is None:
        row = LessonProgress(user_id=user_id, lesson_id=lesson_id)
    return row


def get_progress(*, session: Session, user_id: int, lesson_id: str) -> LessonProgress:
    """The learner's progress on one lesson (an unsaved blank row when there is none)."""
    return _get_or_create(session=session, user_id=user_id, lesson_id=lesson_id)


def progress_map(*, session: Session, user_id: int) -> dict[str, LessonProgress]:
    rows = session.exec(select(LessonProgress).where(LessonProgress.user_id == user_id)).all()
    return {row.lesson_id: row for row in rows}


def reveal_hint(*, session: Session, user_id: int, lesson_id: str, available: int) -> int:
    """Reveal one more hint (up to ``available``); returns how many are revealed now."""
    row = _get_or_create(session=session, user_id=user_id, lesson_id=lesson_id)
    row.hints_revealed = min(available, row.hints_revealed + 1)
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    return row.hints_revealed


def record_result(
    *, session: Session, user_id: int, lesson_id: str, verdict: str, score: float, commit: bool = True
) -> LessonProgress:
    """Count one graded attempt. Atomic in the database (an upsert, then ``attempts = attempts + 1``), so
    gradings finishing at once on several replicas never lose an update. ``commit=False`` leaves the
    transaction open for the caller (``submissions.mark_done`` commits the report with it)."""
    table = LessonProgress.__table__  # type: ignore[attr-defined]
    now = utcnow()
    from sqlalchemy.dialects import postgresql, sqlite  # the two supported databases

    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    fresh = LessonProgress(user_id=user_id, lesson_id=lesson_id, updated_at=now).model_dump(exclude={"id"})
    session.execute(insert(table).values(**fresh).on_conflict_do_nothing(index_elements=["user_id", "lesson_id"]))
    c = table.c
    values: dict[str, Any] = {
        "attempts": c.attempts + 1,
        "best_score": case((c.best_score < score, score), else_=c.best_score),
        "updated_at": now,
    }
    if verdict == "pass":
        values["passed"] = True
        values["passed_at"] = case((c.passed, c.passed_at), else_=now)
    session.execute(update(table).where(c.user_id == user_id, c.lesson_id == lesson_id).values(**values))
    if commit:
        session.commit()
    row = session.exec(
        select(LessonProgress)
        .where(LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson_id)
        .execution_options(populate_existing=True)
    ).one()
    return row


@dataclass
class Dashboard:
    learners: list[User]
    lesson_ids: list[str]
    cells: dict[tuple[int, str], LessonProgress]
    pass_rates: dict[str, tuple[int, int]]  # lesson -> (learners passed, learners attempted)
    failing_checks: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # lesson -> [(check, n)]


def dashboard(*, session: Session, lesson_ids: list[str], recent: int = 2000) -> Dashboard:
    rows = session.exec(select(LessonProgress)).all()
    # Learners, plus any staff member who has tried a lesson (instructors testing their own lessons).
    tried = {row.user_id for row in rows}
    learners = [
        u
        for u in session.exec(select(User).order_by(col(User.username)))
        if u.role == Role.LEARNER.value or u.id in tried
    ]
    cells = {(row.user_id, row.lesson_id): row for row in rows}
    rates: dict[str, tuple[int, int]] = {}
    for lesson_id in lesson_ids:
        attempted = [r for r in rows if r.lesson_id == lesson_id and r.attempts > 0]
        rates[lesson_id] = (sum(1 for r in attempted if r.passed), len(attempted))
    counters: dict[str, Counter[str]] = {}
    subs = session.exec(
        select(Submission.lesson_id, Submission.report_json)
        .where(Submission.status == SubmissionStatus.DONE.value, Submission.verdict != "pass")
        .order_by(col(Submission.id).desc())
        .limit(recent)
    ).all()
    for lesson_id, report_json in subs:
        try:
            checks = json.loads(report_json or "{}").get("checks", [])
        except ValueError:
            continue
        counter = counters.setdefault(lesson_id, Counter())
        for check in checks if isinstance(checks, list) else []:
            if isinstance(check, dict) and check.get("status") in ("fail", "error"):
                counter[str(check.get("name", "?"))] += 1
    failing = {lesson: counter.most_common(5) for lesson, counter in counters.items()}
    return Dashboard(learners=learners, lesson_ids=lesson_ids, cells=cells, pass_rates=rates, failing_checks=failing)
