"""Cohorts (a class, an onboarding group): members, invite links, and the track of lessons with due dates.

Keyword-only functions on the caller's session, shared by the pages (app.routes.cohorts), the JSON API
(app.routes.cohorts_api) and the CLI. An instructor of a cohort is a member with role 'instructor'
(several per cohort); site admins may manage every cohort. Lateness is computed when read, from the
learner's progress: a lesson is late when its due time has passed and it was not passed (or was passed
only after the due time); a lesson whose ``pass_required`` is off counts as done once attempted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, delete, select

from app.models import (
    Cohort,
    CohortInvite,
    CohortMember,
    CohortRole,
    LessonProgress,
    Role,
    TrackItem,
    User,
    utcnow,
)
from app.security import new_token, token_hash

NAME_MAX = 120
TRACK_MAX = 500


class CohortError(ValueError):
    """A request this module refuses, with a message fit to show as is."""


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


@dataclass(frozen=True)
class TrackEntry:
    """One lesson of a track as the instructor sets it."""

    lesson_id: str
    due_at: datetime | None = None
    pass_required: bool = True


@dataclass
class TrackStatus:
    """One lesson of a track as a learner sees it."""

    lesson_id: str
    position: int
    due_at: datetime | None
    pass_required: bool
    done: bool
    done_at: datetime | None
    late: bool


@dataclass
class LearnerTrack:
    cohort: Cohort
    items: list[TrackStatus]

    @property
    def late_count(self) -> int:
        return sum(1 for item in self.items if item.late)


def create_cohort(*, session: Session, name: str, creator: User) -> Cohort:
    """A new cohort; its creator is its first instructor. Only instructors and admins may create one."""
    assert creator.id is not None
    if creator.role not in (Role.INSTRUCTOR, Role.ADMIN):
        raise CohortError("Only instructors and administrators can create cohorts.")
    clean = " ".join(name.split())
    if not clean or len(clean) > NAME_MAX:
        raise CohortError(f"A cohort needs a name of 1 to {NAME_MAX} characters.")
    cohort = Cohort(name=clean, created_by=creator.id)
    session.add(cohort)
    session.flush()
    assert cohort.id is not None
    session.add(CohortMember(cohort_id=cohort.id, user_id=creator.id, role=CohortRole.INSTRUCTOR.value))
    session.commit()
    session.refresh(cohort)
    return cohort


def get_cohort(*, session: Session, cohort_id: int) -> Cohort | None:
    return session.get(Cohort, cohort_id)


def membership(*, session: Session, cohort_id: int, user_id: int) -> CohortMember | None:
    return session.exec(
        select(CohortMember).where(CohortMember.cohort_id == cohort_id, CohortMember.user_id == user_id)
    ).first()


def can_manage(*, session: Session, cohort: Cohort, user: User) -> bool:
    if user.role == Role.ADMIN:
        return True
    assert cohort.id is not None and user.id is not None
    member = membership(session=session, cohort_id=cohort.id, user_id=user.id)
    return member is not None and member.role == CohortRole.INSTRUCTOR


def cohorts_of(*, session: Session, user: User) -> list[tuple[Cohort, str]]:
    """The cohorts the user belongs to, with the user's role in each (oldest first)."""
    rows = session.exec(
        select(Cohort, CohortMember.role)
        .join(CohortMember, col(CohortMember.cohort_id) == col(Cohort.id))
        .where(CohortMember.user_id == user.id)
        .order_by(col(Cohort.id))
    ).all()
    return [(cohort, role) for cohort, role in rows]


def members(*, session: Session, cohort_id: int) -> list[tuple[User, str]]:
    rows = session.exec(
        select(User, CohortMember.role)
        .join(CohortMember, col(CohortMember.user_id) == col(User.id))
        .where(CohortMember.cohort_id == cohort_id)
        .order_by(col(CohortMember.role), col(User.username))
    ).all()
    return [(user, role) for user, role in rows]


def add_member(*, session: Session, cohort: Cohort, user: User, role: CohortRole) -> CohortMember:
    """Add a user, or change their role in the cohort. Instructors of a cohort must be staff on the site."""
    assert cohort.id is not None and user.id is not None
    if role == CohortRole.INSTRUCTOR and user.role not in (Role.INSTRUCTOR, Role.ADMIN):
        raise CohortError(f"{user.username} is not an instructor on this server; an admin can change that first.")
    member = membership(session=session, cohort_id=cohort.id, user_id=user.id)
    if member is None:
        member = CohortMember(cohort_id=cohort.id, user_id=user.id, role=role.value)
    member.role = role.value
    session.add(member)
    session.commit()
    session.refresh(member)
    return member


