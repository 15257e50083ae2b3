"""submission.phase, submission.phase_started_at: live grading progress, shared by every replica

The worker grading a submission writes the grader's current phase (``reference``, ``kernel``, ``load``,
``calls``, ``jit``, ...) and when it began, so that any replica can show it to the learner while they
wait. Both stay NULL for submissions graded before this revision (and for queued ones).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phase", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("phase_started_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("phase_started_at")
        batch_op.drop_column("phase")
