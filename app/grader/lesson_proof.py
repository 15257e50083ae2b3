"""What `lessons check` and the instructor preview conclude from grading a lesson's own files.

The grader's messages speak to a learner ("Remove Python loops..."). Here the reader is the lesson's
author, and a solution that fails is either a bug in solution.py or a threshold in lesson.toml set for
another machine, so every message names the file and the lesson.toml field to change. A skipped check
is never evidence: the starter only "fails" a check that actually ran and failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.grader.report import CheckResult, Report
from app.lessons.model import Lesson

STATUSES = ("pass", "fail", "skip", "error")


@dataclass
class CheckRow:
    name: str
    solution: str  # pass / fail / skip / error / "-" (not reported)
    starter: str
    starter_must_fail: bool
    solution_message: str = ""
    starter_message: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "solution": self.solution,
            "starter": self.starter,
            "starter_must_fail": self.starter_must_fail,
            "solution_message": self.solution_message,
            "starter_message": self.starter_message,
        }


@dataclass
class LessonProof:
    lesson_id: str
    rows: list[CheckRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    speedup: float | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.lesson_id,
            "status": "ok" if self.ok else "fail",
            "seconds": round(self.seconds, 1),
            "solution_speedup": self.speedup,
            "checks": [r.to_json() for r in self.rows],
            "problems": self.problems,
        }


def check_rows(report: Report) -> dict[str, CheckResult]:
    return {c.name: c for c in report.checks}


def author_advice(lesson: Lesson, check: CheckResult) -> str:
    """What the author can change when the solution does not pass ``check``."""
    d = check.details
    name = check.name
    if d.get("timed_out"):
        return "make solution.py faster to trace/compile, or raise [limits] phase_s / compile_s in lesson.toml"
    if check.status == "skip":
        return "an earlier check of your solution failed; fix that one first"
    if name == "correctness":
        return (
            "fix solution.py (it is the reference, so it is not deterministic across runs), or set "
            "[checks.correctness] rtol/atol in lesson.toml"
        )
    if name == "speedup" and "ratio" in d:
        backend = d.get("backend", "cpu")
        return (
            f"it reached {d['ratio']}x over baseline.py where checks.speedup.{backend} asks "
            f"{d.get('threshold')}x: make solution.py faster or baseline.py slower, or lower "
            f"checks.speedup.{backend} in lesson.toml (aim for "
            "about half of what the solution reaches on the slowest machine you serve)"
        )
    if name == "vectorization":
        return "raise checks.vectorization.max_ratio, or set checks.vectorization.allow_loops = true, in lesson.toml"
    if name == "structure":
        return (
            "change solution.py, or the [checks.structure] requirement it misses (require_primitives, "
            "forbid_primitives, max_equations, max_temp_ratio, require_donation) in lesson.toml"
        )
    if name in ("vmap", "grad", "prng"):
        return f"fix solution.py, or the [checks.{name}] settings (in_axes/argnums/key_args, tolerances) in lesson.toml"
    return f"fix solution.py, or remove [checks.{name}] from lesson.toml if it does not apply to this lesson"


def prove(lesson: Lesson, solution: Report, starter: Report) -> LessonProof:
    """The per-check table and the author's to-do list for one lesson."""
    proof = LessonProof(lesson.id)
    sol, start = check_rows(solution), check_rows(starter)
    must_fail = set(lesson.meta.starter_fails)
    for name in lesson.meta.checks.enabled():
        s, t = sol.get(name), start.get(name)
        proof.rows.append(
            CheckRow(
                name=name,
                solution=s.status if s else "-",
                starter=t.status if t else "-",
                starter_must_fail=name in must_fail,
                solution_message=s.message if s else "",
                starter_message=t.message if t else "",
            )
        )
    if solution.error:
        proof.problems.append(f"grading your solution stopped: {solution.error}")
    for row in proof.rows:
        check = sol.get(row.name)
        if check is not None and check.status != "pass" and check.applicable:
            proof.problems.append(
                f"your solution {_verb(check.status)} {row.name}: {check.message} -> {author_advice(lesson, check)}"
            )
    if starter.error:
        proof.problems.append(f"grading the starter stopped: {starter.error}")
    failed = [r.name for r in proof.rows if r.starter == "fail"]
    if not failed and not starter.error:
        proof.problems.append(
            "the starter fails no check (skipped ones do not count): change starter.py so it exhibits the "
            "lesson's problem"
        )
    for row in proof.rows:
        if not row.starter_must_fail:
            continue
        if row.starter == "pass":
            proof.problems.append(
                f"the starter passes {row.name}, but starter_fails lists it: change starter.py so it shows the "
                f"problem, or remove {row.name!r} from starter_fails in lesson.toml"
            )
        elif row.starter in ("skip", "error", "-"):
            why = row.starter_message or "it was not reported"
            proof.problems.append(
                f"starter_fails lists {row.name}, but for the starter it was {_status_word(row.starter)} "
                f"({why}), which proves nothing: fix what stopped it (if a phase timed out, raise [limits] "
                f"phase_s or compile_s in lesson.toml), or remove {row.name!r} from starter_fails"
            )
    speed = sol.get("speedup")
    if speed is not None and "ratio" in speed.details:
        proof.speedup = float(speed.details["ratio"])
    return proof


def _verb(status: str) -> str:
    return {"fail": "fails", "skip": "skipped", "error": "hit a grader error in"}.get(status, status)


def _status_word(status: str) -> str:
    return {"skip": "skipped", "error": "a grader error", "-": "not reported"}.get(status, status)


def table_lines(proof: LessonProof) -> list[str]:
    """The per-check table, one line per check: solution and starter status side by side."""
    lines = [f"        {'check':<14} {'solution':<9} {'starter':<9} starter must"]
    for r in proof.rows:
        must = "fail" if r.starter_must_fail else "-"
        note = ""
        if r.starter == "skip":
            note = f"  (skipped: {_short(r.starter_message)})"
        lines.append(f"        {r.name:<14} {r.solution:<9} {r.starter:<9} {must}{note}")
    return lines


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
