"""`jaxtutor lessons check` over every bundled lesson: solutions pass, starters fail as declared."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.kernel
@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_all_bundled_lessons_prove_themselves(kernel_env: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", "lessons", "check"],
        capture_output=True,
        text=True,
        env=kernel_env,
        timeout=1400,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " 0 failed" in proc.stdout


def test_lessons_list_json_has_every_step() -> None:
    import json

    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", "lessons", "list", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["problems"] == []
    assert {lesson["step"] for lesson in doc["lessons"]} == {1, 2, 3, 4, 5, 6}


# Lessons where speed is the point (issue 10): every step-3 lesson, and every lesson about vmap, scan,
# while loops, fusion, recompilation or serving. `lessons check` proves each speed check (the slow test
# above); this one keeps a lesson from being added, or its speed check removed, without one.
SPEED_TAGS = {"vmap", "scan", "while_loop", "fusion", "recompilation", "serving", "aot"}


def test_every_lesson_where_speed_is_the_point_measures_it() -> None:
    import tomllib

    from app.config import BUNDLED_LESSONS
    from app.lessons import load_catalog

    catalog = load_catalog([BUNDLED_LESSONS])
    speed_lessons = [
        lesson for lesson in catalog.ordered() if lesson.meta.step == 3 or SPEED_TAGS & set(lesson.meta.tags)
    ]
    assert len(speed_lessons) >= 11
    for lesson in speed_lessons:
        assert lesson.meta.checks.speedup is not None, f"{lesson.id}: speed is the point, but no [checks.speedup]"
        assert lesson.baseline, f"{lesson.id}: a speed check needs baseline.py"
        raw = tomllib.loads((BUNDLED_LESSONS / lesson.id / "lesson.toml").read_text())["checks"]["speedup"]
        for backend in ("cpu", "gpu"):
            # each backend: a threshold sized by the author (not the schema's default), or a stated skip reason
            assert backend in raw or backend in raw.get("skip", {}), f"{lesson.id}: no {backend} threshold or skip"
        measured = {"cpu", "gpu"} - set(raw.get("skip", {}))
        if measured and "speedup" not in lesson.meta.starter_fails and not raw.get("starter_passes"):
            # the starter cannot reach the speed check: it must fail correctness or jit (speed is then not awarded)
            assert {"correctness", "jit"} & set(lesson.meta.starter_fails), lesson.id
