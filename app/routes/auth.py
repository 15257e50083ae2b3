"""Sign-up, login and logout. A login in a browser ends that browser's earlier session; every cookie
is written by ``app.security.cookie_header`` (the same flags on a deletion as on a grant)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from app.config import Settings
from app.deps import CsrfDep, LimiterDep, SessionDep, SettingsDep, client_key, rate_limit
from app.errors import AppError
from app.htmx import local_path
from app.models import Role, UserCreate
from app.security import SESSION_COOKIE, cookie_header, hash_password, verify_password
from app.services import login_throttle, tokens, users
from app.services.passwords import password_problem
from app.templating import render

router = APIRouter(dependencies=[CsrfDep])


def safe_next(target: str | None) -> str:
    r"""Only local paths: a login never sends the browser to another site (not //host, nor /\host:
    browsers read a backslash as a slash)."""
    return local_path(target) or "/"


def login_cookie(token: str, target: str, settings: Settings) -> Response:
    """The redirect that ends a login (password or single sign-on): the session cookie, then ``target``."""
    response = RedirectResponse(safe_next(target), status_code=303)
    cookie = cookie_header(SESSION_COOKIE, token, secure=settings.cookie_secure, max_age=settings.session_max_age_s)
    response.headers.append("Set-Cookie", cookie)
    return response


def end_browser_session(request: Request, session: SessionDep) -> None:
    """The session this browser held before (a login as someone else, or again) ends with the new login."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        tokens.delete_web_session(session=session, token=cookie)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": safe_next(next), "error": None})


def _no_password_logins(request: Request, next: str) -> Response:
    ctx = {"next": safe_next(next), "error": "Password logins are turned off on this server; use single sign-on."}
    return render(request, "login.html", ctx, status_code=403)


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    if not settings.local_accounts:
        return _no_password_logins(request, next)

    def form_again(message: str, status: int, headers: dict[str, str] | None = None) -> Response:
        ctx = {"next": safe_next(next), "error": message, "username": username}
        return render(request, "login.html", ctx, status_code=status, headers=headers)

    try:
        rate_limit(limiter, action="login", key=client_key(request), limit=settings.login_rate_per_minute)
    except AppError as exc:  # the form again, with the wait, rather than a bare error page
        return form_again(exc.message, exc.status, exc.headers)
    wait = login_throttle.wait_s(session=session, username=username, settings=settings)
    if wait > 0:  # this account was guessed at: it alone slows down, whatever the address
        seconds = max(1, int(wait + 0.999))
        message = f"Too many failed logins for this account; try again in {seconds} s."
        return form_again(message, 429, {"Retry-After": str(seconds)})
    # argon2 verification takes tens of ms of CPU: keep it off the event loop.
    user = users.get_user_by_username(session=session, username=username)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        login_throttle.record_failure(session=session, username=username)
        return form_again("Wrong username or password.", 400)
    login_throttle.clear(session=session, username=username)
    end_browser_session(request, session)
    token = tokens.create_web_session(session=session, user=user, max_age_s=settings.session_max_age_s)
    return login_cookie(token, next, settings)


def logged_out(settings: SettingsDep, target: str = "/") -> Response:
    response = RedirectResponse(target, status_code=303)
    response.headers.append("Set-Cookie", cookie_header(SESSION_COOKIE, "", secure=settings.cookie_secure, max_age=0))
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    end_browser_session(request, session)
    return logged_out(settings)


@router.get("/signup")
def signup_form(request: Request) -> Response:
    return render(request, "signup.html", {"error": None})


@router.post("/signup")
def signup(
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

    if not settings.local_accounts or settings.signup_mode == "sso-only":
        return fail("Accounts on this server come from single sign-on: use a button on the login page.", 403)
    if settings.signup_mode == "closed":
        return fail("Sign-up is closed on this server; ask an administrator for an account.", 403)
    if settings.signup_mode == "invite":
        import hmac

        if not settings.invite_code or not hmac.compare_digest(invite_code, settings.invite_code):
            return fail("That invite code is not valid.", 403)
    problem = password_problem(password, username=username, min_length=settings.password_min_length)
    if problem is not None:
        return fail(problem)
    try:
        user_create = UserCreate(username=username, password=password, role=Role.LEARNER.value)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() else "input"
        hint = "at least 8 characters" if field == "password" else "2-40 letters, digits, '.', '_' or '-'"
        return fail(f"Please check the {field}: {hint}.")
    password_hash = hash_password(password)
    try:
        user = users.create_user(session=session, user_create=user_create, password_hash=password_hash)
    except users.UserExistsError:
        return fail("That username is taken.")
    end_browser_session(request, session)
    token = tokens.create_web_session(session=session, user=user, max_age_s=settings.session_max_age_s)
    return login_cookie(token, "/", settings)
