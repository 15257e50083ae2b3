"""Sign-up, login, logout and the account page (API tokens)."""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from app.deps import CsrfDep, CurrentUser, LimiterDep, SessionDep, SettingsDep, client_key, rate_limit
from app.models import Role, UserCreate
from app.security import SESSION_COOKIE, hash_password, verify_password
from app.services import tokens, users
from app.templating import render

router = APIRouter(dependencies=[CsrfDep])


def _safe_next(target: str | None) -> str:
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _login_response(request: Request, token: str, target: str, settings: SettingsDep) -> Response:
    response = RedirectResponse(_safe_next(target), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_max_age_s,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    return response


@router.get("/login")
async def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    rate_limit(limiter, action="login", key=client_key(request), limit=settings.login_rate_per_minute)
    # argon2 verification takes tens of ms of CPU: keep it off the event loop.
    user = users.get_user_by_username(session=session, username=username)
    ok = await asyncio.to_thread(verify_password, user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        ctx = {"next": _safe_next(next), "error": "Wrong username or password.", "username": username}
        return render(request, "login.html", ctx, status_code=400)
    token = tokens.create_web_session(session=session, user=user, max_age_s=settings.session_max_age_s)
    return _login_response(request, token, next, settings)


@router.post("/logout")
async def logout(request: Request, session: SessionDep) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        tokens.delete_web_session(session=session, token=cookie)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/signup")
async def signup_form(request: Request) -> Response:
    return render(request, "signup.html", {"error": None})


@router.post("/signup")
async def signup(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=256)],
    invite_code: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    rate_limit(limiter, action="login", key=client_key(request), limit=settings.login_rate_per_minute)

    def fail(message: str, status: int = 400) -> Response:
        return render(request, "signup.html", {"error": message, "username": username}, status_code=status)

    if settings.signup_mode == "closed":
        return fail("Sign-up is closed on this server; ask an administrator for an account.", 403)
    if settings.signup_mode == "invite":
        import hmac

        if not settings.invite_code or not hmac.compare_digest(invite_code, settings.invite_code):
            return fail("That invite code is not valid.", 403)
    try:
        user_create = UserCreate(username=username, password=password, role=Role.LEARNER.value)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() else "input"
        hint = "at least 8 characters" if field == "password" else "2-40 letters, digits, '.', '_' or '-'"
        return fail(f"Please check the {field}: {hint}.")
    password_hash = await asyncio.to_thread(hash_password, password)
    try:
        user = users.create_user(session=session, user_create=user_create, password_hash=password_hash)
    except users.UserExistsError:
        return fail("That username is taken.")
    token = tokens.create_web_session(session=session, user=user, max_age_s=settings.session_max_age_s)
    return _login_response(request, token, "/", settings)


@router.get("/account")
async def account(request: Request, user: CurrentUser) -> Response:
    return render(request, "account.html", {"new_token": None})


@router.post("/account/tokens")
async def create_token(
    request: Request, user: CurrentUser, session: SessionDep, name: Annotated[str, Form(max_length=80)] = ""
) -> Response:
    token = tokens.create_api_token(session=session, user=user, name=name)
    return render(request, "account.html", {"new_token": token})
