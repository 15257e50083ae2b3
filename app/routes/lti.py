"""LTI 1.3 endpoints: login initiation, launch, the deep-linking lesson picker, and this tool's key set.

Thin: the protocol is ``app.services.lti`` (pylti1p3 underneath). ``/lti/login`` and ``/lti/launch`` are
cross-site by design (the LMS posts to them) and carry no CSRF token: the login-state cookie plus the
signed, single-use id_token protect them. Every other unsafe request, the picker's included, needs the
session's CSRF token as anywhere else. Cookies set here are ``SameSite=None; Secure; Partitioned`` so they
reach the tool inside the LMS's iframe. Each ``LaunchError`` is its own page (``lti_error.html``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response

from app.config import Settings
from app.deps import CatalogDep, CsrfDep, CurrentUser, LimiterDep, SessionDep, SettingsDep, client_key, rate_limit
from app.routes.accounts import public_base
from app.routes.auth import end_browser_session
from app.security import CSP, SESSION_COOKIE, embedded_cookie_header
from app.services import lti, tokens
from app.services.lti import deep_linking, launches
from app.services.lti.errors import LaunchError
from app.services.lti.frames import FRAME_COOKIE, FrameOrigins
from app.templating import render

router = APIRouter()


def launch_url(request: Request, settings: Settings) -> str:
    return f"{public_base(request, settings)}/lti/launch"


def _error_page(request: Request, err: LaunchError) -> Response:
    ctx = {"title": err.title, "message": err.message, "kind": err.kind}
    return render(request, "lti_error.html", ctx, status_code=err.status)


async def _params(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    if request.method == "POST":
        form = await request.form()
        params |= {k: v for k, v in form.items() if isinstance(v, str)}
    return params


@router.api_route("/lti/login", methods=["GET", "POST"])
async def lti_login(request: Request, session: SessionDep, settings: SettingsDep, limiter: LimiterDep) -> Response:
    params = await _params(request)

    def begin() -> launches.LoginStart:
        # Each start stores a nonce: limited per client address (a class behind one NAT shares it).
        rate_limit(limiter, action="lti_login", key=client_key(request), limit=settings.lti_login_rate_per_minute)
        return launches.begin_login(
            session=session,
            settings=settings,
            params=params,
            cookies=request.cookies,
            launch_url=launch_url(request, settings),
        )

    try:
        start = await run_in_threadpool(begin)
    except LaunchError as err:
        return _error_page(request, err)
    response = RedirectResponse(start.redirect_url, status_code=302)
    for name, value, max_age in start.cookies:
        response.headers.append(
            "Set-Cookie", embedded_cookie_header(name, value, max_age=max_age, path=f"{settings.root_path}/lti/")
        )
    return response


@router.post("/lti/launch")
async def lti_launch(request: Request, session: SessionDep, settings: SettingsDep, catalog: CatalogDep) -> Response:
    params = await _params(request)

    def check_and_sign_in() -> tuple[str, str]:
        """In the threadpool: the database, and pylti1p3 fetching the platform's keys (requests), block."""
        outcome = launches.finish_launch(
            session=session,
            settings=settings,
            params=params,
            cookies=request.cookies,
            known_lessons={lesson.id for lesson in catalog.ordered()},
        )
        end_browser_session(request, session)
        token = tokens.create_web_session(session=session, user=outcome.user, max_age_s=settings.session_max_age_s)
        return outcome.target, token

    try:
        target, token = await run_in_threadpool(check_and_sign_in)
    except LaunchError as err:
        return _error_page(request, err)
    response = RedirectResponse(target, status_code=303)
    response.headers.append(
        "Set-Cookie", embedded_cookie_header(SESSION_COOKIE, token, max_age=settings.session_max_age_s)
    )
    response.headers.append(
        "Set-Cookie", embedded_cookie_header(FRAME_COOKIE, "1", max_age=settings.lti_frame_max_age_s)
    )
    return response


@router.get("/lti/deep-link/{launch_id}")
def picker(
    request: Request, launch_id: str, user: CurrentUser, session: SessionDep, settings: SettingsDep, catalog: CatalogDep
) -> Response:
    try:
        dl = deep_linking.restore(session=session, settings=settings, launch_id=launch_id, user=user)
    except LaunchError as err:
        return _error_page(request, err)
    ctx = {"lessons": catalog.ordered(), "launch_id": launch_id, "multiple": dl.accepts_multiple}
    return render(request, "lti_picker.html", ctx)


@router.post("/lti/deep-link/{launch_id}", dependencies=[CsrfDep])
async def picked(
    request: Request, launch_id: str, user: CurrentUser, session: SessionDep, settings: SettingsDep, catalog: CatalogDep
) -> Response:
    form = await request.form()
    titles = {lesson.id: lesson.meta.title for lesson in catalog.ordered()}
    chosen = [str(v) for v in form.getlist("lesson")]

    def answer() -> tuple[deep_linking.DeepLinkRequest, str]:
        unknown = [c for c in chosen if c not in titles]
        if unknown:
            raise LaunchError("not_found", f"There is no lesson {unknown[0]!r} here.")
        dl = deep_linking.restore(session=session, settings=settings, launch_id=launch_id, user=user)
        return dl, deep_linking.response_jwt(
            dl, lessons=[(c, titles[c]) for c in chosen], launch_url=launch_url(request, settings)
        )

    try:
        dl, signed = await run_in_threadpool(answer)
    except LaunchError as err:
        return _error_page(request, err)
    response = render(request, "lti_deep_link_return.html", {"return_url": dl.return_url, "jwt": signed})
    frames: FrameOrigins = request.app.state.lti_frames
    response.headers["Content-Security-Policy"] = frames.csp(frames.form_action(CSP, dl.return_url))
    return response


@router.get("/lti/jwks")
def jwks(settings: SettingsDep) -> JSONResponse:
    return JSONResponse(lti.public_jwks(settings.data_dir), headers={"Cache-Control": "public, max-age=300"})
