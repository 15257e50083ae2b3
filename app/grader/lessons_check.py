"""`jaxtutor lessons check`: prove every lesson.

For each lesson: its files and metadata validate; the solution passes every check; the starter fails
(at least the checks in ``starter_fails``, and at least one); with a speedup check, the solution beats
the baseline by the lesson's threshold (that is the speedup check passing on the solution).
"""

from __future__ import annotations

import asyncio
import sys
import time

from app.config import Settings
from app.grader.kernel_source import default_source
from app.grader.pipeline import ReferenceBroken, grade_lesson, reference_record
from app.lessons import load_catalog
from kernels.runtime import KernelStartError


async def check_lessons(settings: Settings, ids: list[str]) -> int:
    catalog = load_catalog(settings.lesson_dirs)
    kernels = default_source(settings)
    failures = 0
    for problem in catalog.problems:
        if not ids or problem.lesson in ids:
            print(f"INVALID {problem}")
            failures += 1
    lessons = [lesson for lesson in catalog.ordered() if not ids or lesson.id in ids]
    missing = [i for i in ids if i not in catalog.lessons and not any(p.lesson == i for p in catalog.problems)]
    for lesson_id in missing:
        print(f"UNKNOWN {lesson_id}")
        failures += 1
    for lesson in lessons:
        t0 = time.monotonic()
        problems: list[str] = []
        try:
            await reference_record(lesson, settings, kernels)  # computed once, then both gradings share it
        except (ReferenceBroken, KernelStartError) as exc:
            failures += 1
            print(f"FAIL    {lesson.id}: {exc}")
            continue
        sol, starter = await asyncio.gather(
            grade_lesson(lesson, lesson.solution, settings, kernels),
            grade_lesson(lesson, lesson.starter, settings, kernels),
        )
        if sol.status != "pass":
            bad = [f"{c.name}: {c.message}" for c in sol.checks if c.status != "pass"]
            problems.append("solution does not pass: " + (sol.error or "; ".join(bad)))
        if starter.status == "pass":
            problems.append("starter passes every check (it must exhibit the lesson's problem)")
        statuses = {c.name: c.status for c in starter.checks}
        for name in lesson.meta.starter_fails:
            if statuses.get(name) == "pass":
                problems.append(f"starter passes {name!r}, but starter_fails says it must fail")
        took = time.monotonic() - t0
        if problems:
            failures += 1
            print(f"FAIL    {lesson.id} ({took:.1f}s)")
            for p in problems:
                print(f"        - {p}")
        else:
            speed = next((c.details.get("ratio") for c in sol.checks if c.name == "speedup"), None)
            extra = f", solution {speed}x over baseline" if speed else ""
            print(f"ok      {lesson.id} ({took:.1f}s{extra})")
    total = len(lessons) + len(missing)
    print(f"{total - failures if failures <= total else 0} passed, {failures} failed")
    sys.stdout.flush()
    return 1 if failures else 0
