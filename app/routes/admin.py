"""Admin: lesson problems (what failed to load and why), accounts (role, deactivation, reset links) and LTI
platform registrations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from app.deps import AdminUser, CatalogDep, CsrfDep, DbId, SessionDep, SettingsDep
from app.errors import AppError
from app.models import Role, User
from app.routes.accounts import public_base, reset_url
from app.services import accounts, lti, users
from app.services.lti import grades as lti_grades
from app.templating import render

router = APIRouter(dependencies=[CsrfDep])


def _target(session: SessionDep, user_id: int) -> User:
    target = users.get_user(session=session, user_id=user_id)
    if target is None:
        raise AppError(404, "There is no such user.")
    return target


def _admin_page(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    *,
    status: int = 200,
    **extra: object,
) -> Response:
    context: dict[str, object] = {
        "problems": catalog.problems,
        "lessons": catalog.ordered(),
        "users": users.list_users(session=session),
        "platforms": lti.platforms(session=session),
        "tool_jwks_url": f"{public_base(request, settings)}/lti/jwks",
        "tool_base_url": public_base(request, settings),
        "grade_outbox": lti_grades.state_counts(session=session),
        "lti_error": None,
        "lti_form": {},
    }
    context.update(extra)
    return render(request, "admin.html", context, status_code=status)


@router.get("/admin")
def admin_page(
    request: Request, user: AdminUser, session: SessionDep, catalog: CatalogDep, settings: SettingsDep
) -> Response:
    return _admin_page(request, session, catalog, settings)


@router.post("/admin/lti/platforms")
def add_lti_platform(
    request: Request,
    user: AdminUser,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    issuer: Annotated[str, Form(max_length=2000)] = "",
    client_id: Annotated[str, Form(max_length=2000)] = "",
    deployment_id: Annotated[str, Form(max_length=2000)] = "",
    auth_login_url: Annotated[str, Form(max_length=2000)] = "",
    token_url: Annotated[str, Form(max_length=2000)] = "",
    jwks_url: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    form = {
        "issuer": issuer,
        "client_id": client_id,
        "deployment_id": deployment_id,
        "auth_login_url": auth_login_url,
        "token_url": token_url,
        "jwks_url": jwks_url,
    }
    try:
        lti.add_platform(session=session, **form)
    except lti.LtiError as exc:
        # The values come back as typed, with the reason: nothing is lost.
        return _admin_page(request, session, catalog, settings, status=400, lti_error=str(exc), lti_form=form)
    request.app.state.lti_frames.load(session)  # this replica at once; the others at their worker's next round
    return RedirectResponse("/admin#lti", status_code=303)


@router.post("/admin/lti/grades/retry")
def retry_lti_grades(user: AdminUser, session: SessionDep) -> Response:
    """Send the scores whose delivery gave up again (once the LMS is fixed)."""
    lti_grades.retry_failed(session=session)
    return RedirectResponse("/admin#lti-grades", status_code=303)


@router.post("/admin/users/{user_id}/role")
def set_role(
    user_id: DbId, user: AdminUser, session: SessionDep, role: Annotated[str, Form(max_length=20)]
) -> Response:
    target = _target(session, user_id)
    try:
        new_role = Role(role)
    except ValueError as exc:
        raise AppError(422, f"Unknown role {role!r}.") from exc
    try:
        users.set_role(session=session, user=target, role=new_role)
    except users.LastAdminError as exc:
        raise AppError(409, f"{exc}") from None
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users/{user_id}/deactivate")
def deactivate(user_id: DbId, user: AdminUser, session: SessionDep) -> Response:
    target = _target(session, user_id)
    if target.id == user.id:
        raise AppError(409, "You cannot deactivate your own account.")
    accounts.deactivate(session=session, user=target)
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users/{user_id}/reactivate")
def reactivate(user_id: DbId, user: AdminUser, session: SessionDep) -> Response:
    accounts.reactivate(session=session, user=_target(session, user_id))
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users/{user_id}/reset-link")
def reset_link(
    request: Request, user_id: DbId, user: AdminUser, session: SessionDep, settings: SettingsDep
) -> Response:
    target = _target(session, user_id)
    try:
        token = accounts.issue_reset_link(
            session=session, user=target, ttl_s=settings.password_reset_ttl_s, created_by=user
        )
    except accounts.AccountError as exc:
        raise AppError(409, str(exc)) from exc
    context = {
        "target": target,
        "link": reset_url(request, settings, token),
        "hours": settings.password_reset_ttl_s / 3600,
    }
    return render(request, "admin_reset_link.html", context)
