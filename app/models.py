"""Database tables and their public shapes (SQLModel families ``XBase / XCreate / X / XPublic``).

Only ``app.services`` writes these tables. Times are stored as timezone-aware UTC.
"""

from __future__ import annotations

import enum
import json
import re
from datetime import UTC, datetime
from typing import Any

from pydantic import field_validator
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
    # Not graded: the grading failed for an infrastructure reason (disk, database, kernel start) more times
    # than ``grading_infra_retries``. Never a verdict; retried later or re-queued by an operator.
    STALLED = "stalled"


# --- users -------------------------------------------------------------------------------------
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")


class UserBase(SQLModel):
    username: str = Field(index=True, unique=True, min_length=2, max_length=40)
    role: str = Field(default=Role.LEARNER.value, max_length=20)

    @field_validator("username")
    @classmethod
    def _username_chars(cls, value: str) -> str:
        # A validator, not Field(regex=...): sqlmodel 0.0.50 drops ``regex`` without a word.
        if not USERNAME_PATTERN.match(value):
            raise ValueError("only letters, digits, '.', '_' and '-'")
        return value


class UserCreate(UserBase):
    password: str = Field(min_length=8, max_length=256)


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Empty for accounts made by single sign-on: no password can match it (app.security.verify_password).
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    created_at: datetime = _ts()
    # Lower-cased; unique when set. Where password-reset mail goes, and what SSO logins are checked against
    # so that a provider can never silently take over an account that already uses the address.
    email: str | None = Field(default=None, max_length=255, unique=True, index=True)
    deactivated_at: datetime | None = _opt_ts()
    # Set by an admin (``jaxtutor users link-sso``): the next login through this single sign-on provider
    # with this account's e-mail address links that identity to this account, once.
    sso_link_provider: str | None = Field(default=None, max_length=40)

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.INSTRUCTOR, Role.ADMIN)


class UserPublic(UserBase):
    id: int
    email: str | None = None
    is_active: bool = True


class UserIdentity(SQLModel, table=True):
    """A login through single sign-on: the provider's (issuer, subject) pair names one local user."""

    __tablename__ = "user_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_user_identity_issuer_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    provider: str = Field(max_length=40)  # the settings' name of the provider, for display
    issuer: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    email: str | None = Field(default=None, max_length=255)
    created_at: datetime = _ts()
    last_login_at: datetime = _ts()


