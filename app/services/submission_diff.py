"""A line diff between two of a learner's submissions to one lesson ("what did I change since?").

``difflib`` on the server: the result is plain data (line numbers, a kind, the text) that the template
escapes like any other text, so nothing in a learner's code can become markup. Submissions longer than
``diff_max_lines`` are refused with a clear message rather than compared slowly.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sqlmodel import Session

from app.errors import AppError
from app.models import Submission, User
from app.services import submissions

#: Unchanged lines shown around each change (the page offers every line too).
CONTEXT_LINES = 3


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same" | "del" | "add"
    old: int | None  # line number in the older submission
    new: int | None  # line number in the newer one
    text: str


@dataclass
class Diff:
    old: Submission
    new: Submission
    hunks: list[list[DiffLine]] = field(default_factory=list)
    added: int = 0
    removed: int = 0

    @property
    def identical(self) -> bool:
        return self.added == 0 and self.removed == 0


def line_diff(
    old_code: str, new_code: str, *, context: int | None = CONTEXT_LINES
) -> tuple[list[list[DiffLine]], int, int]:
    """Hunks of changed lines with ``context`` unchanged lines around them (None: one hunk of every line);
    and the number of lines added and removed."""
    a = old_code.removesuffix("\n").split("\n") if old_code else []
    b = new_code.removesuffix("\n").split("\n") if new_code else []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    groups = [matcher.get_opcodes()] if context is None else list(matcher.get_grouped_opcodes(context))
    hunks: list[list[DiffLine]] = []
    added = removed = 0
    for group in groups:
        hunk: list[DiffLine] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                pairs = zip(range(i1, i2), range(j1, j2), strict=True)
                hunk += [DiffLine("same", i + 1, j + 1, a[i]) for i, j in pairs]
                continue
            if tag in ("replace", "delete"):
                hunk += [DiffLine("del", i + 1, None, a[i]) for i in range(i1, i2)]
                removed += i2 - i1
            if tag in ("replace", "insert"):
                hunk += [DiffLine("add", None, j + 1, b[j]) for j in range(j1, j2)]
                added += j2 - j1
        if hunk:
            hunks.append(hunk)
    return hunks, added, removed


def own_submission(*, session: Session, user: User, lesson_id: str, submission_id: int) -> Submission:
    """A submission to ``lesson_id`` that ``user`` may read: their own (staff: any learner's)."""
    sub = submissions.get_submission(session=session, submission_id=submission_id)
    if sub is None or sub.lesson_id != lesson_id or (sub.user_id != user.id and not user.is_staff):
        raise AppError(404, f"There is no submission #{submission_id} of yours for this lesson.")
    return sub


def diff_submissions(
    *, session: Session, user: User, lesson_id: str, a: int, b: int, max_lines: int, whole: bool = False
) -> Diff:
    """The diff from the older of submissions ``a`` and ``b`` to the newer; both of one learner and lesson."""
    first = own_submission(session=session, user=user, lesson_id=lesson_id, submission_id=a)
    second = own_submission(session=session, user=user, lesson_id=lesson_id, submission_id=b)
    if first.user_id != second.user_id:
        raise AppError(400, "Pick two submissions of the same learner to compare.")
    old, new = sorted((first, second), key=lambda s: s.id or 0)
    for sub in (old, new):
        if sub.code.count("\n") + 1 > max_lines:
            raise AppError(413, f"Submission #{sub.id} is longer than {max_lines} lines: too long to compare here.")
    hunks, added, removed = line_diff(old.code, new.code, context=None if whole else CONTEXT_LINES)
    return Diff(old=old, new=new, hunks=hunks, added=added, removed=removed)
