"""Single sign-on pages: ``/sso/<provider>/login`` (off to the provider) and ``/sso/<provider>/callback``.

Thin: the protocol is ``app.services.sso``, the account rules ``app.services.sso_accounts``. Each
``SsoError`` becomes its own clear page (``sso_error.html``), with the status its kind names.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from app.config import Settings
from app.deps import LimiterDep, SessionDep, SettingsDep, client_key, rate_limit
from app.routes.accounts import public_base
from app.routes.auth import end_browser_session, login_cookie, safe_next
from app.security import cookie_header
from app.services import sso_accounts, tokens
from app.services.sso import STATE_COOKIE, SsoClients, SsoError
from app.templating import render

router = APIRouter()


def _clients(request: Request) -> SsoClients:
    clients: SsoClients = request.app.state.sso
    return clients


def _redirect_uri(request: Request, settings: Settings, name: str) -> str:
    return f"{public_base(request, settings)}/sso/{name}/callback"


def _error_page(request: Request, err: SsoError, provider: str) -> Response:
    ctx = {"title": err.title, "message": err.message, "kind": err.kind, "provider": provider}
    response = render(request, "sso_error.html", ctx, status_code=err.status)
    _forget_state(response, request.app.state.settings)
    return response


def _forget_state(response: Response, settings: Settings) -> None:
    """Delete the login-state cookie, with the same flags as every cookie of ours."""
    response.headers.append(
        "Set-Cookie", cookie_header(STATE_COOKIE, "", secure=settings.cookie_secure, max_age=0, path="/sso/")
    )


@router.get("/sso/{name}/login")
async def sso_login(
    request: Request, name: str, session: SessionDep, settings: SettingsDep, limiter: LimiterDep, next: str = "/"
) -> Response:
    # Each start writes a login-state row and may call the provider: limited like password logins.
    rate_limit(limiter, action="login", key=client_key(request), limit=settings.login_rate_per_minute)
    clients = _clients(request)
    try:
        provider = clients.provider(name)
        url, state = await clients.begin(
            session=session,
            provider=provider,
            redirect_uri=_redirect_uri(request, settings, name),
            next_url=safe_next(next),
        )
    except SsoError as err:
        return _error_page(request, err, name)
    response = RedirectResponse(url, status_code=303)
    # SameSite=Lax: the provider's redirect back is a top-level GET, and Lax cookies travel with it.
    state_cookie = cookie_header(
        STATE_COOKIE, state, secure=settings.cookie_secure, max_age=settings.sso_state_ttl_s, path="/sso/"
    )
    response.headers.append("Set-Cookie", state_cookie)
    return response


@router.get("/sso/{name}/callback")
async def sso_callback(request: Request, name: str, session: SessionDep, settings: SettingsDep) -> Response:
    clients = _clients(request)
    q = request.query_params
    try:
        provider = clients.provider(name)
        login_state = clients.take_state(
            session=session, provider=provider, state=q.get("state", ""), cookie=request.cookies.get(STATE_COOKIE)
        )
        if q.get("error"):
            raise SsoError("refused", f"{provider.label} said: {q.get('error_description') or q.get('error')}.")
        if not q.get("code"):
            raise SsoError("bad_state", "The provider's answer carries no authorization code. Start again.")
        login = await clients.finish(
            provider=provider,
            login=login_state,
            code=q["code"],
            iss=q.get("iss"),
            redirect_uri=_redirect_uri(request, settings, name),
        )
        user = sso_accounts.user_for_login(session=session, login=login, signup_mode=settings.signup_mode)
    except SsoError as err:
        return _error_page(request, err, name)
    end_browser_session(request, session)
    token = tokens.create_web_session(session=session, user=user, max_age_s=settings.session_max_age_s)
    response = login_cookie(token, login_state.next_url, settings)
    _forget_state(response, settings)
    return response
