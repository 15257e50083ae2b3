"""submission.graded_lesson_hash: the lesson version each submission was graded against

Lessons reload while the server runs, so the version a submission is graded against can differ from the
one it was submitted against (submission.lesson_hash). Existing graded submissions get their
lesson_hash: before lessons reloaded, a server graded against the version loaded when it was submitted.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("graded_lesson_hash", sa.String(length=32), nullable=True))
    submission = sa.table(
        "submission",
        sa.column("status", sa.String()),
        sa.column("lesson_hash", sa.String()),
        sa.column("graded_lesson_hash", sa.String()),
    )
    op.execute(
        submission.update()
        .where(submission.c.status == "done", submission.c.lesson_hash != "")
        .values(graded_lesson_hash=submission.c.lesson_hash)
    )


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("graded_lesson_hash")
