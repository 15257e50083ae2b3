"""JSON API for cohorts (``/api/v1``): create, read, assign the track, invite, join, and a learner's tracks."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from app.deps import CatalogDep, CsrfDep, CurrentUser, DbId, SessionDep, SettingsDep, StaffUser
from app.errors import AppError
from app.models import Cohort, CohortRole
from app.routes.cohorts import cohort_or_404, invite_url, managed_or_403
from app.schemas import error_responses
from app.services import cohort_reports, cohorts, users

router = APIRouter(dependencies=[CsrfDep], tags=["cohorts"])


class CohortCreate(BaseModel):
    name: str = Field(max_length=200)


class CohortSummary(BaseModel):
    id: int
    name: str
    role: str | None = Field(description="Your role in the cohort ('instructor' or 'learner'); None for admins.")


class TrackItemIn(BaseModel):
    lesson_id: str = Field(max_length=64)
    due_at: datetime | None = Field(default=None, description="ISO 8601; UTC when it names no zone.")
    pass_required: bool = True


class TrackIn(BaseModel):
    items: list[TrackItemIn] = Field(max_length=cohorts.TRACK_MAX)


class TrackItemOut(BaseModel):
    lesson_id: str
    position: int
    due_at: datetime | None
    pass_required: bool


class MemberOut(BaseModel):
    username: str
    role: str


class CohortDetail(BaseModel):
    id: int
    name: str
    sso_group: str | None = Field(description="Single sign-on group whose members join at login.")
    track: list[TrackItemOut]
    members: list[MemberOut] | None = Field(description="Only for the cohort's instructors.")


class SsoGroupIn(BaseModel):
    sso_group: str | None = Field(default=None, max_length=200)


class InviteOut(BaseModel):
    url: str
    expires_at: datetime


class InstructorIn(BaseModel):
    username: str = Field(max_length=80)


class LearnerItem(TrackItemOut):
    done: bool
    done_at: datetime | None
    late: bool


class LearnerTrackOut(BaseModel):
    cohort_id: int
    cohort: str
    late: int
    items: list[LearnerItem]


def _detail(session: SessionDep, cohort: Cohort, manager: bool) -> CohortDetail:
    assert cohort.id is not None
    items = [
        TrackItemOut(lesson_id=i.lesson_id, position=i.position, due_at=i.due_at, pass_required=i.pass_required)
        for i in cohorts.track(session=session, cohort_id=cohort.id)
    ]
    members = (
        [MemberOut(username=u.username, role=r) for u, r in cohorts.members(session=session, cohort_id=cohort.id)]
        if manager
        else None
    )
    return CohortDetail(id=cohort.id, name=cohort.name, sso_group=cohort.sso_group, track=items, members=members)


@router.get("/cohorts", responses=error_responses(401))
def list_cohorts(user: CurrentUser, session: SessionDep) -> list[CohortSummary]:
    return [CohortSummary(id=c.id or 0, name=c.name, role=r) for c, r in cohorts.cohorts_of(session=session, user=user)]


@router.post("/cohorts", status_code=201, responses=error_responses(400, 401, 403, 413, 422))
def create_cohort(body: CohortCreate, user: StaffUser, session: SessionDep) -> CohortDetail:
    try:
        cohort = cohorts.create_cohort(session=session, name=body.name, creator=user)
    except cohorts.CohortError as exc:
        raise AppError(422, str(exc)) from exc
    return _detail(session, cohort, True)


@router.get("/cohorts/{cohort_id}", responses=error_responses(401, 404, 422))
def get_cohort(cohort_id: DbId, user: CurrentUser, session: SessionDep) -> CohortDetail:
    cohort, manager = cohort_or_404(session, cohort_id, user)
    return _detail(session, cohort, manager)


@router.put("/cohorts/{cohort_id}/track", responses=error_responses(400, 401, 403, 404, 413, 422))
def set_track(
    cohort_id: DbId, body: TrackIn, user: CurrentUser, session: SessionDep, catalog: CatalogDep
) -> CohortDetail:
    cohort = managed_or_403(session, cohort_id, user)
    entries = [cohorts.TrackEntry(i.lesson_id, i.due_at, i.pass_required) for i in body.items]
    try:
        cohorts.set_track(
            session=session, cohort=cohort, entries=entries, known_lessons={lesson.id for lesson in catalog.ordered()}
        )
    except cohorts.CohortError as exc:
        raise AppError(422, str(exc)) from exc
    return _detail(session, cohort, True)


@router.put("/cohorts/{cohort_id}/sso-group", responses=error_responses(400, 401, 403, 404, 413, 422))
def set_sso_group(cohort_id: DbId, body: SsoGroupIn, user: CurrentUser, session: SessionDep) -> CohortDetail:
    cohort = managed_or_403(session, cohort_id, user)
    cohorts.set_sso_group(session=session, cohort=cohort, group=body.sso_group)
    return _detail(session, cohort, True)


@router.post("/cohorts/{cohort_id}/invites", status_code=201, responses=error_responses(401, 403, 404, 422))
def create_invite(
    request: Request, cohort_id: DbId, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> InviteOut:
    cohort = managed_or_403(session, cohort_id, user)
    token, expires_at = cohorts.create_invite(
        session=session, cohort=cohort, created_by=user, ttl_s=settings.cohort_invite_ttl_s
    )
    return InviteOut(url=invite_url(request, settings, token), expires_at=expires_at)


@router.post("/cohorts/{cohort_id}/instructors", responses=error_responses(400, 401, 403, 404, 409, 413, 422))
def add_instructor(cohort_id: DbId, body: InstructorIn, user: CurrentUser, session: SessionDep) -> CohortDetail:
    cohort = managed_or_403(session, cohort_id, user)
    other = users.get_user_by_username(session=session, username=body.username)
    if other is None:
        raise AppError(404, f"There is no user {body.username!r}.")
    try:
        cohorts.add_member(session=session, cohort=cohort, user=other, role=CohortRole.INSTRUCTOR)
    except cohorts.CohortError as exc:
        raise AppError(409, str(exc)) from exc
    return _detail(session, cohort, True)


@router.post("/invites/{token}/join", responses=error_responses(401, 403, 404, 410))
def join(token: str, user: CurrentUser, session: SessionDep) -> CohortSummary:
    try:
        cohort = cohorts.join_by_invite(session=session, token=token, user=user)
    except cohorts.CohortError as exc:
        raise AppError(410 if "expired" in str(exc) else 404, str(exc)) from exc
    assert cohort.id is not None and user.id is not None
    member = cohorts.membership(session=session, cohort_id=cohort.id, user_id=user.id)
    return CohortSummary(id=cohort.id, name=cohort.name, role=member.role if member else None)


@router.get("/me/tracks", responses=error_responses(401))
def my_tracks(user: CurrentUser, session: SessionDep) -> list[LearnerTrackOut]:
    return [
        LearnerTrackOut(
            cohort_id=t.cohort.id or 0,
            cohort=t.cohort.name,
            late=t.late_count,
            items=[
                LearnerItem(
                    lesson_id=i.lesson_id,
                    position=i.position,
                    due_at=i.due_at,
                    pass_required=i.pass_required,
                    done=i.done,
                    done_at=i.done_at,
                    late=i.late,
                )
                for i in t.items
            ],
        )
        for t in cohorts.learner_tracks(session=session, user=user)
    ]


class CellOut(BaseModel):
    lesson_id: str
    state: str = Field(description="'passed' (done), 'started' or 'none' (not started).")
    attempts: int
    best_score: float = Field(description="A fraction, 0 to 1.")
    late: bool
    stuck: bool = Field(description="At least cohort_stuck_attempts graded attempts without passing.")


class LearnerProgressOut(BaseModel):
    user_id: int
    username: str
    cells: list[CellOut] = Field(description="One per lesson of the track, in the track's order.")


class CohortProgressOut(BaseModel):
    cohort_id: int
    stuck_attempts: int
    track: list[TrackItemOut]
    learners: list[LearnerProgressOut]


@router.get("/cohorts/{cohort_id}/progress", responses=error_responses(401, 403, 404, 422))
def cohort_progress(
    cohort_id: DbId, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> CohortProgressOut:
    """The instructor's progress matrix (the cohort's instructors and admins only; its learners get 403). The
    gradebook is ``GET /cohorts/{id}/gradebook.csv`` with the same bearer token."""
    managed_or_403(session, cohort_id, user)
    m = cohort_reports.matrix(session=session, cohort_id=cohort_id, stuck_attempts=settings.cohort_stuck_attempts)
    return CohortProgressOut(
        cohort_id=cohort_id,
        stuck_attempts=m.stuck_attempts,
        track=[
            TrackItemOut(lesson_id=i.lesson_id, position=i.position, due_at=i.due_at, pass_required=i.pass_required)
            for i in m.items
        ],
        learners=[
            LearnerProgressOut(
                user_id=p.id,
                username=p.username,
                cells=[
                    CellOut(
                        lesson_id=i.lesson_id,
                        state=c.state,
                        attempts=c.attempts,
                        best_score=c.best_score,
                        late=c.late,
                        stuck=c.stuck,
                    )
                    for i in m.items
                    for c in (m.cells[(p.id, i.lesson_id)],)
                ],
            )
            for p in m.learners
        ],
    )
