"""Cohort pages: the list (and, for staff, a create form), one cohort (its instructors manage members,
invite links and the track; its learners see the track), and joining by an invite link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from app.deps import CatalogDep, CsrfDep, CurrentUser, DbId, SessionDep, SettingsDep, StaffUser
from app.errors import AppError
from app.models import Cohort, CohortRole, User
from app.routes.accounts import public_base
from app.services import cohorts, users
from app.services.lti import roster
from app.services.lti.errors import LaunchError
from app.templating import render

router = APIRouter(dependencies=[CsrfDep])


def cohort_or_404(session: SessionDep, cohort_id: int, user: User) -> tuple[Cohort, bool]:
    """The cohort and whether ``user`` manages it; 404 for those who are neither member nor manager."""
    cohort = cohorts.get_cohort(session=session, cohort_id=cohort_id)
    if cohort is None:
        raise AppError(404, "There is no such cohort.")
    manager = cohorts.can_manage(session=session, cohort=cohort, user=user)
    assert user.id is not None
    if not manager and cohorts.membership(session=session, cohort_id=cohort_id, user_id=user.id) is None:
        raise AppError(404, "There is no such cohort.")
    return cohort, manager


def managed_or_403(session: SessionDep, cohort_id: int, user: User) -> Cohort:
    cohort, manager = cohort_or_404(session, cohort_id, user)
    if not manager:
        raise AppError(403, "Only the cohort's instructors can change it.")
    return cohort


def invite_url(request: Request, settings: SettingsDep, token: str) -> str:
    return f"{public_base(request, settings)}/join/{token}"


@router.get("/cohorts")
def cohort_list(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    return render(request, "cohorts.html", {"cohorts": cohorts.cohorts_of(session=session, user=user), "error": None})


@router.post("/cohorts")
def create_cohort(
    request: Request, user: StaffUser, session: SessionDep, name: Annotated[str, Form(max_length=200)]
) -> Response:
    try:
        cohort = cohorts.create_cohort(session=session, name=name, creator=user)
    except cohorts.CohortError as exc:
        ctx = {"cohorts": cohorts.cohorts_of(session=session, user=user), "error": str(exc)}
        return render(request, "cohorts.html", ctx, status_code=400)
    return RedirectResponse(f"/cohorts/{cohort.id}", status_code=303)


def _cohort_page(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    cohort: Cohort,
    manager: bool,
    user: User,
    *,
    status: int = 200,
    **extra: object,
) -> Response:
    assert cohort.id is not None
    items = cohorts.track(session=session, cohort_id=cohort.id)
    mine = [t for t in cohorts.learner_tracks(session=session, user=user) if t.cohort.id == cohort.id]
    ctx: dict[str, object] = {
        "cohort": cohort,
        "manager": manager,
        "items": items,
        "titles": {lesson.id: lesson.meta.title for lesson in catalog.ordered()},
        "my_track": mine[0] if mine else None,
        "members": cohorts.members(session=session, cohort_id=cohort.id) if manager else [],
        "track_text": cohorts.track_text(items),
        "lessons": catalog.ordered(),
        "error": None,
        "invite": None,
        "lms_course": roster.context_of(session=session, cohort_id=cohort.id) if manager else None,
        "roster_result": None,
    }
    ctx.update(extra)
    return render(request, "cohort.html", ctx, status_code=status)


@router.get("/cohorts/{cohort_id}")
def cohort_page(
    request: Request, cohort_id: DbId, user: CurrentUser, session: SessionDep, catalog: CatalogDep
) -> Response:
    cohort, manager = cohort_or_404(session, cohort_id, user)
    return _cohort_page(request, session, catalog, cohort, manager, user)


@router.post("/cohorts/{cohort_id}/track")
def set_track(
    request: Request,
    cohort_id: DbId,
    user: CurrentUser,
    session: SessionDep,
    catalog: CatalogDep,
    track: Annotated[str, Form(max_length=50_000)] = "",
) -> Response:
    cohort = managed_or_403(session, cohort_id, user)
    try:
        entries = cohorts.parse_track(track)
        cohorts.set_track(
            session=session, cohort=cohort, entries=entries, known_lessons={lesson.id for lesson in catalog.ordered()}
        )
    except cohorts.CohortError as exc:
        # The instructor's text comes back as typed, with the reason: nothing is lost.
        return _cohort_page(request, session, catalog, cohort, True, user, status=400, error=str(exc), track_text=track)
    return RedirectResponse(f"/cohorts/{cohort_id}", status_code=303)


@router.post("/cohorts/{cohort_id}/invites")
def create_invite(
    request: Request,
    cohort_id: DbId,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
) -> Response:
    cohort = managed_or_403(session, cohort_id, user)
    token, expires_at = cohorts.create_invite(
        session=session, cohort=cohort, created_by=user, ttl_s=settings.cohort_invite_ttl_s
    )
    invite = {"url": invite_url(request, settings, token), "expires_at": expires_at}
    return _cohort_page(request, session, catalog, cohort, True, user, invite=invite)


@router.post("/cohorts/{cohort_id}/instructors")
def add_instructor(
    request: Request,
    cohort_id: DbId,
    user: CurrentUser,
    session: SessionDep,
    catalog: CatalogDep,
    username: Annotated[str, Form(max_length=80)],
) -> Response:
    cohort = managed_or_403(session, cohort_id, user)
    other = users.get_user_by_username(session=session, username=username.strip())
    try:
        if other is None:
            raise cohorts.CohortError(f"There is no user {username.strip()!r}.")
        cohorts.add_member(session=session, cohort=cohort, user=other, role=CohortRole.INSTRUCTOR)
    except cohorts.CohortError as exc:
        return _cohort_page(request, session, catalog, cohort, True, user, status=400, error=str(exc))
    return RedirectResponse(f"/cohorts/{cohort_id}", status_code=303)


@router.post("/cohorts/{cohort_id}/sso-group")
def set_sso_group(
    request: Request,
    cohort_id: DbId,
    user: CurrentUser,
    session: SessionDep,
    catalog: CatalogDep,
    sso_group: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    cohort = managed_or_403(session, cohort_id, user)
    try:
        cohorts.set_sso_group(session=session, cohort=cohort, group=sso_group)
    except cohorts.CohortError as exc:
        return _cohort_page(request, session, catalog, cohort, True, user, status=400, error=str(exc))
    return RedirectResponse(f"/cohorts/{cohort_id}", status_code=303)


@router.post("/cohorts/{cohort_id}/lti-roster")
def sync_lms_roster(
    request: Request,
    cohort_id: DbId,
    user: CurrentUser,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
) -> Response:
    """Fill the cohort from its LMS course's roster (NRPS). Sync: pylti1p3 calls the LMS with requests."""
    cohort = managed_or_403(session, cohort_id, user)
    try:
        result = roster.sync_roster(session=session, settings=settings, cohort_id=cohort_id)
    except LaunchError as err:
        return _cohort_page(request, session, catalog, cohort, True, user, status=err.status, error=err.message)
    return _cohort_page(request, session, catalog, cohort, True, user, roster_result=result)


@router.get("/join/{token}")
def join_form(request: Request, token: str, user: CurrentUser, session: SessionDep) -> Response:
    try:
        cohort = cohorts.cohort_for_invite(session=session, token=token)
    except cohorts.CohortError as exc:
        return render(request, "join.html", {"error": str(exc), "cohort": None}, status_code=400)
    return render(request, "join.html", {"error": None, "cohort": cohort, "token": token})


@router.post("/join/{token}")
def join(request: Request, token: str, user: CurrentUser, session: SessionDep) -> Response:
    try:
        cohort = cohorts.join_by_invite(session=session, token=token, user=user)
    except cohorts.CohortError as exc:
        return render(request, "join.html", {"error": str(exc), "cohort": None}, status_code=400)
    return RedirectResponse(f"/cohorts/{cohort.id}", status_code=303)
