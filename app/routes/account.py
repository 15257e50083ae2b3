"""The account page: API tokens (create, list, revoke), the password, and "log out everywhere"."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from app.deps import CsrfDep, CurrentUser, DbId, SessionDep, SettingsDep, token_lifetime
from app.errors import AppError
from app.models import User
from app.routes.auth import logged_out
from app.security import SESSION_COOKIE, hash_password, verify_password
from app.services import sessions, tokens, users
from app.services.passwords import password_problem
from app.templating import render

router = APIRouter(dependencies=[CsrfDep])


def account_page(request: Request, session: SessionDep, user: User, status_code: int = 200, **context: Any) -> Response:
    """The account page with its token list; every account route (here and in accounts.py) answers with it."""
    assert user.id is not None
    context.setdefault("new_token", None)
    context.setdefault("message", None)
    context.setdefault("error", None)
    context["tokens"] = tokens.list_api_tokens(session=session, user_id=user.id)
    # Plain values of the account as it is now (the top bar's viewer is a copy taken at sign-in).
    context["account"] = {"email": user.email or "", "has_password": bool(user.password_hash)}
    return render(request, "account.html", context, status_code=status_code)


@router.get("/account")
def account(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    return account_page(request, session, user)


@router.post("/account/tokens")
def create_token(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    name: Annotated[str, Form(max_length=80)] = "",
    expires_in_days: Annotated[int | None, Form()] = None,
) -> Response:
    days = token_lifetime(expires_in_days, settings)
    token, _ = tokens.issue_api_token(session=session, user=user, name=name, days=days)
    return account_page(request, session, user, new_token=token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(token_id: DbId, user: CurrentUser, session: SessionDep) -> Response:
    assert user.id is not None
    if not tokens.revoke_api_token(session=session, user_id=user.id, token_id=token_id):
        raise AppError(404, "There is no such token.")
    return RedirectResponse("/account", status_code=303)


@router.post("/account/password")
def change_password(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    current_password: Annotated[str, Form(max_length=256)],
    new_password: Annotated[str, Form(max_length=256)],
) -> Response:
    if not verify_password(user.password_hash, current_password):
        return account_page(request, session, user, 400, error="The current password is not right.")
    problem = password_problem(new_password, username=user.username, min_length=settings.password_min_length)
    if problem is not None:
        return account_page(request, session, user, 400, error=problem)
    new_hash = hash_password(new_password)
    ended = users.change_password(
        session=session, user=user, password_hash=new_hash, keep_session_token=request.cookies.get(SESSION_COOKIE)
    )
    message = f"Password changed; {ended} other sign-in(s) and API token(s) ended."
    return account_page(request, session, user, message=message)


@router.post("/account/logout-everywhere")
def logout_everywhere(user: CurrentUser, session: SessionDep, settings: SettingsDep) -> Response:
    """Ends every login session of the user, this browser's included (API tokens stay: revoke them above)."""
    assert user.id is not None
    sessions.end_web_sessions(session=session, user_id=user.id)
    return logged_out(settings, "/login")
