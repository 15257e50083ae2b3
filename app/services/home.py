"""The learner's progress home: where they left off, and how far along each framework step they are.

"Where they left off" is the lesson they touched last, whichever way: an autosaved draft, a Run in the
lesson's editor (``touch``), a hint, or a submission. The lessons are the catalog's (a lesson that is gone
is skipped), so the figures always match what the catalog shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.lessons import Lesson
from app.models import Draft, LessonProgress, Submission, utcnow


@dataclass(frozen=True)
class StepProgress:
    step: int
    passed: int
    total: int


@dataclass
class Home:
    last_lesson: Lesson | None = None
    last_at: datetime | None = None
    last_passed: bool = False
    next_lesson: Lesson | None = None  # the first lesson not passed yet, in catalog order
    steps: dict[int, StepProgress] = field(default_factory=dict)

    @property
    def passed_total(self) -> tuple[int, int]:
        return sum(s.passed for s in self.steps.values()), sum(s.total for s in self.steps.values())


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def touch(*, session: Session, user_id: int, lesson_id: str) -> None:
    """The learner worked in this lesson (a Run): it becomes the one they left off at."""
    row = session.exec(
        select(LessonProgress).where(LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson_id)
    ).first()
    if row is None:
        row = LessonProgress(user_id=user_id, lesson_id=lesson_id)
    row.updated_at = utcnow()
    session.add(row)
    session.commit()


def last_touched(*, session: Session, user_id: int, lesson_ids: set[str]) -> tuple[str, datetime] | None:
    """The catalog lesson the learner touched last, and when (None: none yet)."""
    stamps: dict[str, datetime] = {}

    def note(lesson_id: str, ts: datetime | None) -> None:
        if ts is not None and lesson_id in lesson_ids:
            ts = _aware(ts)
            if lesson_id not in stamps or ts > stamps[lesson_id]:
                stamps[lesson_id] = ts

    drafts = session.exec(
        select(Draft.key, Draft.updated_at).where(Draft.user_id == user_id, col(Draft.key).startswith("lesson:"))
    ).all()
    for key, ts in drafts:
        note(key.removeprefix("lesson:"), ts)
    subs = session.exec(
        select(Submission.lesson_id, func.max(Submission.created_at))
        .where(Submission.user_id == user_id)
        .group_by(col(Submission.lesson_id))
    ).all()
    for lesson_id, ts in subs:
        note(lesson_id, ts)
    rows = session.exec(
        select(LessonProgress.lesson_id, LessonProgress.updated_at).where(LessonProgress.user_id == user_id)
    ).all()
    for lesson_id, ts in rows:
        note(lesson_id, ts)
    if not stamps:
        return None
    lesson_id = max(stamps, key=lambda k: stamps[k])
    return lesson_id, stamps[lesson_id]


def home(*, session: Session, user_id: int, lessons: list[Lesson]) -> Home:
    """``lessons``: the catalog, in order."""
    passed = {
        r.lesson_id
        for r in session.exec(
            select(LessonProgress).where(LessonProgress.user_id == user_id, col(LessonProgress.passed).is_(True))
        ).all()
    }
    out = Home()
    for lesson in lessons:
        s = out.steps.get(lesson.meta.step, StepProgress(lesson.meta.step, 0, 0))
        out.steps[lesson.meta.step] = StepProgress(s.step, s.passed + (lesson.id in passed), s.total + 1)
    out.next_lesson = next((lesson for lesson in lessons if lesson.id not in passed), None)
    last = last_touched(session=session, user_id=user_id, lesson_ids={lesson.id for lesson in lessons})
    if last is not None:
        by_id = {lesson.id: lesson for lesson in lessons}
        out.last_lesson, out.last_at = by_id[last[0]], last[1]
        out.last_passed = last[0] in passed
        if out.last_passed:
            ids = [lesson.id for lesson in lessons]
            after = ids[ids.index(last[0]) + 1 :] + ids
            out.next_lesson = next((by_id[i] for i in after if i not in passed), None)
    return out
