"""30 generated submissions (five strategies, six renamed copies each: tests/clusters/strategies.py) graded by
the real grader in real kernels cluster into exactly the five expected groups, and a comment on each
cluster reaches every member of it and no one else."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from app.config import Settings
from app.grader.pipeline import grade_lesson
from app.lessons.loader import load_lesson
from app.models import CohortRole, Role, UserCreate
from app.services import clusters, cohorts, feedback, submissions, users
from tests.clusters.strategies import generate

from .conftest import make_short_dir

pytestmark = [pytest.mark.kernel, pytest.mark.slow, pytest.mark.timeout(1200)]

LESSON = Path(__file__).resolve().parents[1] / "clusters" / "lessons" / "column-sums"


@pytest.fixture(scope="module")
def graded(sandbox_ready: bool) -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
    """(strategy, source, report) of each generated submission, graded once for the module."""
    lesson, problems = load_lesson(LESSON)
    assert lesson is not None, problems
    base = make_short_dir("jtcl")
    settings = Settings(
        data_dir=base / "data",
        runtime_dir=base,
        lesson_dirs=[],
        bundled_lessons=False,
        database_url="",
        unsafe_no_sandbox=not sandbox_ready,
    )
    gate = asyncio.Semaphore(2)  # two kernels at a time: the test machines are small

    async def one(strategy: str, source: str) -> tuple[str, str, dict[str, Any]]:
        async with gate:
            report = await grade_lesson(lesson, source, settings)
        return strategy, source, report.to_json()

    async def all_of() -> list[tuple[str, str, dict[str, Any]]]:
        return list(await asyncio.gather(*(one(s, src) for s, src in generate())))

    yield asyncio.run(all_of())
    shutil.rmtree(base, ignore_errors=True)


def test_thirty_submissions_cluster_by_strategy(graded: list[tuple[str, str, dict[str, Any]]], engine: Any) -> None:
    assert len(graded) == 30
    for strategy, source, report in graded:
        assert report["cluster"] is not None, (strategy, source, report.get("message"))
        assert report["cluster"]["traced"] == (strategy != "untraceable"), (strategy, source, report["cluster"])
    with Session(engine) as s:
        ines = users.create_user(
            session=s, user_create=UserCreate(username="ines", password="correct horse", role=Role.INSTRUCTOR.value)
        )
        cohort = cohorts.create_cohort(session=s, name="Spring", creator=ines)
        strategy_of: dict[int, str] = {}
        for n, (strategy, source, report) in enumerate(graded):
            learner = users.create_user(
                session=s, user_create=UserCreate(username=f"learner{n}", password="correct horse")
            )
            cohorts.add_member(session=s, cohort=cohort, user=learner, role=CohortRole.LEARNER)
            sub = submissions.create_submission(session=s, user=learner, lesson_id="column-sums", code=source)
            assert sub.id is not None
            submissions.mark_done(session=s, submission_id=sub.id, report=report)
            strategy_of[sub.id] = strategy
        found = clusters.clusters(session=s, lesson_id="column-sums")
        groups = [{strategy_of[i] for i in c.submissions} for c in found]
        assert sorted(len(c.submissions) for c in found) == [6, 6, 6, 6, 6], groups
        assert sorted(next(iter(g)) for g in groups if len(g) == 1) == sorted(
            ["vectorised", "scan", "unrolled", "wrong", "untraceable"]
        ), groups
        verdicts = {next(iter(g)): c.verdict for g, c in zip(groups, found, strict=True)}
        assert verdicts["vectorised"] == verdicts["scan"] == verdicts["unrolled"] == "pass"
        assert verdicts["wrong"] == "fail"
        for c in found:
            assert cohort.id is not None
            feedback.add_cluster_comment(
                session=s,
                author=ines,
                lesson_id="column-sums",
                cluster_key=c.key,
                cluster_version=c.version,
                body=f"About your {strategy_of[c.submissions[0]]} approach",
                cohort_id=cohort.id,
                max_chars=1000,
            )
        for sub_id, strategy in strategy_of.items():
            sub = submissions.get_submission(session=s, submission_id=sub_id)
            assert sub is not None
            bodies = [x.comment.body for x in feedback.for_submission(session=s, submission=sub)]
            assert bodies == [f"About your {strategy} approach"]
