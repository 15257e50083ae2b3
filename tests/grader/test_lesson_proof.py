"""`lessons check` verdicts: per-check table, skips never count as the starter failing, author-facing advice."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.grader.lesson_proof import prove, table_lines
from app.grader.report import CheckResult, Report
from app.lessons import load_catalog
from tests.lesson_factory import make_lesson


def _lesson(tmp_path: Path, toml_extra: str = "", starter_fails: str = '["correctness"]'):  # type: ignore[no-untyped-def]
    folder = make_lesson(tmp_path, "demo", toml_extra=toml_extra)
    toml = (
        (folder / "lesson.toml")
        .read_text()
        .replace('starter_fails = ["correctness"]', f"starter_fails = {starter_fails}")
    )
    (folder / "lesson.toml").write_text(toml)
    (folder / "baseline.py").write_text("def f(x):\n    return x + 1\n")
    catalog = load_catalog([tmp_path])
    assert catalog.problems == [], catalog.problems
    return catalog.lessons["demo"]


def test_a_skip_is_never_the_starter_failing(tmp_path: Path) -> None:
    lesson = _lesson(tmp_path, "[checks.vectorization]\n[checks.jit]\n", '["correctness", "vectorization"]')
    solution = Report(checks=[CheckResult(n, "pass", "ok") for n in ("correctness", "jit", "vectorization")])
    starter = Report(
        checks=[
            CheckResult("correctness", "fail", "wrong values"),
            CheckResult("jit", "fail", "timed out", details={"timed_out": True}),
            CheckResult("vectorization", "skip", "Not run: grading stopped when the 'jit' phase ran out of time."),
        ]
    )
    proof = prove(lesson, solution, starter)
    assert [(r.name, r.solution, r.starter, r.starter_must_fail) for r in proof.rows] == [
        ("correctness", "pass", "fail", True),
        ("jit", "pass", "fail", False),
        ("vectorization", "pass", "skip", True),
    ]
    [problem] = proof.problems
    assert "starter_fails lists vectorization, but for the starter it was skipped" in problem
    assert "raise [limits] phase_s" in problem
    table = "\n".join(table_lines(proof))
    assert "vectorization  pass      skip      fail  (skipped: Not run" in table


def test_only_skips_do_not_make_a_failing_starter(tmp_path: Path) -> None:
    lesson = _lesson(tmp_path, "[checks.jit]\n", "[]")
    solution = Report(checks=[CheckResult("correctness", "pass", "ok"), CheckResult("jit", "pass", "ok")])
    starter = Report(checks=[CheckResult("correctness", "pass", "ok"), CheckResult("jit", "skip", "Not run")])
    assert starter.status == "fail"  # the learner-facing report calls this a fail...
    proof = prove(lesson, solution, starter)
    assert any("the starter fails no check (skipped ones do not count)" in p for p in proof.problems)


def test_solution_messages_speak_to_the_author(tmp_path: Path) -> None:
    lesson = _lesson(tmp_path, '[checks.speedup]\nbaseline = "eager"\ncpu = 3.0\n')
    solution = Report(
        checks=[
            CheckResult("correctness", "pass", "ok"),
            CheckResult(
                "speedup",
                "fail",
                "Your function is 1.2x faster ... Remove Python loops",
                details={"ratio": 1.2, "threshold": 3.0, "backend": "cpu"},
            ),
        ]
    )
    starter = Report(checks=[CheckResult("correctness", "fail", "wrong"), CheckResult("speedup", "fail", "slow")])
    [problem] = prove(lesson, solution, starter).problems
    assert problem.startswith("your solution fails speedup:")
    assert "lower checks.speedup.cpu in lesson.toml" in problem and "1.2x over baseline.py" in problem


@pytest.mark.kernel
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_lessons_check_cli_prints_the_table(kernel_env: dict[str, str]) -> None:
    lessons = Path(__file__).resolve().parents[1] / "web" / "lessons"
    env = dict(kernel_env, JAXTUTOR_LESSON_DIRS=json.dumps([str(lessons)]), JAXTUTOR_BUNDLED_LESSONS="0")
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", "lessons", "check", "demo-add", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=550,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    [lesson] = doc["lessons"]
    assert lesson["status"] == "ok" and (doc["passed"], doc["failed"]) == (1, 0)
    assert [(c["name"], c["solution"], c["starter"]) for c in lesson["checks"]] == [("correctness", "pass", "fail")]
