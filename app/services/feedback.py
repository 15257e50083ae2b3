"""Instructor feedback: Markdown comments on a cluster (every present and future submission in it) or on one
line of one submission, and what each learner sees of them.

Who may write: a learner's comments come only from the instructors of a cohort the learner is in, and from
admins. A cluster comment is written for one cohort (it reaches that cohort's learners in the cluster) or,
by an admin only, for every learner. Only a comment's author or an admin edits or deletes it. A learner
sees the comments that reach their own submissions, never anyone else's submissions: a comment carries no
more than its text, author and time.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from app.models import CohortMember, CohortRole, FeedbackComment, Role, Submission, User, utcnow
from app.services import cohorts


class FeedbackError(ValueError):
    """A comment that may not be written or changed; ``status`` is the HTTP status that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class ShownComment:
    comment: FeedbackComment
    author: str

    @property
    def kind(self) -> str:
        return "line" if self.comment.submission_id is not None else "cluster"


def _clean_body(body: str, max_chars: int) -> str:
    text = body.replace("\r\n", "\n").strip()
    if not text:
        raise FeedbackError(400, "The comment is empty: write something for the learners.")
    if len(text) > max_chars:
        raise FeedbackError(400, f"The comment has {len(text):,} characters; at most {max_chars:,} are allowed.")
    return text


def learner_cohorts(*, session: Session, user_id: int) -> set[int]:
    """The cohorts ``user_id`` is a learner in."""
    rows = session.exec(
        select(CohortMember.cohort_id).where(
            CohortMember.user_id == user_id, CohortMember.role == CohortRole.LEARNER.value
        )
    ).all()
    return {int(r) for r in rows}


def instructs(*, session: Session, author: User, learner_id: int) -> bool:
    """Whether ``author`` may comment on ``learner_id``'s work: an admin, or an instructor of their cohort."""
    if author.role == Role.ADMIN:
        return True
    if author.role != Role.INSTRUCTOR or author.id is None:
        return False
    mine = session.exec(
        select(CohortMember.cohort_id).where(
            CohortMember.user_id == author.id, CohortMember.role == CohortRole.INSTRUCTOR.value
        )
    ).all()
    return bool({int(c) for c in mine} & learner_cohorts(session=session, user_id=learner_id))


def add_cluster_comment(
    *,
    session: Session,
    author: User,
    lesson_id: str,
    cluster_key: str,
    cluster_version: str,
    body: str,
    cohort_id: int | None,
    max_chars: int,
) -> FeedbackComment:
    """A comment on a cluster, for one cohort's learners (``cohort_id``) or, by an admin, for everyone."""
    assert author.id is not None
    if cohort_id is None:
        if author.role != Role.ADMIN:
            raise FeedbackError(403, "Only an admin can comment for every learner; comment from a cohort's page.")
    else:
        cohort = cohorts.get_cohort(session=session, cohort_id=cohort_id)
        if cohort is None:
            raise FeedbackError(404, "There is no such cohort.")
        if not cohorts.can_manage(session=session, cohort=cohort, user=author):
            raise FeedbackError(403, "Only the cohort's instructors can comment on its learners' work.")
    if not cluster_key or not cluster_version:
        raise FeedbackError(400, "Name the cluster (its key and version).")
    comment = FeedbackComment(
        author_id=author.id,
        lesson_id=lesson_id,
        cluster_key=cluster_key[:40],
        cluster_version=cluster_version[:16],
        cohort_id=cohort_id,
        body=_clean_body(body, max_chars),
    )
    session.add(comment)
    session.commit()
    session.refresh(comment)
    return comment


def add_line_comment(
    *, session: Session, author: User, submission: Submission, line: int, body: str, max_chars: int
) -> FeedbackComment:
    """A comment on line ``line`` (1-based) of one submission (mentoring)."""
    assert author.id is not None and submission.id is not None
    if not instructs(session=session, author=author, learner_id=submission.user_id):
        raise FeedbackError(403, "Only the learner's instructors (and admins) can comment on this submission.")
    lines = len(submission.code.removesuffix("\n").split("\n"))  # as the page numbers them
    if not 1 <= line <= lines:
        raise FeedbackError(400, f"The submission has lines 1 to {lines}; there is no line {line}.")
    comment = FeedbackComment(
        author_id=author.id,
        lesson_id=submission.lesson_id,
        submission_id=submission.id,
        line=line,
        body=_clean_body(body, max_chars),
    )
    session.add(comment)
    session.commit()
    session.refresh(comment)
    return comment


def _own_or_admin(session: Session, user: User, comment_id: int) -> FeedbackComment:
    comment = session.get(FeedbackComment, comment_id)
    if comment is None:
        raise FeedbackError(404, "There is no such comment.")
    if comment.author_id != user.id and user.role != Role.ADMIN:
        raise FeedbackError(403, "Only the comment's author or an admin can change it.")
    return comment


