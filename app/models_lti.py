"""LTI 1.3 tables beyond the platform registrations (``LtiPlatform`` is in ``app.models``): what launches
proved, which LMS course is which cohort, and the grade outbox. Only ``app.services.lti`` writes them.

Kept apart from ``app.models`` so that module stays small; ``app.db`` and the migrations' env import it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models import _opt_ts, _ts


class LtiLaunchValue(SQLModel, table=True):
    """pylti1p3's launch data storage (nonces, launch states, deep-linking launches, the platforms' key
    sets), in the database so that the login initiation and the launch may reach different replicas."""

    __tablename__ = "lti_launch_value"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=255, unique=True, index=True)
    value_json: str = Field(sa_column=Column(Text, nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))


class LtiIdentity(SQLModel, table=True):
    """A platform's user (issuer + ``sub``) and the local account made for it at the first launch. Kept
    apart from single sign-on's ``UserIdentity``, so an LMS user never matches a local or SSO account."""

    __tablename__ = "lti_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_lti_identity_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    issuer: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    created_at: datetime = _ts()
    last_launch_at: datetime = _ts()


class LtiContext(SQLModel, table=True):
    """An LMS course (context) and the cohort that stands for it here, with its roster (NRPS) URL."""

    __tablename__ = "lti_context"
    __table_args__ = (UniqueConstraint("platform_id", "context_id", name="uq_lti_context"),)

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(foreign_key="lti_platform.id", index=True)
    context_id: str = Field(max_length=255)
    title: str = Field(default="", max_length=255)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    memberships_url: str | None = Field(default=None, max_length=2000)
    created_at: datetime = _ts()


class LtiResourceLink(SQLModel, table=True):
    """A placement of this tool in an LMS course: a lesson, or (no lesson) the course's whole track; with the
    AGS line item its scores go to, as the last launch named it."""

    __tablename__ = "lti_resource_link"
    __table_args__ = (UniqueConstraint("platform_id", "resource_link_id", name="uq_lti_resource_link"),)

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(foreign_key="lti_platform.id", index=True)
    resource_link_id: str = Field(max_length=255)
    context_pk: int | None = Field(default=None, foreign_key="lti_context.id")
    lesson_id: str | None = Field(default=None, max_length=64, index=True)
    lineitem_url: str | None = Field(default=None, max_length=2000)
    ags_scopes: str = Field(default="", max_length=1000)  # space-separated
    created_at: datetime = _ts()


class GradeState:
    IDLE = "idle"  # nothing to send (no score yet, or the best was delivered)
    PENDING = "pending"  # a best score waits for (re)delivery
    FAILED = "failed"  # gave up after lti_grade_max_attempts; kept, re-armed by a better score or the CLI


class LtiGradeOutbox(SQLModel, table=True):
    """One learner at one resource link: the best score to deliver, and what was delivered. A row is made at
    the learner's launch; grading raises ``score`` in the same transaction as the report (nothing is lost
    between them); the worker (``app.services.lti.grades``) delivers it with retries and backoff."""

    __tablename__ = "lti_grade_outbox"
    __table_args__ = (UniqueConstraint("link_id", "user_id", name="uq_lti_grade_outbox"),)

    id: int | None = Field(default=None, primary_key=True)
    link_id: int = Field(foreign_key="lti_resource_link.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    lti_user_id: str = Field(max_length=255)  # the platform's sub: AGS names the learner by it
    score: float | None = None
    score_at: datetime | None = _opt_ts()
    sent_score: float | None = None
    sent_at: datetime | None = _opt_ts()
    state: str = Field(default=GradeState.IDLE, max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = _opt_ts()
    last_error: str | None = Field(default=None, max_length=1000)
    updated_at: datetime = _ts()
