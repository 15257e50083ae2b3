"""The authoring guide's worked examples (docs/examples): one lesson per check, each proved by lessons check."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.lessons import load_catalog
from app.lessons.model import CHECK_NAMES

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "docs" / "examples"


def test_one_example_per_check_and_each_loads() -> None:
    catalog = load_catalog([EXAMPLES])
    assert catalog.problems == []
    assert sorted(catalog.lessons) == sorted(f"ex-{name}" for name in CHECK_NAMES)
    for name in CHECK_NAMES:
        lesson = catalog.lessons[f"ex-{name}"]
        assert lesson.meta.starter_fails == [name] and name in lesson.meta.checks.enabled()
    guide = (REPO / "lessons" / "README.md").read_text()
    assert all(f"`ex-{name}`" in guide for name in CHECK_NAMES)


@pytest.mark.kernel
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_every_example_proves_itself(kernel_env: dict[str, str]) -> None:
    env = dict(kernel_env, JAXTUTOR_LESSON_DIRS=json.dumps([str(EXAMPLES)]), JAXTUTOR_BUNDLED_LESSONS="0")
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", "lessons", "check", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=1700,
    )
    doc = json.loads(proc.stdout)
    assert proc.returncode == 0, json.dumps([x for x in doc["lessons"] if x["status"] != "ok"], indent=1)
    for lesson in doc["lessons"]:
        check = lesson["id"].removeprefix("ex-")
        rows = {c["name"]: (c["solution"], c["starter"]) for c in lesson["checks"]}
        assert rows[check] == ("pass", "fail"), lesson
