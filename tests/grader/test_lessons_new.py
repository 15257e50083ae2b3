"""`jaxtutor lessons new`: the scaffold loads cleanly and proves itself; bad input is refused clearly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.lessons import load_catalog


def test_new_lesson_loads_without_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lessons", "new", "my-first", "--step", "3", "--dir", str(tmp_path)]) == 0
    assert "created" in capsys.readouterr().out
    catalog = load_catalog([tmp_path])
    assert catalog.problems == []
    lesson = catalog.lessons["my-first"]
    assert lesson.meta.step == 3 and lesson.meta.starter_fails == ["correctness"]
    assert sorted(p.name for p in (tmp_path / "my-first").iterdir()) == [
        "inputs.py",
        "instructions.md",
        "lesson.toml",
        "solution.py",
        "starter.py",
    ]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["Bad_Id", "--step", "1"], "lesson id 'Bad_Id'"),
        (["ok-id", "--step", "7"], "--step 7: expected one of [1, 2, 3, 4, 5, 6]"),
    ],
)
def test_new_refuses_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert main(["lessons", "new", *argv, "--dir", str(tmp_path)]) == 2
    assert expected in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_new_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lessons", "new", "twice", "--step", "1", "--dir", str(tmp_path)]) == 0
    (tmp_path / "twice" / "solution.py").write_text("# mine\n")
    assert main(["lessons", "new", "twice", "--step", "1", "--dir", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "twice" / "solution.py").read_text() == "# mine\n"


@pytest.mark.kernel
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_scaffolded_lesson_passes_lessons_check(tmp_path: Path, kernel_env: dict[str, str]) -> None:
    assert main(["lessons", "new", "scaffolded", "--step", "1", "--dir", str(tmp_path)]) == 0
    env = dict(kernel_env, JAXTUTOR_LESSON_DIRS=json.dumps([str(tmp_path)]), JAXTUTOR_BUNDLED_LESSONS="0")
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", "lessons", "check", "scaffolded", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=550,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [lesson] = json.loads(proc.stdout)["lessons"]
    rows = {c["name"]: (c["solution"], c["starter"]) for c in lesson["checks"]}
    assert rows == {"correctness": ("pass", "fail"), "jit": ("pass", "pass")}
