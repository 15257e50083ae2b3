"""Database tables and their public shapes (SQLModel families ``XBase / XCreate / X / XPublic``).

Only ``app.services`` writes these tables. Times are stored as timezone-aware UTC.
"""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False, **kw))


def _opt_ts() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class Role(enum.StrEnum):
    LEARNER = "learner"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


class SubmissionStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


# --- users -------------------------------------------------------------------------------------
class UserBase(SQLModel):
    username: str = Field(index=True, unique=True, min_length=2, max_length=40, regex=r"^[A-Za-z0-9_.-]+$")
    role: str = Field(default=Role.LEARNER.value, max_length=20)


class UserCreate(UserBase):
    password: str = Field(min_length=8, max_length=256)


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    created_at: datetime = _ts()

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.INSTRUCTOR, Role.ADMIN)


class UserPublic(UserBase):
    id: int


# --- login sessions and API tokens (only hashes are stored) --------------------------------------
class WebSession(SQLModel, table=True):
    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = _ts()
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(default="", max_length=80)
    created_at: datetime = _ts()


# --- submissions ---------------------------------------------------------------------------------
class SubmissionBase(SQLModel):
    lesson_id: str = Field(index=True, max_length=64)
    code: str = Field(sa_column=Column(Text, nullable=False))


class SubmissionCreate(SQLModel):
    code: str


class Submission(SubmissionBase, table=True):
    __table_args__ = (Index("ix_submission_status_lease", "status", "lease_expires_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    status: str = Field(default=SubmissionStatus.QUEUED.value, index=True, max_length=20)
    verdict: str | None = Field(default=None, max_length=20)  # pass | fail | error, once done
    score: float | None = None
    report_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    lesson_hash: str = Field(default="", max_length=32)
    attempts: int = 0
    created_at: datetime = _ts()
    started_at: datetime | None = _opt_ts()
    finished_at: datetime | None = _opt_ts()
    # The grading lease (app.services.grading_jobs): which replica holds the job and until when; a lease
    # that runs out (its replica died) lets another replica take the job over.
    claimed_by: str | None = Field(default=None, max_length=128)
    lease_expires_at: datetime | None = _opt_ts()

    @property
    def report(self) -> dict[str, Any] | None:
        return json.loads(self.report_json) if self.report_json else None


class SubmissionPublic(SQLModel):
    id: int
    lesson_id: str
    status: str
    verdict: str | None
    score: float | None
    created_at: datetime
    finished_at: datetime | None
    report: dict[str, Any] | None


# --- per-learner progress ------------------------------------------------------------------------
class LessonProgress(SQLModel, table=True):
    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    lesson_id: str = Field(index=True, max_length=64)
    hints_revealed: int = 0
    attempts: int = 0
    best_score: float = 0.0
    passed: bool = False
    passed_at: datetime | None = _opt_ts()
    updated_at: datetime = _ts()


class ProgressPublic(SQLModel):
    lesson_id: str
    attempts: int
    best_score: float
    passed: bool
    hints_revealed: int


# --- rate limits shared by every replica (app.services.ratelimit) ---------------------------------
class RateHit(SQLModel, table=True):
    """One rate-limited action (a login, a Run, a Submit) by one key, kept for one window."""

    __tablename__ = "rate_hit"
    __table_args__ = (Index("ix_rate_hit_bucket", "action", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    action: str = Field(max_length=20)
    key: str = Field(max_length=128)
    at: datetime = _ts()


# --- learners' Run kernels, shared by every replica (app.services.run_kernels) ---------------------
class RunKernel(SQLModel, table=True):
    """A learner's Run kernel: which kernel serves ``user_id``'s Runs in ``scope``, and who runs code in it.

    ``backend`` 'gateway': the kernel lives on the Kernel Gateway and any replica attaches to it
    (``kernel_id``, under the Jupyter ``session_id``). 'local': it lives in the memory of replica ``holder``
    only; ``kernel_id`` is then that replica's tag for it. ``kernel_id`` is empty while the first start is
    under way. The run lease (``run_by``, ``run_id``, ``run_until``) is held by the replica executing a
    Run in it (renewed while it runs): one Run at a time per learner across replicas. ``scope`` says which
    Runs share the kernel: 'all' = every lesson and the playground (one kernel per learner)."""

    __tablename__ = "run_kernel"
    __table_args__ = (UniqueConstraint("user_id", "scope", name="uq_run_kernel_user_scope"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    scope: str = Field(default="all", max_length=64)
    backend: str = Field(max_length=20)  # gateway | local
    kernel_id: str | None = Field(default=None, max_length=64)
    session_id: str | None = Field(default=None, max_length=64)
    holder: str = Field(max_length=128)  # the replica that started the kernel
    run_by: str | None = Field(default=None, max_length=128)
    run_id: str | None = Field(default=None, max_length=32)
    run_until: datetime | None = _opt_ts()
    created_at: datetime = _ts()
    last_used_at: datetime = _ts()


# --- learners' Runs, readable from every replica (app.services.run_records) -----------------------
class RunStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for the kernel (starting it, or attaching)
    RUNNING = "running"
    DONE = "done"  # ran to the end (output possibly cut at the limit)
    ERROR = "error"  # raised, the kernel died or could not start, or the server running it stopped
    INTERRUPTED = "interrupted"  # interrupted by the learner, or cancelled by a restart
    TIMEOUT = "timeout"  # stopped at run_timeout_s


class RunRecord(SQLModel, table=True):
    """One Run (a cell executed in the learner's Run kernel), so that any replica can serve its polls.

    The replica executing it (``replica``) appends its outputs in batches: ``output`` holds them as JSON
    lines (``output_count`` of them, ``output_chars`` characters counted as ``run_output_limit_chars``
    counts them, ``truncated`` once that limit cut some). ``reason``, ``message``, ``duration_s`` and
    ``traceback_json`` are the outcome, set with ``finished_at``. Finished rows are deleted
    ``run_retention_s`` after they finish."""

    __tablename__ = "run_record"

    id: str = Field(primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="user.id", index=True)
    replica: str = Field(max_length=128)
    status: str = Field(default=RunStatus.QUEUED.value, max_length=20)
    reason: str | None = Field(default=None, max_length=32)
    message: str = Field(default="", sa_column=Column(Text, nullable=False))
    duration_s: float | None = None
    traceback_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    output: str = Field(default="", sa_column=Column(Text, nullable=False))
    output_count: int = 0
    output_chars: int = 0
    truncated: bool = False
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), index=True))
