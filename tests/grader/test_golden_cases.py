"""Golden-file tests: every case in tests/grader_cases/<case>/ through the real `jaxtutor check`
command (or `jaxtutor grade` against tests/grader_lessons when expected.json names a lesson) and
real kernels. expected.json pins the exit code, the overall status, each check's status,
and a phrase the report must contain (the plain-words explanation)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

LESSONS = Path(__file__).parent.parent / "grader_lessons"
CASES = sorted(p for p in (Path(__file__).parent.parent / "grader_cases").iterdir() if p.is_dir())


@pytest.mark.kernel
@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Path, kernel_env: dict[str, str]) -> None:
    expected = json.loads((case / "expected.json").read_text())
    env = dict(kernel_env, JAXTUTOR_LESSON_DIRS=json.dumps([str(LESSONS)]), JAXTUTOR_BUNDLED_LESSONS="0")
    env.update(expected.get("env", {}))
    if "lesson" in expected:  # graded against a test lesson (enables vmap, grad, structure, lesson speedup)
        argv = ["grade", expected["lesson"], str(case / "submission.py"), "--json"]
    else:
        argv = ["check", str(case / "submission.py"), "--json", *expected.get("args", [])]
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=150,
    )
    assert proc.stdout, proc.stderr
    report = json.loads(proc.stdout)
    assert report["version"] == 1
    assert proc.returncode == expected["exit_code"], report["message"]
    assert report["status"] == expected["status"], report["message"]
    assert {c["name"]: c["status"] for c in report["checks"]} == expected["checks"]
    assert expected["report_contains"] in json.dumps(report)
    for secret in expected.get("report_excludes", []):  # hidden inputs never reach the report
        assert secret not in json.dumps(report)
    assert "/work/" not in proc.stdout and "/root/" not in proc.stdout  # no host paths
