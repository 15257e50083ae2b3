"""JSON API for accounts (``/api/v1``): an admin's user management, and a user's own password change."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, ValidationError

from app.deps import AdminUser, CsrfDep, CurrentUser, DbId, LimiterDep, SessionDep, SettingsDep, client_key, rate_limit
from app.errors import AppError
from app.models import Role, User, UserCreate, UserPublic
from app.routes.accounts import reset_url
from app.schemas import error_responses
from app.security import SESSION_COOKIE, hash_password, verify_password
from app.services import accounts, users

router = APIRouter(dependencies=[CsrfDep], tags=["accounts"])


class AccountCreate(BaseModel):
    username: str = Field(max_length=40)
    role: Role = Role.LEARNER
    email: str | None = Field(default=None, max_length=255)
    password: str | None = Field(
        default=None, max_length=256, description="Empty: the account has no password until a reset link is used."
    )


class RoleChange(BaseModel):
    role: Role


class ResetLink(BaseModel):
    user_id: int
    username: str
    url: str
    expires_in_s: int


class SsoLink(BaseModel):
    provider: str | None = Field(default=None, max_length=40, description="None withdraws a pending link.")


class PasswordChange(BaseModel):
    old_password: str = Field(max_length=256)
    new_password: str = Field(max_length=300)


def public(user: User) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


def _target(session: SessionDep, user_id: int) -> User:
    target = users.get_user(session=session, user_id=user_id)
    if target is None:
        raise AppError(404, "There is no such user.")
    return target


@router.get("/admin/users", responses=error_responses(401, 403))
def list_users(user: AdminUser, session: SessionDep) -> list[UserPublic]:
    return [public(u) for u in users.list_users(session=session)]


@router.post("/admin/users", status_code=201, responses=error_responses(400, 401, 403, 409, 413, 422))
def create_user(body: AccountCreate, user: AdminUser, session: SessionDep) -> UserPublic:
    try:
        email = accounts.normalize_email(body.email) if body.email else None
        placeholder = "x" * accounts.PASSWORD_MIN  # validated only; never stored
        user_create = UserCreate(username=body.username, password=body.password or placeholder, role=body.role.value)
    except accounts.AccountError as exc:
        raise AppError(422, str(exc)) from exc
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() else "input"
        raise AppError(422, f"Please check the {field}.") from exc
    password_hash = hash_password(body.password) if body.password else ""
    try:
        created = users.create_user(session=session, user_create=user_create, password_hash=password_hash, email=email)
    except users.UserExistsError as exc:
        raise AppError(409, str(exc)) from exc
    return public(created)


@router.post("/admin/users/{user_id}/role", responses=error_responses(400, 401, 403, 404, 413, 422))
def set_role(user_id: DbId, body: RoleChange, user: AdminUser, session: SessionDep) -> UserPublic:
    return public(users.set_role(session=session, user=_target(session, user_id), role=body.role))


@router.post("/admin/users/{user_id}/deactivate", responses=error_responses(401, 403, 404, 409, 422))
def deactivate(user_id: DbId, user: AdminUser, session: SessionDep) -> UserPublic:
    target = _target(session, user_id)
    if target.id == user.id:
        raise AppError(409, "You cannot deactivate your own account.")
    return public(accounts.deactivate(session=session, user=target))


@router.post("/admin/users/{user_id}/reactivate", responses=error_responses(401, 403, 404, 422))
def reactivate(user_id: DbId, user: AdminUser, session: SessionDep) -> UserPublic:
    return public(accounts.reactivate(session=session, user=_target(session, user_id)))


@router.post("/admin/users/{user_id}/reset-link", status_code=201, responses=error_responses(401, 403, 404, 409, 422))
def reset_link(
    request: Request, user_id: DbId, user: AdminUser, session: SessionDep, settings: SettingsDep
) -> ResetLink:
    target = _target(session, user_id)
    try:
        token = accounts.issue_reset_link(
            session=session, user=target, ttl_s=settings.password_reset_ttl_s, created_by=user
        )
    except accounts.AccountError as exc:
        raise AppError(409, str(exc)) from exc
    assert target.id is not None
    return ResetLink(
        user_id=target.id,
        username=target.username,
        url=reset_url(request, settings, token),
        expires_in_s=settings.password_reset_ttl_s,
    )


@router.post("/admin/users/{user_id}/sso-link", responses=error_responses(400, 401, 403, 404, 409, 413, 422))
def sso_link(user_id: DbId, body: SsoLink, user: AdminUser, session: SessionDep, settings: SettingsDep) -> UserPublic:
    """The next login through ``provider`` with this account's e-mail address links to it (once)."""
    if body.provider is not None and body.provider not in {p.name for p in settings.sso_providers}:
        raise AppError(422, f"There is no single sign-on provider named {body.provider!r}.")
    try:
        linked = accounts.allow_sso_link(session=session, user=_target(session, user_id), provider=body.provider)
    except accounts.AccountError as exc:
        raise AppError(409, str(exc)) from exc
    return public(linked)


@router.post("/me/password", status_code=204, responses=error_responses(400, 401, 403, 413, 422, 429))
def change_password(
    request: Request,
    body: PasswordChange,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
) -> None:
    """Needs the current password. Ends the user's login sessions except a cookie session making this call."""
    rate_limit(limiter, action="login", key=client_key(request), limit=settings.login_rate_per_minute)
    if not settings.local_accounts:
        raise AppError(403, "Passwords are not used on this server.")
    if not verify_password(user.password_hash, body.old_password):
        raise AppError(400, "The current password is wrong.")
    problem = accounts.password_problem(
        body.new_password, username=user.username, min_length=settings.password_min_length
    )
    if problem:
        raise AppError(422, problem)
    password_hash = hash_password(body.new_password)
    accounts.change_password(
        session=session, user=user, password_hash=password_hash, keep_session=request.cookies.get(SESSION_COOKIE)
    )