def set_sso_group(*, session: Session, cohort: Cohort, group: str | None) -> Cohort:
    """Learners whose single sign-on groups include ``group`` join at their next login (None: nobody)."""
    value = group.strip() if group else None
    if value is not None and len(value) > 200:
        raise CohortError("A group name has at most 200 characters.")
    cohort.sso_group = value or None
    session.add(cohort)
    session.commit()
    session.refresh(cohort)
    return cohort


def join_by_groups(*, session: Session, user: User, groups: set[str]) -> list[Cohort]:
    """Add ``user`` as a learner to every cohort whose ``sso_group`` is in ``groups`` (called at each single
    sign-on; existing memberships are kept as they are, and leaving a group does not remove anyone)."""
    assert user.id is not None
    if not groups:
        return []
    joined = []
    for cohort in session.exec(select(Cohort).where(col(Cohort.sso_group).in_(sorted(groups)))):
        assert cohort.id is not None
        if membership(session=session, cohort_id=cohort.id, user_id=user.id) is None:
            session.add(CohortMember(cohort_id=cohort.id, user_id=user.id, role=CohortRole.LEARNER.value))
            joined.append(cohort)
    if joined:
        session.commit()
    return joined


def create_invite(*, session: Session, cohort: Cohort, created_by: User | None, ttl_s: int) -> tuple[str, datetime]:
    """A new invite link's secret (returned once; only its hash is kept) and when it expires."""
    assert cohort.id is not None
    token = new_token()
    expires_at = utcnow() + timedelta(seconds=ttl_s)
    session.add(
        CohortInvite(
            cohort_id=cohort.id,
            token_hash=token_hash(token),
            created_by=created_by.id if created_by is not None else None,
            expires_at=expires_at,
        )
    )
    session.commit()
    return token, expires_at


def cohort_for_invite(*, session: Session, token: str) -> Cohort:
    invite = session.exec(select(CohortInvite).where(CohortInvite.token_hash == token_hash(token))).first()
    if invite is None:
        raise CohortError("This invite link is not valid. Ask your instructor for a new one.")
    if _aware(invite.expires_at) <= utcnow():
        raise CohortError("This invite link has expired. Ask your instructor for a new one.")
    cohort = session.get(Cohort, invite.cohort_id)
    if cohort is None:
        raise CohortError("The cohort of this invite no longer exists.")
    return cohort


def join_by_invite(*, session: Session, token: str, user: User) -> Cohort:
    """Join as a learner (a member already keeps their role)."""
    cohort = cohort_for_invite(session=session, token=token)
    assert cohort.id is not None and user.id is not None
    if membership(session=session, cohort_id=cohort.id, user_id=user.id) is None:
        session.add(CohortMember(cohort_id=cohort.id, user_id=user.id, role=CohortRole.LEARNER.value))
        invite = session.exec(select(CohortInvite).where(CohortInvite.token_hash == token_hash(token))).one()
        invite.uses += 1
        session.add(invite)
        session.commit()
    return cohort


def parse_track(text: str) -> list[TrackEntry]:
    """The track editor's text: one lesson per line, ``LESSON_ID [DUE] [optional]``. DUE is an ISO date
    (due at the end of that day, UTC) or date and time (``2026-12-31T17:00``, UTC unless it names a zone);
    ``optional`` means attempting the lesson is enough. Blank lines and ``#`` comments are skipped."""
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        lesson_id, rest = words[0], words[1:]
        pass_required = True
        if rest and rest[-1].lower() == "optional":
            pass_required, rest = False, rest[:-1]
        if len(rest) > 1:
            raise CohortError(f"Line {number}: expected 'lesson-id [due date] [optional]', got {raw.strip()!r}.")
        due = parse_due(rest[0], line=number) if rest else None
        entries.append(TrackEntry(lesson_id=lesson_id, due_at=due, pass_required=pass_required))
    return entries


def parse_due(value: str, *, line: int | None = None) -> datetime:
    where = f"Line {line}: " if line is not None else ""
    try:
        if "T" in value:
            due = datetime.fromisoformat(value)
            return due if due.tzinfo is not None else due.replace(tzinfo=UTC)
        day = datetime.fromisoformat(value).date()
    except ValueError as exc:
        raise CohortError(
            f"{where}{value!r} is not a date (2026-12-31) or a date and time (2026-12-31T17:00)."
        ) from exc
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)


