"""The account's e-mail address, and password reset by link (admin-issued or mailed). The account page, its
password change and tokens are in ``app.routes.account``."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from app.config import Settings
from app.deps import CsrfDep, CurrentUser, LimiterDep, SessionDep, SettingsDep, client_key, rate_limit
from app.routes.account import account_page
from app.security import hash_password
from app.services import accounts, mailer
from app.templating import render

log = logging.getLogger(__name__)
router = APIRouter(dependencies=[CsrfDep])


def public_base(request: Request, settings: Settings) -> str:
    """The base URL for links that leave the server (mails, SSO redirect URIs): ``public_url`` if set."""
    return (settings.public_url or str(request.base_url)).rstrip("/")


def reset_url(request: Request, settings: Settings, token: str) -> str:
    return f"{public_base(request, settings)}/reset/{token}"


@router.post("/account/email")
def set_email(
    request: Request, user: CurrentUser, session: SessionDep, email: Annotated[str, Form(max_length=255)] = ""
) -> Response:
    try:
        accounts.set_email(session=session, user=user, email=email or None)
    except accounts.AccountError as exc:
        return account_page(request, session, user, status_code=400, error=str(exc))
    return account_page(request, session, user, message="E-mail address saved.")


@router.get("/reset")
def reset_request_form(request: Request, settings: SettingsDep) -> Response:
    return render(request, "reset_request.html", {"sent": False, "error": _reset_unavailable(settings)})


def _reset_unavailable(settings: Settings) -> str | None:
    if not settings.local_accounts:
        return "Passwords are not used on this server; log in with single sign-on."
    if not mailer.mail_configured(settings):
        return "This server cannot send mail. Ask an administrator for a reset link."
    return None


@router.post("/reset")
async def reset_request(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    login: Annotated[str, Form(max_length=255)],
) -> Response:
    """Mail a reset link to the account's address. The page says the same whether or not an account
    matched, so that it does not tell which usernames or addresses exist."""
    problem = _reset_unavailable(settings)
    if problem:
        return render(request, "reset_request.html", {"sent": False, "error": problem}, status_code=403)
    per_hour = settings.reset_rate_per_hour
    for key in (client_key(request), login.strip().lower()):
        wait = limiter.hit(action="reset", key=key, limit=per_hour, window_s=3600)
        if wait is not None:
            ctx = {"sent": False, "error": f"Too many reset requests; try again in {int(wait // 60) + 1} min."}
            return render(request, "reset_request.html", ctx, status_code=429)
    user = accounts.find_by_login(session=session, login=login)
    if user is not None and user.is_active and user.email and user.password_hash:
        token = accounts.issue_reset_link(session=session, user=user, ttl_s=settings.password_reset_ttl_s)
        hours = max(1, settings.password_reset_ttl_s // 3600)
        body = (
            f"Someone (probably you) asked to reset the password of {user.username!r} on jaxtutor.\n\n"
            f"Open this link within {hours} h to choose a new password (it works once):\n\n"
            f"{reset_url(request, settings, token)}\n\nIf it was not you, ignore this mail.\n"
        )
        try:
            await mailer.send_mail(settings, to=user.email, subject="Reset your jaxtutor password", body=body)
        except mailer.MailError as exc:
            log.error("reset mail for user %s not sent: %s", user.id, exc)
            ctx = {"sent": False, "error": "The mail server is not answering; try again later."}
            return render(request, "reset_request.html", ctx, status_code=503)
    return render(request, "reset_request.html", {"sent": True, "error": None})


@router.get("/reset/{token}")
def reset_form(request: Request, token: str, session: SessionDep, settings: SettingsDep) -> Response:
    try:
        if not settings.local_accounts:
            raise accounts.AccountError("Passwords are not used on this server; log in with single sign-on.")
        user = accounts.user_for_reset_token(session=session, token=token)
    except accounts.AccountError as exc:
        return render(request, "reset_password.html", {"error": str(exc), "valid": False}, status_code=400)
    return render(request, "reset_password.html", {"error": None, "valid": True, "target": user, "token": token})


@router.post("/reset/{token}")
def reset_password(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    new_password: Annotated[str, Form(max_length=300)],
) -> Response:
    rate_limit(limiter, action="login", key=client_key(request), limit=settings.login_rate_per_minute)
    try:
        if not settings.local_accounts:
            raise accounts.AccountError("Passwords are not used on this server; log in with single sign-on.")
        target = accounts.user_for_reset_token(session=session, token=token)
    except accounts.AccountError as exc:
        return render(request, "reset_password.html", {"error": str(exc), "valid": False}, status_code=400)
    problem = accounts.password_problem(new_password, username=target.username, min_length=settings.password_min_length)
    if problem:
        ctx = {"error": problem, "valid": True, "target": target, "token": token}
        return render(request, "reset_password.html", ctx, status_code=400)
    password_hash = hash_password(new_password)
    try:
        user = accounts.reset_password(session=session, token=token, password_hash=password_hash)
    except accounts.AccountError as exc:  # used by a parallel request in the meantime
        return render(request, "reset_password.html", {"error": str(exc), "valid": False}, status_code=400)
    return render(request, "reset_password.html", {"error": None, "valid": False, "done": user})