class SsoLoginState(SQLModel, table=True):
    """One single sign-on login under way: what the callback checks (state, nonce) and needs (PKCE verifier).

    In the database rather than in memory so that the callback may reach any replica; single use, and
    removed when it expires (``sso_state_ttl_s``)."""

    __tablename__ = "sso_login_state"

    id: int | None = Field(default=None, primary_key=True)
    state_hash: str = Field(index=True, unique=True, max_length=64)
    provider: str = Field(max_length=40)
    nonce: str = Field(max_length=128)
    code_verifier: str = Field(max_length=128)
    next_url: str = Field(default="/", max_length=2000)
    created_at: datetime = _ts()
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class PasswordReset(SQLModel, table=True):
    """A one-time password-reset link; only the SHA-256 of its secret is kept. ``created_by`` is the admin
    who issued it (None: asked for by email)."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = _ts()
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    used_at: datetime | None = _opt_ts()


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
    # Every token expires (api_token_default_days, at most api_token_max_days); last use is recorded
    # (at most once a minute) so that an owner can tell a forgotten token from a live one.
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_used_at: datetime | None = _opt_ts()


class ApiTokenPublic(SQLModel):
    """A token as its owner sees it listed: never the secret (only its hash is stored)."""

    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None


class ApiTokenCreate(SQLModel):
    name: str = Field(default="", max_length=80)
    expires_in_days: int | None = Field(
        default=None, ge=1, description="Days until the token expires (default and maximum: server settings)."
    )


class ApiTokenCreated(ApiTokenPublic):
    token: str = Field(description="The secret, shown only in this answer.")


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
    lesson_hash: str = Field(default="", max_length=32)  # the lesson version served when it was submitted
    # The lesson version the report was graded against (lessons reload while the server runs, so it can
    # differ from lesson_hash); None until graded.
    graded_lesson_hash: str | None = Field(default=None, max_length=32)
    attempts: int = 0
    created_at: datetime = _ts()
    started_at: datetime | None = _opt_ts()
    finished_at: datetime | None = _opt_ts()
    # The grading lease (app.services.grading_jobs): which replica holds the job and until when; a lease
    # that runs out (its replica died) lets another replica take the job over.
    claimed_by: str | None = Field(default=None, max_length=128)
    lease_expires_at: datetime | None = _opt_ts()
    # Live progress while graded (``submissions.set_phase``): the grader's current phase and when it began,
    # in the database so that every replica can show it; cleared when the grading ends.
    phase: str | None = Field(default=None, max_length=40)
    phase_started_at: datetime | None = _opt_ts()
    # Infrastructure failures (``app.services.grading_retry``): how many gradings of this submission failed
    # for a reason that was not the learner's code, the last such problem, and when it may be tried again.
    infra_failures: int = 0
    infra_problem: str | None = Field(default=None, max_length=300)
    retry_at: datetime | None = _opt_ts()
    # The program it traced to (``kernels.harness.cluster``): submissions of a lesson with the same key and
    # normal-form version are one approach (app.services.clusters). None until graded, or when the grading
    # never got as far as loading the code.
    cluster_key: str | None = Field(default=None, max_length=40, index=True)
    cluster_version: str | None = Field(default=None, max_length=16)

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
    lesson_version: str | None = None  # the lesson version it was graded against (None: not graded yet)


# --- re-gradings after a lesson edit (app.services.regrade) ------------------------------------------
class RegradeStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"  # graded: verdict, score and report are the re-grade's result
    FAILED = "failed"  # the kernel died or the grading infrastructure failed: replaces nothing


class Regrade(SQLModel, table=True):
    """One submission graded again after its lesson changed, kept beside the original verdict (which is
    never overwritten). ``lesson_version`` is the version current when the re-grade was asked for (with
    ``submission_id``, what makes asking twice queue nothing new); ``graded_lesson_hash`` the version it was
    actually graded against (lessons reload while the queue runs). The grading lease columns work as the
    submission's do (``app.services.regrade_jobs``)."""

    __tablename__ = "regrade"
    __table_args__ = (
        UniqueConstraint("submission_id", "lesson_version", name="uq_regrade_submission_version"),
        Index("ix_regrade_status_lease", "status", "lease_expires_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    lesson_id: str = Field(index=True, max_length=64)
    lesson_version: str = Field(max_length=32)
    requested_by: int | None = Field(default=None, foreign_key="user.id")
    status: str = Field(default=RegradeStatus.QUEUED.value, max_length=20)
    verdict: str | None = Field(default=None, max_length=20)  # pass | fail | error, once done
    score: float | None = None
    report_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    graded_lesson_hash: str | None = Field(default=None, max_length=32)
    attempts: int = 0
    created_at: datetime = _ts()
    started_at: datetime | None = _opt_ts()
    finished_at: datetime | None = _opt_ts()
    claimed_by: str | None = Field(default=None, max_length=128)
    lease_expires_at: datetime | None = _opt_ts()

    @property
    def report(self) -> dict[str, Any] | None:
        return json.loads(self.report_json) if self.report_json else None


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


# --- learners' Run kernels, shared by every replica (app.services.run.kernel_rows) ---------------------
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


# --- learners' Runs, readable from every replica (app.services.run.run_rows) -----------------------
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


# --- editor drafts -------------------------------------------------------------------------------
class Draft(SQLModel, table=True):
    """The code in a learner's editor, autosaved, so that it follows the learner to another device.

    ``key`` names the editor: ``lesson:<lesson id>`` or ``playground``. One row per learner and key.
    """

    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    key: str = Field(max_length=80)
    code: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = _ts()


# --- cohorts: a class or an onboarding group, with its track of lessons (app.services.cohorts) ----------
class CohortRole(enum.StrEnum):
    INSTRUCTOR = "instructor"
    LEARNER = "learner"


class Cohort(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    # Single sign-on users in this group (their provider's groups claim) join as learners when they log in.
    sso_group: str | None = Field(default=None, max_length=200)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = _ts()


class CohortMember(SQLModel, table=True):
    """A user in a cohort: its instructors (one or more) and its learners. A learner may be in several."""

    __tablename__ = "cohort_member"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id", name="uq_cohort_member"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    role: str = Field(default=CohortRole.LEARNER.value, max_length=20)
    joined_at: datetime = _ts()


class CohortInvite(SQLModel, table=True):
    """A link that lets whoever holds it join the cohort as a learner until it expires (only a hash kept)."""

    __tablename__ = "cohort_invite"

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = _ts()
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    uses: int = 0


class TrackItem(SQLModel, table=True):
    """One lesson of a cohort's track, in order, with an optional due time and whether passing is required."""

    __tablename__ = "track_item"
    __table_args__ = (UniqueConstraint("cohort_id", "lesson_id", name="uq_track_item_lesson"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    position: int
    lesson_id: str = Field(max_length=64)
    due_at: datetime | None = _opt_ts()
    pass_required: bool = True


# --- LTI 1.3: learning platforms (LMSs) that may launch this tool (app.services.lti) -------------------
class LtiPlatform(SQLModel, table=True):
    """One LMS registration: who it is (``issuer``, the ``client_id`` it gave this tool, one
    ``deployment_id``) and where to reach it (OIDC login initiation, OAuth2 token and key-set URLs)."""

    __tablename__ = "lti_platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id", "deployment_id", name="uq_lti_platform_deployment"),)

    id: int | None = Field(default=None, primary_key=True)
    issuer: str = Field(max_length=255, index=True)
    client_id: str = Field(max_length=255)
    deployment_id: str = Field(max_length=255)
    auth_login_url: str = Field(max_length=2000)
    token_url: str = Field(max_length=2000)
    jwks_url: str = Field(max_length=2000)
    created_at: datetime = _ts()


# --- instructor feedback (app.services.feedback) -------------------------------------------------------
class FeedbackComment(SQLModel, table=True):
    """A Markdown comment by an instructor, for learners: on a cluster or on one line of one submission.

    A cluster comment (``cluster_key`` and ``cluster_version`` set) reaches every submission of lesson
    ``lesson_id`` in that cluster, those graded later included; ``cohort_id`` limits it to that cohort's
    learners (None: every learner, which only an admin may write). A line comment (``submission_id`` and
    ``line`` set) is on that submission only."""

    __tablename__ = "feedback_comment"
    __table_args__ = (Index("ix_feedback_comment_cluster", "lesson_id", "cluster_key", "cluster_version"),)

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="user.id", index=True)
    lesson_id: str = Field(max_length=64)
    cluster_key: str | None = Field(default=None, max_length=40)
    cluster_version: str | None = Field(default=None, max_length=16)
    cohort_id: int | None = Field(default=None, foreign_key="cohort.id", index=True)
    submission_id: int | None = Field(default=None, foreign_key="submission.id", index=True)
    line: int | None = None
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = _ts()
    updated_at: datetime | None = _opt_ts()  # set when edited


class FeedbackCommentPublic(SQLModel):
    """A comment as the JSON API shows it (``html``: its Markdown rendered, raw HTML escaped)."""

    id: int
    kind: str = Field(description="'cluster' or 'line'.")
    lesson_id: str
    author: str
    body: str
    html: str
    created_at: datetime
    updated_at: datetime | None
    cluster_key: str | None = None
    cluster_version: str | None = None
    cohort_id: int | None = None
    submission_id: int | None = None
    line: int | None = None


class FeedbackCommentCreate(SQLModel):
    body: str = Field(min_length=1, description="Markdown; raw HTML is shown as text.")