def track_text(items: list[TrackRow]) -> str:
    """The editor's text for a track (the inverse of ``parse_track``)."""
    lines = []
    for item in items:
        words = [item.lesson_id]
        if item.due_at is not None:
            words.append(_aware(item.due_at).strftime("%Y-%m-%dT%H:%M"))
        if not item.pass_required:
            words.append("optional")
        lines.append(" ".join(words))
    return "\n".join(lines)


def set_track(*, session: Session, cohort: Cohort, entries: list[TrackEntry], known_lessons: set[str]) -> None:
    """Replace the cohort's track with ``entries``, in this order. Unknown or repeated lessons are refused."""
    assert cohort.id is not None
    if len(entries) > TRACK_MAX:
        raise CohortError(f"A track holds at most {TRACK_MAX} lessons.")
    seen: set[str] = set()
    for entry in entries:
        if entry.lesson_id not in known_lessons:
            raise CohortError(f"There is no lesson {entry.lesson_id!r}.")
        if entry.lesson_id in seen:
            raise CohortError(f"The lesson {entry.lesson_id!r} is in the track twice.")
        seen.add(entry.lesson_id)
    session.exec(delete(TrackItem).where(col(TrackItem.cohort_id) == cohort.id))
    for position, entry in enumerate(entries):
        due = _aware(entry.due_at) if entry.due_at is not None else None
        session.add(
            TrackItem(
                cohort_id=cohort.id,
                position=position,
                lesson_id=entry.lesson_id,
                due_at=due,
                pass_required=entry.pass_required,
            )
        )
    session.commit()


@dataclass(frozen=True)
class TrackRow:
    """One lesson of a cohort's track as stored, with its due time in UTC (SQLite hands back naive times)."""

    lesson_id: str
    position: int
    due_at: datetime | None
    pass_required: bool


def track(*, session: Session, cohort_id: int) -> list[TrackRow]:
    rows = session.exec(select(TrackItem).where(TrackItem.cohort_id == cohort_id).order_by(col(TrackItem.position)))
    return [
        TrackRow(
            lesson_id=row.lesson_id,
            position=row.position,
            due_at=_aware(row.due_at) if row.due_at is not None else None,
            pass_required=row.pass_required,
        )
        for row in rows
    ]


def done_state(
    *,
    pass_required: bool,
    due_at: datetime | None,
    passed: bool,
    passed_at: datetime | None,
    attempts: int,
    updated_at: datetime | None,
    now: datetime,
) -> tuple[bool, datetime | None, bool]:
    """(done, done_at, late) of one lesson of a track for one learner: the lateness rule in one place, shared by
    the learner's home page and the instructor's views (app.services.cohort_reports). Every time must be in
    UTC and all of one kind, aware or naive: no conversion here, since the instructor's matrix calls this
    for every learner and lesson (naive, as SQLite hands them back)."""
    if pass_required:
        done = passed
        done_at = passed_at
    else:
        done = attempts > 0
        done_at = updated_at if done else None
    late = due_at is not None and ((not done and now > due_at) or (done and done_at is not None and done_at > due_at))
    return done, done_at, late


def _status(item: TrackRow, prog: LessonProgress | None, now: datetime) -> TrackStatus:
    done, done_at, late = done_state(
        pass_required=item.pass_required,
        due_at=item.due_at,
        passed=prog is not None and prog.passed,
        passed_at=_aware(prog.passed_at) if prog is not None and prog.passed_at is not None else None,
        attempts=prog.attempts if prog is not None else 0,
        updated_at=_aware(prog.updated_at) if prog is not None and prog.updated_at is not None else None,
        now=now,
    )
    return TrackStatus(
        lesson_id=item.lesson_id,
        position=item.position,
        due_at=item.due_at,
        pass_required=item.pass_required,
        done=done,
        done_at=done_at,
        late=late,
    )


def learner_tracks(*, session: Session, user: User, now: datetime | None = None) -> list[LearnerTrack]:
    """The tracks of every cohort the user is a learner in, with what is done and what is late."""
    assert user.id is not None
    now = now or utcnow()
    progress = {
        row.lesson_id: row for row in session.exec(select(LessonProgress).where(LessonProgress.user_id == user.id))
    }
    result: list[LearnerTrack] = []
    for cohort, role in cohorts_of(session=session, user=user):
        if role != CohortRole.LEARNER:
            continue
        assert cohort.id is not None
        items = track(session=session, cohort_id=cohort.id)
        statuses = [_status(item, progress.get(item.lesson_id), now) for item in items]
        result.append(LearnerTrack(cohort=cohort, items=statuses))
    return result
