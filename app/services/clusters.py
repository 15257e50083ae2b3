"""A lesson's submissions grouped by the program they traced to (``kernels.harness.cluster``).

Each graded submission carries a cluster key and the normal form's version (``submission.cluster_key``,
``cluster_version``, from its report); submissions with both equal are one approach, whatever their names
or surface form. A cluster is ranked by its size, shows its verdicts and one representative submission
(its earliest), and the representative's report holds the normal form shown and diffed. Keys of different
versions are never the same cluster. Read-only: comments on clusters are app.services.feedback.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.models import Submission, SubmissionStatus


@dataclass
class Cluster:
    key: str
    version: str
    submissions: list[int] = field(default_factory=list)  # ids, oldest first
    learners: set[int] = field(default_factory=set)
    verdicts: Counter[str] = field(default_factory=Counter)
    representative_id: int = 0
    traced: bool = True  # False: the programs failed to trace (keyed by error class and line shape)
    normal_form: str = ""
    representative_code: str = ""
    representative_user_id: int = 0

    @property
    def size(self) -> int:
        return len(self.submissions)

    @property
    def verdict(self) -> str:
        """The cluster's verdict: the one verdict of all its members, else 'mixed'."""
        return next(iter(self.verdicts)) if len(self.verdicts) == 1 else "mixed"

    def to_json(self, *, with_code: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "version": self.version,
            "size": self.size,
            "learners": len(self.learners),
            "verdict": self.verdict,
            "verdicts": dict(self.verdicts),
            "traced": self.traced,
            "representative_id": self.representative_id,
            "submission_ids": list(self.submissions),
        }
        if with_code:
            out["normal_form"] = self.normal_form
            out["representative_code"] = self.representative_code
        return out


def clusters(
    *, session: Session, lesson_id: str, user_ids: set[int] | None = None, scan_limit: int = 5000
) -> list[Cluster]:
    """The lesson's clusters, largest first (ties: the older cluster first). ``user_ids``: only these learners'
    submissions (a cohort's); ``scan_limit``: read at most that many of the latest graded submissions."""
    query = (
        sa_select(
            col(Submission.id),
            col(Submission.user_id),
            col(Submission.verdict),
            col(Submission.cluster_key),
            col(Submission.cluster_version),
        )
        .where(
            col(Submission.lesson_id) == lesson_id,
            col(Submission.status) == SubmissionStatus.DONE.value,
            col(Submission.cluster_key).is_not(None),
        )
        .order_by(col(Submission.id).desc())
        .limit(scan_limit)
    )
    if user_ids is not None:
        query = query.where(col(Submission.user_id).in_(sorted(user_ids)))
    groups: dict[tuple[str, str], Cluster] = {}
    for sub_id, user_id, verdict, key, version in reversed(session.execute(query).all()):
        assert sub_id is not None and key is not None
        cluster = groups.setdefault((key, version or ""), Cluster(key=key, version=version or ""))
        cluster.submissions.append(int(sub_id))
        cluster.learners.add(int(user_id))
        cluster.verdicts[verdict or "error"] += 1
    ranked = sorted(groups.values(), key=lambda c: (-c.size, c.submissions[0]))
    reps = {c.submissions[0] for c in ranked}
    rows = session.exec(select(Submission).where(col(Submission.id).in_(sorted(reps)))).all() if reps else []
    by_id = {s.id: s for s in rows}
    for c in ranked:
        rep = by_id.get(c.submissions[0])
        c.representative_id = c.submissions[0]
        if rep is None:
            continue
        c.representative_code = rep.code
        c.representative_user_id = rep.user_id
        info = (rep.report or {}).get("cluster") or {}
        c.normal_form = str(info.get("normal_form") or "")
        c.traced = bool(info.get("traced", not c.key.startswith("e-")))
    return ranked


def ungrouped_count(*, session: Session, lesson_id: str, user_ids: set[int] | None = None) -> int:
    """Graded submissions of the lesson with no cluster: graded before clusters existed (an older release),
    or whose grading stopped before the grader traced anything. Re-grading with scope ``ungrouped``
    (app.services.regrade) files the former under a cluster."""
    query = sa_select(func.count()).where(
        col(Submission.lesson_id) == lesson_id,
        col(Submission.status) == SubmissionStatus.DONE.value,
        col(Submission.cluster_key).is_(None),
    )
    if user_ids is not None:
        query = query.where(col(Submission.user_id).in_(sorted(user_ids)))
    return int(session.execute(query).scalar_one())


def find(found: list[Cluster], key: str, version: str | None = None) -> Cluster | None:
    """The cluster ``key`` (of ``version``, when given) among ``found``."""
    return next((c for c in found if c.key == key and (version is None or c.version == version)), None)


@dataclass
class ClusterDiff:
    a: Cluster
    b: Cluster
    normal_form: list[str]  # unified diff lines
    source: list[str]


def diff(a: Cluster, b: Cluster, *, context: int = 3) -> ClusterDiff:
    """Two clusters' programs side by side: their normal forms and their representatives' source."""

    def udiff(x: str, y: str, what: str) -> list[str]:
        return list(
            difflib.unified_diff(
                x.splitlines(),
                y.splitlines(),
                fromfile=f"{what} of cluster {a.key[:10]}",
                tofile=f"{what} of cluster {b.key[:10]}",
                n=context,
                lineterm="",
            )
        )

    return ClusterDiff(
        a=a,
        b=b,
        normal_form=udiff(a.normal_form, b.normal_form, "normal form"),
        source=udiff(a.representative_code, b.representative_code, "representative"),
    )
