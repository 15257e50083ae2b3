"""A cohort's per-lesson statistics (pass rate, attempts distribution, the checks failing most) and its
gradebook rows: the instructor's views beside the matrix (app.services.cohort_reports), with the same
aggregate queries and cells."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import CohortMember, Submission, SubmissionStatus, TrackItem, utcnow
from app.services.cohort_reports import (
    EMPTY,
    _cell,
    _learner_join,
    _naive,
    _progress_rows,
    _track_join,
    iso,
    learners,
    matrix,
)
from app.services.cohorts import TrackRow

#: Attempt-count buckets of the per-lesson distribution: (label, lowest, highest or None).
ATTEMPT_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0),
    ("1", 1, 1),
    ("2", 2, 2),
    ("3", 3, 3),
    ("4–5", 4, 5),
    ("6–10", 6, 10),
    ("11+", 11, None),
)
MESSAGE_CHARS = 200  # a check's message is cut to its first line and this many characters when counted


# --- one lesson ------------------------------------------------------------------------------------
@dataclass
class FailingCheck:
    name: str
    count: int
    messages: list[tuple[str, int]]  # the most common messages, with how often


@dataclass
class LessonReport:
    item: TrackRow
    learners: int
    started: int
    passed: int
    late: int
    stuck: int
    distribution: list[tuple[str, int]]  # attempt bucket label -> learners
    failing: list[FailingCheck] = field(default_factory=list)
    scanned: int = 0  # failing submissions read for ``failing``

    @property
    def pass_rate(self) -> float | None:
        """Passed among those who started (None: nobody started)."""
        return self.passed / self.started if self.started else None


def _bucket(attempts: int) -> str:
    for label, low, high in ATTEMPT_BUCKETS:
        if attempts >= low and (high is None or attempts <= high):
            return label
    return ATTEMPT_BUCKETS[-1][0]


def _first_line(message: object) -> str:
    text = str(message or "").strip().splitlines()
    line = text[0] if text else ""
    return line[:MESSAGE_CHARS] + ("…" if len(line) > MESSAGE_CHARS else "")


def lesson_report(
    *,
    session: Session,
    cohort_id: int,
    item: TrackRow,
    stuck_attempts: int,
    scan_limit: int,
    now: datetime | None = None,
    top: int = 8,
) -> LessonReport:
    """Pass rate, attempts distribution and the checks failing most (with their most common messages) of one
    lesson among the cohort's learners; reads at most ``scan_limit`` latest failing submissions."""
    now = _naive(now or utcnow())
    due = _naive(item.due_at)
    people = learners(session=session, cohort_id=cohort_id)
    rows = _progress_rows(session=session, cohort_id=cohort_id, lesson_id=item.lesson_id)
    cells = [
        _cell(item, rows.get((p.id, item.lesson_id), EMPTY), stuck_attempts=stuck_attempts, now=now, due=due)
        for p in people
    ]
    spread = Counter(_bucket(c.attempts) for c in cells)
    report = LessonReport(
        item=item,
        learners=len(cells),
        started=sum(1 for c in cells if c.attempts > 0),
        passed=sum(1 for c in cells if c.passed),
        late=sum(1 for c in cells if c.late),
        stuck=sum(1 for c in cells if c.stuck),
        distribution=[(label, spread.get(label, 0)) for label, _, _ in ATTEMPT_BUCKETS],
    )
    failing = session.exec(
        select(Submission.report_json)
        .join(CohortMember, _learner_join(col(Submission.user_id), cohort_id))
        .where(
            Submission.lesson_id == item.lesson_id,
            Submission.status == SubmissionStatus.DONE.value,
            col(Submission.verdict) != "pass",
        )
        .order_by(col(Submission.id).desc())
        .limit(scan_limit)
    ).all()
    counts: Counter[str] = Counter()
    messages: dict[str, Counter[str]] = {}
    for report_json in failing:
        report.scanned += 1
        try:
            checks = json.loads(report_json or "{}").get("checks", [])
        except (ValueError, AttributeError):
            continue
        for check in checks if isinstance(checks, list) else []:
            if isinstance(check, dict) and check.get("status") in ("fail", "error"):
                name = str(check.get("name", "?"))
                counts[name] += 1
                messages.setdefault(name, Counter())[_first_line(check.get("message"))] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]  # ties by name: a stable page
    report.failing = [
        FailingCheck(name=name, count=n, messages=sorted(messages[name].items(), key=lambda kv: (-kv[1], kv[0]))[:3])
        for name, n in ranked
    ]
    return report


# --- the gradebook -----------------------------------------------------------------------------------
GRADEBOOK_HEADER = [
    "username",
    "lesson",
    "due_at",
    "first_attempt_at",
    "passed_at",
    "late",
    "best_score",
    "best_score_shown",
    "attempts",
]


def gradebook(*, session: Session, cohort_id: int, stuck_attempts: int, now: datetime | None = None) -> list[list[str]]:
    """One row per learner and lesson of the track (``GRADEBOOK_HEADER``), timestamps ISO 8601 UTC; four
    queries: the matrix's three and the first attempts, grouped in the database."""
    data = matrix(session=session, cohort_id=cohort_id, stuck_attempts=stuck_attempts, now=now, times=True)
    first = session.exec(
        select(Submission.user_id, Submission.lesson_id, func.min(Submission.created_at))
        .join(CohortMember, _learner_join(col(Submission.user_id), cohort_id))
        .join(TrackItem, _track_join(col(Submission.lesson_id), cohort_id))
        .group_by(col(Submission.user_id), col(Submission.lesson_id))
    ).all()
    first_at = {(uid, lid): at for uid, lid, at in first}
    due = {item.lesson_id: iso(item.due_at) for item in data.items}
    out = []
    for learner in data.learners:
        for item in data.items:
            cell = data.cells[(learner.id, item.lesson_id)]
            out.append(
                [
                    learner.username,
                    item.lesson_id,
                    due[item.lesson_id],
                    iso(first_at.get((learner.id, item.lesson_id))),
                    iso(cell.passed_at),
                    "1" if cell.late else "0",
                    f"{cell.best_score:.4f}",
                    f"{cell.best_score * 100:.0f}%",
                    str(cell.attempts),
                ]
            )
    return out


def csv_safe(value: str) -> str:
    """Defuse spreadsheet formulas: a cell starting with = + - @ (or a tab or carriage return, which some
    spreadsheets skip before reading a formula) gets a leading '."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