def edit_comment(*, session: Session, user: User, comment_id: int, body: str, max_chars: int) -> FeedbackComment:
    comment = _own_or_admin(session, user, comment_id)
    comment.body = _clean_body(body, max_chars)
    comment.updated_at = utcnow()
    session.add(comment)
    session.commit()
    session.refresh(comment)
    return comment


def delete_comment(*, session: Session, user: User, comment_id: int) -> FeedbackComment:
    comment = _own_or_admin(session, user, comment_id)
    session.delete(comment)
    session.commit()
    return comment


def get_comment(*, session: Session, comment_id: int) -> FeedbackComment | None:
    return session.get(FeedbackComment, comment_id)


def for_comment(*, session: Session, comment: FeedbackComment) -> ShownComment:
    """One comment with its author's name."""
    return _shown(session, [comment])[0]


def _reaching(session: Session, learner_id: int) -> ColumnElement[bool]:
    """The condition for cluster comments that reach this learner: for everyone, or for a cohort of theirs."""
    mine = sorted(learner_cohorts(session=session, user_id=learner_id))
    return or_(col(FeedbackComment.cohort_id).is_(None), col(FeedbackComment.cohort_id).in_(mine))


def _shown(session: Session, comments: list[FeedbackComment]) -> list[ShownComment]:
    ids = {c.author_id for c in comments}
    names = {u.id: u.username for u in session.exec(select(User).where(col(User.id).in_(sorted(ids))))} if ids else {}
    return [ShownComment(c, names.get(c.author_id, "(deleted)")) for c in comments]


def for_submission(*, session: Session, submission: Submission) -> list[ShownComment]:
    """Everything written for this submission: its cluster's comments that reach its learner, then its line
    comments by line, each oldest first."""
    found: list[FeedbackComment] = []
    if submission.cluster_key and submission.cluster_version:
        found += session.exec(
            select(FeedbackComment)
            .where(
                FeedbackComment.lesson_id == submission.lesson_id,
                FeedbackComment.cluster_key == submission.cluster_key,
                FeedbackComment.cluster_version == submission.cluster_version,
                col(FeedbackComment.submission_id).is_(None),
                _reaching(session, submission.user_id),
            )
            .order_by(col(FeedbackComment.id))
        ).all()
    found += session.exec(
        select(FeedbackComment)
        .where(FeedbackComment.submission_id == submission.id)
        .order_by(col(FeedbackComment.line), col(FeedbackComment.id))
    ).all()
    return _shown(session, found)


def for_cluster(
    *, session: Session, lesson_id: str, cluster_key: str, cluster_version: str, cohort_id: int | None
) -> list[ShownComment]:
    """The comments on a cluster as its page shows them: the cohort's own (``cohort_id``) and those for everyone."""
    scope: ColumnElement[bool] = col(FeedbackComment.cohort_id).is_(None)
    if cohort_id is not None:
        scope = or_(scope, col(FeedbackComment.cohort_id) == cohort_id)
    found = session.exec(
        select(FeedbackComment)
        .where(
            FeedbackComment.lesson_id == lesson_id,
            FeedbackComment.cluster_key == cluster_key,
            FeedbackComment.cluster_version == cluster_version,
            scope,
        )
        .order_by(col(FeedbackComment.id))
    ).all()
    return _shown(session, list(found))


@dataclass
class LearnerFeedback:
    count: int  # distinct comments reaching any of the learner's submissions
    latest_submission_id: int | None  # the learner's latest submission with a comment


def for_learner(*, session: Session, user_id: int) -> LearnerFeedback:
    """How many comments reach the learner's submissions, and the latest such submission (their home page)."""
    line_rows = session.exec(
        select(FeedbackComment.id, Submission.id)
        .join(Submission, col(Submission.id) == col(FeedbackComment.submission_id))
        .where(Submission.user_id == user_id)
    ).all()
    cluster_rows = session.exec(
        select(FeedbackComment.id, Submission.id)
        .join(
            Submission,
            and_(
                col(Submission.lesson_id) == col(FeedbackComment.lesson_id),
                col(Submission.cluster_key) == col(FeedbackComment.cluster_key),
                col(Submission.cluster_version) == col(FeedbackComment.cluster_version),
            ),
        )
        .where(Submission.user_id == user_id, col(FeedbackComment.submission_id).is_(None), _reaching(session, user_id))
    ).all()
    rows = list(line_rows) + list(cluster_rows)
    return LearnerFeedback(
        count=len({c for c, _ in rows}),
        latest_submission_id=max((int(s) for _, s in rows if s is not None), default=None),
    )
