"""The lesson loader: bundled + instructor directories, duplicates, front matter, one line per problem."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from app.config import BUNDLED_LESSONS, Settings
from app.lessons import load_catalog
from tests.lesson_factory import make_lesson

BUNDLED_COUNT = sum(1 for p in BUNDLED_LESSONS.iterdir() if (p / "lesson.toml").exists())


def test_lesson_dirs_add_to_the_bundled_lessons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_lesson(tmp_path, "mine", lesson_id="mine")
    monkeypatch.setenv("JAXTUTOR_LESSON_DIRS", json.dumps([str(tmp_path)]))
    settings = Settings()
    catalog = load_catalog(settings.all_lesson_dirs())
    assert catalog.problems == []
    assert "mine" in catalog.lessons and len(catalog.lessons) == BUNDLED_COUNT + 1

    monkeypatch.setenv("JAXTUTOR_BUNDLED_LESSONS", "0")
    only_mine = load_catalog(Settings().all_lesson_dirs())
    assert list(only_mine.lessons) == ["mine"]


def test_bundled_dir_listed_twice_is_loaded_once(tmp_path: Path) -> None:
    settings = Settings(lesson_dirs=[BUNDLED_LESSONS])
    assert settings.all_lesson_dirs() == [BUNDLED_LESSONS]


def test_duplicate_ids_name_both_paths_and_the_rest_loads(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    first = make_lesson(a, "one", lesson_id="same")
    second = make_lesson(b, "two", lesson_id="same")
    make_lesson(b, "other", lesson_id="other")
    catalog = load_catalog([a, b])
    assert sorted(catalog.lessons) == ["other", "same"]
    assert catalog.lessons["same"].path == first
    [problem] = catalog.problems
    assert str(first) in problem.message and str(second) in problem.message
    assert problem.file == "lesson.toml" and problem.field == "id"


FRONT = """---
title: Add one, from the front matter
objectives:
  - Write a pure function
jupyter:
  kernelspec: {name: python3}
---

# Adding one
"""


def test_front_matter_is_parsed_and_never_rendered(tmp_path: Path) -> None:
    folder = make_lesson(tmp_path, "fm")
    toml = (folder / "lesson.toml").read_text()
    toml = toml.replace('title = "Add one, the JAX way"\n', "").replace('objectives = ["Write a pure function"]\n', "")
    (folder / "lesson.toml").write_text(toml)
    body = (folder / "instructions.md").read_text()
    (folder / "instructions.md").write_text(FRONT + body)
    catalog = load_catalog([tmp_path])
    assert catalog.problems == []
    lesson = catalog.lessons["fm"]
    assert lesson.meta.title == "Add one, from the front matter"
    assert lesson.meta.objectives == ["Write a pure function"]
    assert lesson.instructions.startswith("# Adding one")
    assert "---" not in lesson.instructions.splitlines()[0] and "kernelspec" not in lesson.instructions


@pytest.mark.parametrize(
    ("front", "field", "expected"),
    [
        ("---\ntitle: [unclosed\n---\n", "front matter", "not valid YAML"),
        ("---\ntitle: x\n", "front matter", "never closed"),
        ("---\ntitel: Typo\n---\n", "front matter: titel", "unknown key"),
        ("---\n- a list\n---\n", "front matter", "expected a YAML mapping"),
        ("---\ntitle: Another title\n---\n", "front matter: title", "differs from title in lesson.toml"),
    ],
)
def test_bad_front_matter_is_one_clear_problem(tmp_path: Path, front: str, field: str, expected: str) -> None:
    folder = make_lesson(tmp_path, "fm")
    (folder / "instructions.md").write_text(front + (folder / "instructions.md").read_text())
    catalog = load_catalog([tmp_path])
    [problem] = catalog.problems
    assert (problem.file, problem.field) == ("instructions.md", field)
    assert expected in problem.message
    assert catalog.lessons == {}


def test_invalid_lesson_toml_is_one_line_not_one_per_python_file(tmp_path: Path) -> None:
    folder = make_lesson(tmp_path, "entry-g")
    for name in ("starter.py", "solution.py"):
        path = folder / name
        path.write_text(path.read_text().replace("def f(", "def g("))
    toml = (folder / "lesson.toml").read_text().replace('entry = "f"', 'entry = "g"').replace("step = 1", "step = 9")
    (folder / "lesson.toml").write_text(toml)
    problems = load_catalog([tmp_path]).problems
    assert [(p.file, p.field) for p in problems] == [("lesson.toml", "step")], problems

    (folder / "lesson.toml").write_text("title = [broken toml\n")
    problems = load_catalog([tmp_path]).problems
    assert [p.file for p in problems] == ["lesson.toml"], problems


def test_lessons_check_counts_lessons_not_problem_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.grader.lessons_check import check_lessons

    folder = make_lesson(tmp_path, "broken")
    (folder / "lesson.toml").write_text('title = "x"\nstep = 9\nbogus = 1\n')
    (folder / "starter.py").unlink()
    settings = Settings(lesson_dirs=[tmp_path], bundled_lessons=False, data_dir=tmp_path / "data")
    assert asyncio.run(check_lessons(settings, [])) == 1
    out = capsys.readouterr().out
    assert out.count("INVALID") >= 3
    assert out.strip().splitlines()[-1] == "0 passed, 1 failed"
