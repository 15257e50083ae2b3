"""LTI 1.3 platform registrations

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A new table only: existing data is untouched.
    op.create_table(
        "lti_platform",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        sa.Column("auth_login_url", sa.String(length=2000), nullable=False),
        sa.Column("token_url", sa.String(length=2000), nullable=False),
        sa.Column("jwks_url", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "client_id", "deployment_id", name="uq_lti_platform_deployment"),
    )
    with op.batch_alter_table("lti_platform", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lti_platform_issuer"), ["issuer"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lti_platform", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_platform_issuer"))
    op.drop_table("lti_platform")
