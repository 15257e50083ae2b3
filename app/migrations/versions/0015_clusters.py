"""submission.cluster_key/cluster_version and feedback_comment: clusters by traced program, and feedback

Each graded submission records the cluster of the program it traced to (kernels.harness.cluster: a hash
of the jaxpr's normal form, and the normal form's version); instructors comment on a cluster (reaching
every present and future submission in it) or on a line of one submission. Submissions graded before
this revision have no cluster (their reports never computed one): both columns stay NULL.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cluster_key", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("cluster_version", sa.String(length=16), nullable=True))
        batch_op.create_index("ix_submission_cluster_key", ["cluster_key"], unique=False)
    op.create_table(
        "feedback_comment",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("lesson_id", sa.String(length=64), nullable=False),
        sa.Column("cluster_key", sa.String(length=40), nullable=True),
        sa.Column("cluster_version", sa.String(length=16), nullable=True),
        sa.Column("cohort_id", sa.Integer(), sa.ForeignKey("cohort.id"), nullable=True),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submission.id"), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_feedback_comment_author_id", "feedback_comment", ["author_id"])
    op.create_index("ix_feedback_comment_cohort_id", "feedback_comment", ["cohort_id"])
    op.create_index("ix_feedback_comment_submission_id", "feedback_comment", ["submission_id"])
    op.create_index("ix_feedback_comment_cluster", "feedback_comment", ["lesson_id", "cluster_key", "cluster_version"])


def downgrade() -> None:
    op.drop_index("ix_feedback_comment_cluster", table_name="feedback_comment")
    op.drop_index("ix_feedback_comment_submission_id", table_name="feedback_comment")
    op.drop_index("ix_feedback_comment_cohort_id", table_name="feedback_comment")
    op.drop_index("ix_feedback_comment_author_id", table_name="feedback_comment")
    op.drop_table("feedback_comment")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index("ix_submission_cluster_key")
        batch_op.drop_column("cluster_version")
        batch_op.drop_column("cluster_key")
