"""The web app: ``create_app(settings)`` builds it; the lifespan opens and closes everything it holds.

Start-up order: host (sandbox ready? else refuse; sweep what a dead server left in the runtime dir; see
``app.services.host``; skipped when a test hands in its own kernel provider) → data dir → database
engine → migrations (``alembic upgrade head``; ``create_all`` when ``auto_migrate`` is off) → lesson
catalog → run manager (session kernels from the warm pool) → grading queue (claims submissions from the
database, shared with any other replica; re-queues those this replica left ``running``). Shut-down
reverses it, gives unfinished gradings back to the queue and stops every kernel.

Operations (``app.observability``): each app has its own Prometheus registry (``GET /metrics``), a request-id
and metrics middleware outside everything else, and ``GET /readyz`` (database, lessons, sandbox) next to the
liveness-only ``GET /healthz``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING

from fastapi import FastAPI
from sqlmodel import Session
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import __version__, errors, openapi
from app.config import Settings
from app.db import create_all, make_engine, migrate, request_slots
from app.htmx import HX_REDIRECT
from app.lessons import load_catalog
from app.lessons.watch import watch_lessons
from app.limits import BodyLimitMiddleware
from app.observability import routes as observability_routes
from app.observability.metrics import Metrics
from app.observability.middleware import ObservabilityMiddleware
from app.routes import (
    account,
    accounts,
    admin,
    admin_api,
    api,
    auth,
    clusters,
    clusters_api,
    cohort_reports,
    cohorts,
    cohorts_api,
    editor_assist,
    feedback,
    instructor,
    lti,
    pages,
    regrade_api,
    runs,
    runs_api,
    sso,
    submission_diff,
    submissions,
    tryout,
)
from app.security import CSP, SESSION_COOKIE, cookie_header, csrf_cookie_name, new_csrf_token, session_csrf
from app.services.grading_jobs import Grader, GradingQueue, default_grader
from app.services.host import HostState, prepare_host
from app.services.lti.frames import FRAME_COOKIE, FrameOrigins
from app.services.lti.grades import GradeWorker
from app.services.lti.storage import purge_expired
from app.services.ratelimit import RateLimiter
from app.services.run import KernelProvider, PoolKernelProvider, RunManager, default_provider
from app.services.sso import SsoClients
from app.services.tryout import PublicExamples
from app.static_files import StaticVersions, static_app
from app.templating import STATIC_DIR, MarkdownRenderer, make_templates

if TYPE_CHECKING:
    from app.grader.kernel_source import KernelSource

log = logging.getLogger(__name__)


class SecurityMiddleware:
    """Security headers on every response, a CSRF cookie for every visitor, and the request's CSRF token
    (``scope["state"]``: ``csrf_token`` for pages to render, ``csrf_expected`` for ``deps.verify_csrf``)."""

    def __init__(self, app: ASGIApp, *, settings: Settings, frames: FrameOrigins | None = None) -> None:
        self.app = app
        self.settings = settings
        self.frames = frames

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope.get("headers", []))
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:
            cookies = SimpleCookie()
        secure = self.settings.cookie_secure
        root = self.settings.root_path
        csrf_name = csrf_cookie_name(secure)
        morsel = cookies.get(csrf_name)
        cookie_token = morsel.value if morsel is not None and 16 <= len(morsel.value) <= 128 else None
        fresh = cookie_token is None
        session_morsel = cookies.get(SESSION_COOKIE)
        anonymous_token = cookie_token or new_csrf_token()
        state = scope.setdefault("state", {})
        if session_morsel is not None and session_morsel.value:
            # Signed in (or was): the CSRF token is bound to this session cookie.
            state["csrf_token"] = state["csrf_expected"] = session_csrf(session_morsel.value)
        else:
            state["csrf_token"], state["csrf_expected"] = anonymous_token, cookie_token
        new_cookie = cookie_header(csrf_name, anonymous_token, secure=secure) if fresh else None
        # A browser that came through an LTI launch: the registered LMSs may frame the page (lti.frames).
        framed = self.frames is not None and FRAME_COOKIE in cookies
        csp = self.frames.csp(CSP) if framed and self.frames is not None else CSP

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                h.setdefault("Content-Security-Policy", csp)
                h.setdefault("X-Content-Type-Options", "nosniff")
                if not framed:  # X-Frame-Options cannot name origins; frame-ancestors rules where it is set
                    h.setdefault("X-Frame-Options", "DENY")
                h.setdefault("Referrer-Policy", "same-origin")
                # Not on static files: a cacheable (public) response must not carry a per-visitor cookie.
                if new_cookie is not None and not str(scope.get("path", "")).startswith("/static/"):
                    h.append("Set-Cookie", new_cookie)
                if root:
                    for name in ("location", HX_REDIRECT):
                        target = h.get(name)
                        if target is not None:
                            h[name] = under_root(root, target)
            await send(message)

        await self.app(scope, receive, send_wrapper)


class RootPathMiddleware:
    """Serving under a sub-path (``root_path``): the ASGI scope gets ``root_path``, and a path the proxy
    stripped of it (``/login`` for ``/tutor/login``) gets it back, as the ASGI spec wants ``path`` to hold
    it; routing, static files and ``request.url`` then agree whether or not the proxy strips the prefix."""

    def __init__(self, app: ASGIApp, *, root_path: str) -> None:
        self.app = app
        self.root = root_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope["root_path"] = self.root
            path: str = scope["path"]
            if path != self.root and not path.startswith(self.root + "/"):
                scope["path"] = self.root + path
                raw = scope.get("raw_path")
                if raw is not None:
                    scope["raw_path"] = self.root.encode() + raw
        await self.app(scope, receive, send)


def under_root(root: str, target: str) -> str:
    """An app-relative redirect target (``/lessons/x``) under the site's sub-path (``/tutor/lessons/x``);
    absolute URLs, and targets already under it, as they are."""
    if not target.startswith("/") or target.startswith("//") or target == root or target.startswith(root + "/"):
        return target
    return root + target


def create_app(
    settings: Settings | None = None,
    *,
    grader: Grader | None = None,
    kernel_provider: KernelProvider | None = None,
    host: HostState | None = None,
    try_kernels: KernelSource | None = None,
) -> FastAPI:
    """Build the app. ``grader``, ``kernel_provider`` and ``try_kernels`` (where the public examples of
    Try are computed) are seams for tests (default: the real grader, the warm pool, cold sandboxed kernels).
    ``host`` is the state of an already prepared host (``jaxtutor serve`` prepares
    it before listening); without it, and without a test's provider, the lifespan prepares the host and
    a sandbox that is not ready stops the start-up (``HostNotReady``)."""
    settings = settings or Settings.model_validate({})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_host: HostState | None = None
        if host is None and kernel_provider is None:
            own_host = await asyncio.to_thread(prepare_host, settings)
        app.state.host = host or own_host or HostState()
        try:
            async with _serving(app):
                yield
        finally:
            if own_host is not None:
                own_host.release()

    @asynccontextmanager
    async def _serving(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings)
        if settings.auto_migrate:
            migrate(engine)
        else:
            create_all(engine)
        catalog = load_catalog(settings.all_lesson_dirs())
        for problem in catalog.problems:
            log.warning("lesson problem: %s", problem)
        provider = kernel_provider or default_provider(settings)
        run_manager = RunManager(settings, provider, engine=engine)
        grade_fn = grader
        if grade_fn is None and settings.kernel_backend == "gateway":
            from app.grader.kernel_source import GatewayKernels

            grade_fn = functools.partial(default_grader, kernels=GatewayKernels.from_settings(settings))
        if grade_fn is None and isinstance(provider, PoolKernelProvider):
            # Gradings lease never-used kernels from the same warm pool as Runs (each kernel serves once).
            from app.grader.kernel_source import PooledKernels

            grade_fn = functools.partial(default_grader, kernels=PooledKernels(provider.pool, owner="grader"))
        grading = GradingQueue(
            settings=settings, engine=engine, catalog=catalog, grader=grade_fn, on_graded=metrics.observe_grading
        )
        app.state.engine = engine
        app.state.db_slots = asyncio.Semaphore(request_slots(engine))
        app.state.catalog = catalog
        watcher = (
            asyncio.create_task(watch_lessons(catalog, settings.lesson_reload_s), name="lesson-reload")
            if settings.lesson_reload_s > 0
            else None
        )
        app.state.runs = run_manager
        app.state.grading = grading
        app.state.limiter = RateLimiter()
        app.state.markdown = MarkdownRenderer()
        app.state.sso = SsoClients(settings)
        frames.refresh(engine)

        last_purge = [0.0]

        def lti_housekeeping() -> None:
            """Each worker round: the LMS origins that may frame pages; now and then, expired launch states."""
            frames.refresh(engine)
            if time.monotonic() - last_purge[0] >= settings.lti_state_ttl_s:
                last_purge[0] = time.monotonic()
                with Session(engine) as session:
                    purge_expired(session=session)

        lti_worker = GradeWorker(engine, settings, also=lti_housekeeping)
        app.state.lti_grades = lti_worker
        try:
            await run_manager.start()
            await grading.start()
            lti_worker.start()
            yield
        finally:
            await lti_worker.close()
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            await grading.close()
            await run_manager.close()
            engine.dispose()

    app = FastAPI(
        title="jaxtutor",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # app.openapi serves /api/docs from vendored assets (our CSP blocks CDNs)
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    openapi.install(app)
    metrics = Metrics()
    metrics.install_state(app)
    app.state.settings = settings
    frames = FrameOrigins()
    app.state.lti_frames = frames
    app.state.public_examples = PublicExamples(settings, try_kernels)
    app.state.metrics = metrics
    app.state.check_kernels = kernel_provider is None  # a test's provider: no sandbox to check in /readyz
    static_versions = StaticVersions(STATIC_DIR)
    app.state.templates = make_templates(settings, static_versions)
    errors.install(app)
    app.add_middleware(BodyLimitMiddleware, settings=settings)  # inside: its 413 gets the security headers
    app.add_middleware(errors.ErrorGuardMiddleware)
    app.add_middleware(SecurityMiddleware, settings=settings, frames=frames)
    if settings.root_path:
        app.add_middleware(RootPathMiddleware, root_path=settings.root_path)
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)  # request ids and metrics for everything
    if settings.trusted_proxies:
        # Outermost: rate-limit keys, logs and the scheme see the client behind a trusted proxy, and only
        # behind one (uvicorn's own proxy_headers stays off in `jaxtutor serve`).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    static = static_app(
        directory=STATIC_DIR,
        versions=static_versions,
        max_age_s=settings.static_max_age_s,
        gzip_min_bytes=settings.static_gzip_min_bytes,
    )
    app.mount("/static", static, name="static")
    pages_routers = [pages, auth, account, accounts, sso, cohorts, cohort_reports, runs, tryout, submissions]
    pages_routers += [editor_assist, submission_diff, instructor, admin, lti, clusters, feedback]
    json_api = (
        api.router,
        runs_api.router,
        regrade_api.router,
        admin_api.router,
        cohorts_api.router,
        clusters_api.router,
    )
    routers = [(observability_routes.router, "")]
    routers += [(module.router, "") for module in pages_routers]
    routers += [(router, "/api/v1") for router in json_api]
    for router, prefix in routers:  # only the JSON API is in the OpenAPI document
        app.include_router(router, prefix=prefix, include_in_schema=router in json_api)
    # Metrics label requests by route template; an included route object knows only its path without prefix.
    metrics.route_templates.update(
        {
            id(route): prefix + route.path
            for router, prefix in routers
            for route in router.routes
            if hasattr(route, "path")
        }
    )
    return app
