"""LTI 1.3 launches and grade passback: launch storage, LMS identities, contexts, resource links, grade outbox

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    # New tables only: existing data is untouched.
    op.create_table(
        "lti_launch_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value_json", sa.Text(), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lti_launch_value", schema=None) as b:
        b.create_index(b.f("ix_lti_launch_value_key"), ["key"], unique=True)
        b.create_index(b.f("ix_lti_launch_value_expires_at"), ["expires_at"], unique=False)
    op.create_table(
        "lti_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_launch_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "subject", name="uq_lti_identity_subject"),
    )
    with op.batch_alter_table("lti_identity", schema=None) as b:
        b.create_index(b.f("ix_lti_identity_user_id"), ["user_id"], unique=False)
    op.create_table(
        "lti_context",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("memberships_url", sa.String(length=2000), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platform.id"]),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform_id", "context_id", name="uq_lti_context"),
    )
    with op.batch_alter_table("lti_context", schema=None) as b:
        b.create_index(b.f("ix_lti_context_platform_id"), ["platform_id"], unique=False)
        b.create_index(b.f("ix_lti_context_cohort_id"), ["cohort_id"], unique=False)
    op.create_table(
        "lti_resource_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("resource_link_id", sa.String(length=255), nullable=False),
        sa.Column("context_pk", sa.Integer(), nullable=True),
        sa.Column("lesson_id", sa.String(length=64), nullable=True),
        sa.Column("lineitem_url", sa.String(length=2000), nullable=True),
        sa.Column("ags_scopes", sa.String(length=1000), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platform.id"]),
        sa.ForeignKeyConstraint(["context_pk"], ["lti_context.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform_id", "resource_link_id", name="uq_lti_resource_link"),
    )
    with op.batch_alter_table("lti_resource_link", schema=None) as b:
        b.create_index(b.f("ix_lti_resource_link_platform_id"), ["platform_id"], unique=False)
        b.create_index(b.f("ix_lti_resource_link_lesson_id"), ["lesson_id"], unique=False)
    op.create_table(
        "lti_grade_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lti_user_id", sa.String(length=255), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("score_at", TS, nullable=True),
        sa.Column("sent_score", sa.Float(), nullable=True),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["lti_resource_link.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("link_id", "user_id", name="uq_lti_grade_outbox"),
    )
    with op.batch_alter_table("lti_grade_outbox", schema=None) as b:
        b.create_index(b.f("ix_lti_grade_outbox_link_id"), ["link_id"], unique=False)
        b.create_index(b.f("ix_lti_grade_outbox_user_id"), ["user_id"], unique=False)
        b.create_index(b.f("ix_lti_grade_outbox_state"), ["state"], unique=False)


def downgrade() -> None:
    for table in ("lti_grade_outbox", "lti_resource_link", "lti_context", "lti_identity", "lti_launch_value"):
        op.drop_table(table)
