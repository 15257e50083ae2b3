"""Request dependencies as ``Annotated`` aliases: the database session, the current user, CSRF, limits.

All state lives on ``request.app.state`` (built by the lifespan); nothing here is created at import.
Database work runs on the event loop thread (short queries; SQLite or a pooled PostgreSQL), so a
request never shares a connection with another thread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from app.config import Settings
from app.errors import AppError
from app.htmx import is_htmx
from app.lessons import Lesson, LessonCatalog
from app.models import Role, Submission, User
from app.observability import context as log_context
from app.security import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, csrf_matches
from app.services import submissions, tokens
from app.services.grading_jobs import GradingQueue
from app.services.ratelimit import RateLimiter
from app.services.run import RunManager
from app.templating import MarkdownRenderer

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Viewer:
    """What pages show of the signed-in user; plain values, safe to render after any database failure."""

    id: int
    username: str
    role: str

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.INSTRUCTOR, Role.ADMIN)

    @classmethod
    def of(cls, user: User) -> Viewer:
        assert user.id is not None
        return cls(id=user.id, username=user.username, role=user.role)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A database session for one request. The routes and dependencies that use it are sync, so FastAPI
    runs them (and their queries) in the threadpool, never on the event loop that pumps kernel messages
    and answers Run polls. A slot first, awaited on the loop while holding no thread: the pool never
    makes a worker thread wait (``app.db.request_slots``)."""
    async with request.app.state.db_slots:
        with Session(request.app.state.engine, expire_on_commit=False) as session:
            yield session


def get_catalog(request: Request) -> LessonCatalog:
    catalog: LessonCatalog = request.app.state.catalog
    return catalog


def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


def get_runs(request: Request) -> RunManager:
    runs: RunManager = request.app.state.runs
    return runs


def get_grading(request: Request) -> GradingQueue:
    queue: GradingQueue = request.app.state.grading
    return queue


def get_limiter(request: Request, session: SessionDep) -> BoundLimiter:
    """The shared (database) rate limiter, on this request's session (the same one as ``SessionDep``)."""
    limiter: RateLimiter = request.app.state.limiter
    return BoundLimiter(limiter, session)


class BoundLimiter:
    def __init__(self, limiter: RateLimiter, session: Session) -> None:
        self.limiter = limiter
        self.session = session

    def hit(self, *, action: str, key: str, limit: int, window_s: float = 60.0) -> float | None:
        return self.limiter.hit(session=self.session, action=action, key=key, limit=limit, window_s=window_s)


def get_markdown(request: Request) -> MarkdownRenderer:
    md: MarkdownRenderer = request.app.state.markdown
    return md


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_db)]
CatalogDep = Annotated[LessonCatalog, Depends(get_catalog)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
RunsDep = Annotated[RunManager, Depends(get_runs)]
GradingDep = Annotated[GradingQueue, Depends(get_grading)]
LimiterDep = Annotated[BoundLimiter, Depends(get_limiter)]
MarkdownDep = Annotated[MarkdownRenderer, Depends(get_markdown)]


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def get_optional_user(request: Request, session: SessionDep) -> User | None:  # sync: in the threadpool
    bearer = _bearer(request)
    if bearer is not None:
        user = tokens.user_for_api_token(session=session, token=bearer)
        if user is None:
            raise AppError(401, "The API token is not valid.", headers={"WWW-Authenticate": "Bearer"})
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        user = tokens.user_for_session_token(session=session, token=cookie) if cookie else None
    # Templates (the error page included) see a detached snapshot, never the ORM row: an error rendered
    # after the request's session was rolled back or closed must not need the database.
    request.state.user = Viewer.of(user) if user is not None else None
    log_context.set_learner(user.id if user is not None else None)
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


async def get_current_user(user: OptionalUser) -> User:
    if user is None:
        raise AppError(401, "Please log in.", headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_staff(user: CurrentUser) -> User:
    if user.role not in (Role.INSTRUCTOR, Role.ADMIN):
        raise AppError(403, "This page is for instructors.")
    return user


async def get_admin(user: CurrentUser) -> User:
    if user.role != Role.ADMIN:
        raise AppError(403, "This page is for administrators.")
    return user


StaffUser = Annotated[User, Depends(get_staff)]
AdminUser = Annotated[User, Depends(get_admin)]


async def verify_csrf(request: Request) -> None:
    """Unsafe requests made with cookies must echo this request's CSRF token (form field or header): the
    one bound to the session cookie, or without a session the double-submit cookie (``app.main``).

    Requests authenticated by a Bearer token carry no ambient credentials and are exempt.
    """
    if request.method in SAFE_METHODS or _bearer(request) is not None:
        return
    expected = getattr(request.state, "csrf_expected", None)
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    if not csrf_matches(expected, given):
        if given and is_htmx(request) and SESSION_COOKIE not in request.cookies:
            # The page's token was bound to a session that ended (a logout in another tab): say that, so the
            # page offers to log in again. Only the page's own script sends HX-Request (a cross-site form
            # cannot), and without a session there is nothing a forged request could act as.
            raise AppError(401, "Your session has ended. Log in again to continue.")
        raise AppError(403, "The form expired or came from another site. Reload the page and try again.")


CsrfDep = Depends(verify_csrf)


def lesson_or_404(catalog: LessonCatalog, lesson_id: str) -> Lesson:
    lesson = catalog.get(lesson_id)
    if lesson is None:
        raise AppError(404, f"There is no lesson {lesson_id!r}.")
    return lesson


def check_code(code: str, settings: Settings) -> str:
    """Size and encoding: JSON may carry a lone surrogate (``"\\ud800"``), which no database can store."""
    if len(code.encode("utf-8", "surrogatepass")) > settings.max_code_bytes:
        raise AppError(413, f"The code is larger than {settings.max_code_bytes // 1024} KiB.")
    try:
        code.encode("utf-8")
    except UnicodeEncodeError as exc:
        line = code.count("\n", 0, exc.start) + 1
        raise AppError(
            400,
            f"The code contains invalid Unicode (a lone surrogate, U+{ord(code[exc.start]):04X}, on line {line}).",
            code="invalid_unicode",
        ) from None
    return code


def rate_limit(limiter: BoundLimiter, *, action: str, key: str, limit: int) -> None:
    wait = limiter.hit(action=action, key=key, limit=limit)
    if wait is not None:
        seconds = max(1, int(wait + 0.999))
        raise AppError(429, f"Too many requests; try again in {seconds} s.", headers={"Retry-After": str(seconds)})


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


#: A row id in a URL path. Bounded so that an absurd id is a 422, not a database overflow (500).
DbId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def token_lifetime(days: int | None, settings: Settings) -> int:
    """An API token's lifetime in days: the default when none is asked for, never past the maximum."""
    if days is None:
        return settings.api_token_default_days
    if not 1 <= days <= settings.api_token_max_days:
        raise AppError(422, f"A token may live between 1 and {settings.api_token_max_days} days.")
    return days


def submit_within_quota(
    *, session: Session, user: User, lesson: Lesson, code: str, settings: Settings
) -> tuple[Submission, bool]:
    """Store a submission within the learner's quotas (a 409 with the reason otherwise), unless it repeats
    the learner's previous one (``submissions.submit``): one path for the page and the API."""
    try:
        return submissions.submit(
            session=session,
            user=user,
            lesson_id=lesson.id,
            code=code,
            lesson_hash=lesson.content_hash,
            max_count=settings.submission_quota_count,
            max_chars=settings.submission_quota_chars,
        )
    except submissions.QuotaExceededError as exc:
        raise AppError(409, str(exc), code="quota_exceeded") from None
