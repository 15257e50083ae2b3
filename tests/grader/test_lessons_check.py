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
