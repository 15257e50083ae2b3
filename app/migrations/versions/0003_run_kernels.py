"""learners' Run kernels shared by every replica (run_kernel)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_kernel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("backend", sa.String(length=20), nullable=False),
        sa.Column("kernel_id", sa.String(length=64), nullable=True),
        sa.Column("session_id", sa.String(length=64), nullable=True),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("run_by", sa.String(length=128), nullable=True),
        sa.Column("run_id", sa.String(length=32), nullable=True),
        sa.Column("run_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "scope", name="uq_run_kernel_user_scope"),
    )
    with op.batch_alter_table("run_kernel", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_kernel_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("run_kernel", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_kernel_user_id"))
    op.drop_table("run_kernel")
