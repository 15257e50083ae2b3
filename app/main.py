"""The web app: ``create_app(settings)`` builds it; the lifespan opens and closes everything it holds.

Start-up order: host (sandbox ready? else refuse; sweep what a dead server left in the runtime dir; see
``app.services.host``; skipped when a test hands in its own kernel provider) → data dir → database
engine → migrations (``alembic upgrade head``; ``create_all`` when ``auto_migrate`` is off) → lesson
catalog → run manager (session kernels from the warm pool) → grading queue (claims submissions from the
database, shared with any other replica; re-queues those this replica left ``running``). Shut-down
reverses it, gives unfinished gradings back to the queue and stops every kernel.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookies import SimpleCookie

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import errors
from app.config import Settings
from app.db import create_all, make_engine, migrate, request_slots
from app.lessons import load_catalog
from app.routes import admin, api, auth, instructor, pages, runs, submissions
from app.security import CSRF_COOKIE, new_csrf_token
from app.services.execution import KernelProvider, PoolKernelProvider, RunManager, default_provider
from app.services.grading_jobs import Grader, GradingQueue, default_grader
from app.services.host import HostState, prepare_host
from app.services.ratelimit import RateLimiter
from app.templating import STATIC_DIR, MarkdownRenderer, make_templates

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class SecurityMiddleware:
    """Security headers on every response, a CSRF cookie for every visitor, and a request size cap."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope.get("headers", []))
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.settings.max_request_bytes:
            await _plain_413(scope, send)
            return
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:
            cookies = SimpleCookie()
        morsel = cookies.get(CSRF_COOKIE)
        token = morsel.value if morsel is not None and 16 <= len(morsel.value) <= 128 else None
        fresh = token is None
        if token is None:
            token = new_csrf_token()
        scope.setdefault("state", {})["csrf_token"] = token
        secure = self.settings.cookie_secure

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                h.setdefault("Content-Security-Policy", CSP)
                h.setdefault("X-Content-Type-Options", "nosniff")
                h.setdefault("X-Frame-Options", "DENY")
                h.setdefault("Referrer-Policy", "same-origin")
                if fresh:
                    cookie = f"{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax"
                    h.append("Set-Cookie", cookie + ("; Secure" if secure else ""))
            await send(message)

        await self.app(scope, receive, send_wrapper)


async def _plain_413(scope: Scope, send: Send) -> None:
    body = b'{"error": {"status": 413, "code": "too_large", "message": "The request is too large."}}'
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app(
    settings: Settings | None = None,
    *,
    grader: Grader | None = None,
    kernel_provider: KernelProvider | None = None,
    host: HostState | None = None,
) -> FastAPI:
    """Build the app. ``grader`` and ``kernel_provider`` are seams for tests (default: the real grader
    and the warm pool). ``host`` is the state of an already prepared host (``jaxtutor serve`` prepares
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
        catalog = load_catalog(settings.lesson_dirs)
        for problem in catalog.problems:
            log.warning("lesson problem: %s", problem)
        provider = kernel_provider or default_provider(settings)
        run_manager = RunManager(settings, provider, engine=engine)
        grade_fn = grader
        if grade_fn is None and settings.grader == "fake":  # tests only; Settings demands the unsafe mode
            from app.services.fake_grader import fake_grader

            log.warning("JAXTUTOR_GRADER=fake: submissions are graded by a stand-in that runs no code")
            grade_fn = fake_grader
        if grade_fn is None and settings.kernel_backend == "gateway":
            from app.grader.kernel_source import GatewayKernels

            grade_fn = functools.partial(default_grader, kernels=GatewayKernels.from_settings(settings))
        if grade_fn is None and isinstance(provider, PoolKernelProvider):
            # Gradings lease never-used kernels from the same warm pool as Runs (each kernel serves once).
            from app.grader.kernel_source import PooledKernels

            grade_fn = functools.partial(default_grader, kernels=PooledKernels(provider.pool, owner="grader"))
        grading = GradingQueue(settings=settings, engine=engine, catalog=catalog, grader=grade_fn)
        app.state.engine = engine
        app.state.db_slots = asyncio.Semaphore(request_slots(engine))
        app.state.catalog = catalog
        app.state.runs = run_manager
        app.state.grading = grading
        app.state.limiter = RateLimiter()
        app.state.markdown = MarkdownRenderer()
        try:
            await run_manager.start()
            await grading.start()
            yield
        finally:
            await grading.close()
            await run_manager.close()
            engine.dispose()

    app = FastAPI(
        title="jaxtutor",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.templates = make_templates(settings)
    errors.install(app)
    app.add_middleware(SecurityMiddleware, settings=settings)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    for module in (pages, auth, runs, submissions, instructor, admin):
        app.include_router(module.router)
    app.include_router(api.router, prefix="/api/v1")
    return app
