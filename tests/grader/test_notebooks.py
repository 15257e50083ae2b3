"""Notebook authoring: export/import round trip over every bundled lesson, and clear errors for bad notebooks."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from app.cli import main
from app.config import BUNDLED_LESSONS
from app.lessons import load_catalog
from app.lessons.loader import LessonCatalog, load_lesson
from app.lessons.notebook import NotebookError, import_notebook, lesson_to_notebook
from tests.lesson_factory import make_lesson

BUNDLED = load_catalog([BUNDLED_LESSONS])
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "notebooks" / "example-rowwise-softplus.ipynb"


def _loader_view(lesson):  # type: ignore[no-untyped-def]
    return (
        lesson.meta.model_dump(),
        lesson.instructions,
        lesson.starter,
        lesson.solution,
        lesson.inputs,
        lesson.baseline,
    )


def test_every_bundled_lesson_is_exported() -> None:
    assert len(BUNDLED.lessons) == 30 and BUNDLED.problems == []


@pytest.mark.parametrize("lesson_id", sorted(BUNDLED.lessons))
def test_round_trip_is_the_same_lesson(lesson_id: str, tmp_path: Path) -> None:
    lesson = BUNDLED.lessons[lesson_id]
    path = tmp_path / f"{lesson_id}.ipynb"
    path.write_text(nbformat.writes(lesson_to_notebook(lesson)))  # through the file format, as on disk
    folder = import_notebook(path, tmp_path / "out", LessonCatalog())
    again, problems = load_lesson(folder)
    assert problems == [] and again is not None
    assert _loader_view(again) == _loader_view(lesson)


def test_cli_export_then_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    make_lesson(tmp_path / "src", "demo-add")
    monkeypatch.setenv("JAXTUTOR_LESSON_DIRS", json.dumps([str(tmp_path / "src")]))
    monkeypatch.setenv("JAXTUTOR_BUNDLED_LESSONS", "0")
    nb = tmp_path / "demo.ipynb"
    assert main(["lessons", "export", "demo-add", "-o", str(nb)]) == 0
    assert main(["lessons", "export", "demo-add", "-o", str(nb)]) == 2  # never overwrites silently
    assert "--force" in capsys.readouterr().err
    # The same id is taken (by the lesson it came from): refused, naming the other folder.
    assert main(["lessons", "import", str(nb), "--dir", str(tmp_path / "new")]) == 2
    err = capsys.readouterr().err
    assert "metadata.jaxtutor.id" in err and str(tmp_path / "src" / "demo-add") in err
    assert not (tmp_path / "new" / "demo-add").exists()
    # Into its own directory it updates the lesson in place, with --replace only.
    assert main(["lessons", "import", str(nb), "--dir", str(tmp_path / "src")]) == 2
    assert "--replace" in capsys.readouterr().err
    assert main(["lessons", "import", str(nb), "--dir", str(tmp_path / "src"), "--replace"]) == 0
    assert load_catalog([tmp_path / "src"]).problems == []


def test_example_notebook_imports_cleanly(tmp_path: Path) -> None:
    folder = import_notebook(EXAMPLE, tmp_path, LessonCatalog())
    lesson, problems = load_lesson(folder)
    assert problems == [] and lesson is not None
    assert lesson.id == "example-rowwise-softplus" and len(lesson.meta.hints) == 2
    assert "Authoring notes" not in lesson.instructions  # untagged cells are scratch


def _notebook(tmp_path: Path) -> dict:  # type: ignore[type-arg]
    lesson = load_catalog([make_lesson(tmp_path / "src", "demo-add").parent]).lessons["demo-add"]
    return json.loads(nbformat.writes(lesson_to_notebook(lesson)))


def _import_problems(tmp_path: Path, doc: dict | str) -> list[str]:  # type: ignore[type-arg]
    path = tmp_path / "bad.ipynb"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    with pytest.raises(NotebookError) as info:
        import_notebook(path, tmp_path / "out", LessonCatalog())
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []  # nothing written
    return info.value.problems


def test_malformed_notebooks_get_clear_messages(tmp_path: Path) -> None:
    assert "not a notebook: invalid JSON" in _import_problems(tmp_path, "{not json")[0]
    assert "not a valid notebook" in _import_problems(tmp_path, {"cells": "nope"})[0]


def test_missing_and_misplaced_tags_name_the_cell(tmp_path: Path) -> None:
    doc = _notebook(tmp_path)
    starter = next(c for c in doc["cells"] if c["metadata"]["tags"] == ["starter"])
    starter["metadata"]["tags"] = []
    doc["cells"][0]["metadata"]["tags"] = ["instructions", "hints"]
    problems = _import_problems(tmp_path, doc)
    assert any(p.startswith("cell 1 (markdown): has several lesson tags") for p in problems), problems
    assert "no code cell tagged 'starter' (View > Cell Toolbar > Tags in Jupyter)" in problems
    doc = _notebook(tmp_path / "again")
    doc["cells"][1]["cell_type"] = "markdown"  # the inputs cell
    doc["cells"][1].pop("outputs"), doc["cells"][1].pop("execution_count")
    assert _import_problems(tmp_path / "again", doc) == [
        "cell 2 (markdown): tagged 'inputs', so it must be a code cell",
        "no code cell tagged 'inputs' (View > Cell Toolbar > Tags in Jupyter)",
    ]


def test_metadata_problems_name_the_field(tmp_path: Path) -> None:
    doc = _notebook(tmp_path)
    doc["metadata"]["jaxtutor"]["step"] = 9
    [problem] = _import_problems(tmp_path, doc)
    assert problem.startswith("metadata.jaxtutor.step:")
    del doc["metadata"]["jaxtutor"]
    assert _import_problems(tmp_path, doc)[0].startswith("metadata.jaxtutor: missing")
    doc = _notebook(tmp_path / "h")
    doc["cells"] = [c for c in doc["cells"] if c["metadata"]["tags"] != ["hints"]][: -0 or None]
    doc["cells"] = [c for c in doc["cells"]] + [
        {"cell_type": "markdown", "id": "h1", "metadata": {"tags": ["hints"]}, "source": "only one"}
    ]
    [problem] = _import_problems(tmp_path / "h", doc)
    assert problem.startswith("cells tagged 'hints'") and "at least two" in problem


def test_duplicate_id_names_the_field_and_the_other_folder(tmp_path: Path) -> None:
    doc = _notebook(tmp_path)
    path = tmp_path / "dup.ipynb"
    path.write_text(json.dumps(doc))
    catalog = load_catalog([tmp_path / "src"])
    with pytest.raises(NotebookError) as info:
        import_notebook(path, tmp_path / "elsewhere", catalog)
    [problem] = info.value.problems
    assert problem.startswith("metadata.jaxtutor.id: lesson id 'demo-add' is already used by")
    assert str(tmp_path / "src" / "demo-add") in problem


def test_front_matter_fields_travel_in_the_metadata(tmp_path: Path) -> None:
    folder = make_lesson(tmp_path / "src", "fm")
    toml = (folder / "lesson.toml").read_text().replace('title = "Add one, the JAX way"\n', "")
    (folder / "lesson.toml").write_text(toml)
    body = (folder / "instructions.md").read_text()
    (folder / "instructions.md").write_text("---\ntitle: From the front matter\n---\n" + body)
    lesson = load_catalog([tmp_path / "src"]).lessons["fm"]
    nb = lesson_to_notebook(lesson)
    assert nb.metadata["jaxtutor"]["title"] == "From the front matter"
    assert not nb.cells[0].source.startswith("---")
    path = tmp_path / "fm.ipynb"
    path.write_text(nbformat.writes(nb))
    again, problems = load_lesson(import_notebook(path, tmp_path / "out", LessonCatalog()))
    assert problems == [] and again is not None and _loader_view(again) == _loader_view(lesson)
