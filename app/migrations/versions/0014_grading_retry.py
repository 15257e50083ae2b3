"""submission.infra_failures, infra_problem, retry_at: gradings that failed for an infrastructure reason

A grading that fails because of the server (a full disk, a database error, a kernel that could not start)
is retried with backoff instead of being stored as the learner's ``error``: ``retry_at`` says when it may
be claimed again, ``infra_failures`` how many times it failed so, ``infra_problem`` the last reason. After
``grading_infra_retries`` it waits with status ``stalled`` (not graded, will retry) for an operator.
Existing rows get 0 / NULL: nothing about them changes.

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("infra_failures", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("infra_problem", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Older code knows no 'stalled': those submissions wait in the queue again (nothing is lost).
    op.execute("UPDATE submission SET status = 'queued' WHERE status = 'stalled'")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("retry_at")
        batch_op.drop_column("infra_problem")
        batch_op.drop_column("infra_failures")
