"""`jaxtutor lessons check`: prove every lesson.

For each lesson: its files and metadata validate; the solution passes every check; the starter fails
(at least the checks in ``starter_fails``, and at least one; a skipped check is not a failure); with a
speedup check, the solution beats the baseline by the lesson's threshold; with ``public_seeds``, the Try
button's examples can be computed and shown. The verdicts and the
author-facing messages come from ``app.grader.lesson_proof``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from app.config import Settings
from app.grader.checks.speedup import SpeedupCheck
from app.grader.kernel_source import default_source
from app.grader.lesson_proof import prove, table_lines
from app.grader.pipeline import ReferenceBroken, grade_lesson, reference_record
from app.grader.report import Report
from app.lessons import load_catalog
from app.lessons.model import Lesson
from app.services.tryout import PublicExamples, TryUnavailable
from kernels.runtime import KernelStartError


async def check_lessons(settings: Settings, ids: list[str], *, as_json: bool = False) -> int:
    """Prove each lesson; print a per-check table (solution and starter) and the author's to-do list, or
    with ``as_json`` one JSON document. Returns 1 when any lesson fails, else 0."""
    catalog = load_catalog(settings.all_lesson_dirs())
    kernels = default_source(settings)
    out = _Out(as_json)
    failures = 0
    invalid: set[str] = set()  # one entry per lesson folder, however many problems it has
    for problem in catalog.problems:
        if not ids or problem.lesson in ids:
            invalid.add(problem.lesson)
            out.line(f"INVALID {problem}")
            out.doc["invalid"].append(problem.model_dump())
    failures += len(invalid)
    lessons = [lesson for lesson in catalog.ordered() if not ids or lesson.id in ids]
    missing = [i for i in ids if i not in catalog.lessons and not any(p.lesson == i for p in catalog.problems)]
    for lesson_id in missing:
        out.line(f"UNKNOWN {lesson_id}")
        out.doc["unknown"].append(lesson_id)
        failures += 1
    for lesson in lessons:
        t0 = time.monotonic()
        try:
            await reference_record(lesson, settings, kernels)  # computed once, then both gradings share it
        except (ReferenceBroken, KernelStartError) as exc:
            failures += 1
            advice = (
                " -> fix solution.py, or raise [limits] phase_s / compile_s in lesson.toml if it timed out"
                if isinstance(exc, ReferenceBroken)
                else ""
            )
            out.line(f"FAIL    {lesson.id}: {exc}{advice}")
            out.doc["lessons"].append({"id": lesson.id, "status": "fail", "checks": [], "problems": [f"{exc}{advice}"]})
            continue
        sol, starter = await asyncio.gather(
            grade_lesson(lesson, lesson.solution, settings, kernels),
            grade_lesson(lesson, lesson.starter, settings, kernels),
        )
        proof = prove(lesson, sol, starter)
        speed_problem = starter_speedup_problem(lesson, starter)
        if speed_problem:
            proof.problems.append(speed_problem)
        if lesson.meta.public_seeds:
            # The Try button's examples: computable and showable (arrays of numbers, scalars, containers).
            try:
                await PublicExamples(settings, kernels).examples(lesson)
            except TryUnavailable as exc:
                proof.problems.append(f"public_seeds: {exc}")
        proof.seconds = time.monotonic() - t0
        out.doc["lessons"].append(proof.to_json())
        if proof.ok:
            extra = f", solution {proof.speedup}x over baseline" if proof.speedup else ""
            out.line(f"ok      {lesson.id} ({proof.seconds:.1f}s{extra})")
        else:
            failures += 1
            out.line(f"FAIL    {lesson.id} ({proof.seconds:.1f}s)")
        for line in table_lines(proof):
            out.line(line)
        for p in proof.problems:
            out.line(f"        - {p}")
    # Count lessons, not problem lines.
    total = len({lesson.id for lesson in lessons} | invalid) + len(missing)
    out.doc["passed"], out.doc["failed"] = max(total - failures, 0), failures
    out.line(f"{max(total - failures, 0)} passed, {failures} failed")
    out.finish()
    return 1 if failures else 0


class _Out:
    """Text lines as they come, or one JSON document at the end."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.doc: dict[str, Any] = {"lessons": [], "invalid": [], "unknown": []}

    def line(self, text: str) -> None:
        if not self.as_json:
            print(text, flush=True)

    def finish(self) -> None:
        if self.as_json:
            print(json.dumps(self.doc, indent=2))
        sys.stdout.flush()


def starter_speedup_problem(lesson: Lesson, starter: Report) -> str | None:
    """A lesson with a speedup check proves its starter does not earn it (measured below the threshold, or
    not awarded because it fails correctness or jit), unless the lesson says why the starter may pass.
    Where the check is skipped on this backend (the lesson's stated reason) there is nothing to prove."""
    cfg = lesson.meta.checks.config("speedup", SpeedupCheck)
    if cfg is None or cfg.starter_passes:
        return None
    res = next((c for c in starter.checks if c.name == "speedup"), None)
    if res is None or res.status != "pass":
        return None
    return (
        f"starter passes 'speedup' ({res.details.get('ratio')}x, needed {res.details.get('threshold')}x): the "
        "speed check must fail the starter's anti-pattern (declare the baseline, count compile time, or "
        "raise the threshold), or say why not in [checks.speedup] starter_passes"
    )
