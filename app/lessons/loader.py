"""Load and validate lesson folders from several directories.

Every problem is reported as file + field + what was expected; a broken lesson is left out of the
catalog and never stops the others from loading. Nothing here executes lesson code: Python files are
only parsed.
"""

from __future__ import annotations

import ast
import hashlib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.lessons.model import Lesson, LessonMeta, LessonProblem

REQUIRED_FILES = ("lesson.toml", "instructions.md", "starter.py", "solution.py", "inputs.py")
MAX_FILE_BYTES = 256 * 1024


@dataclass
class LessonCatalog:
    lessons: dict[str, Lesson] = field(default_factory=dict)
    problems: list[LessonProblem] = field(default_factory=list)

    def ordered(self) -> list[Lesson]:
        return sorted(self.lessons.values(), key=lambda lesson: (lesson.meta.step, lesson.meta.order, lesson.id))

    def get(self, lesson_id: str) -> Lesson | None:
        return self.lessons.get(lesson_id)


def load_catalog(dirs: Iterable[Path]) -> LessonCatalog:
    catalog = LessonCatalog()
    for base in dirs:
        base = Path(base)
        if not base.is_dir():
            catalog.problems.append(LessonProblem(lesson=str(base.name), file="", field="", message="not a directory"))
            continue
        for folder in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
            if not (folder / "lesson.toml").exists():
                continue
            lesson, problems = load_lesson(folder)
            catalog.problems.extend(problems)
            if lesson is None:
                continue
            if lesson.id in catalog.lessons:
                catalog.problems.append(
                    LessonProblem(
                        lesson=folder.name,
                        file="lesson.toml",
                        field="id",
                        message=f"duplicate lesson id {lesson.id!r} (already loaded from another directory)",
                    )
                )
                continue
            catalog.lessons[lesson.id] = lesson
    return catalog


def load_lesson(folder: Path) -> tuple[Lesson | None, list[LessonProblem]]:
    name = folder.name
    problems: list[LessonProblem] = []

    def problem(file: str, fld: str, message: str) -> None:
        problems.append(LessonProblem(lesson=name, file=file, field=fld, message=message))

    texts: dict[str, str] = {}
    for fname in (*REQUIRED_FILES, "baseline.py"):
        path = folder / fname
        if not path.exists():
            if fname in REQUIRED_FILES:
                problem(fname, "", "file is missing")
            continue
        if path.stat().st_size > MAX_FILE_BYTES:
            problem(fname, "", f"file is larger than {MAX_FILE_BYTES} bytes")
            continue
        try:
            texts[fname] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problem(fname, "", "expected UTF-8 text")
    if "lesson.toml" not in texts:
        return None, problems

    meta: LessonMeta | None = None
    try:
        raw = tomllib.loads(texts["lesson.toml"])
    except tomllib.TOMLDecodeError as exc:
        problem("lesson.toml", "", f"not valid TOML: {exc}")
        raw = None
    if raw is not None:
        raw.setdefault("id", name)
        try:
            meta = LessonMeta.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
                problem("lesson.toml", loc, _expected(err))

    entry = meta.entry if meta else "f"
    for fname in ("starter.py", "solution.py", "baseline.py"):
        if fname in texts:
            _check_python(texts[fname], fname, {entry}, problem)
    if "inputs.py" in texts:
        _check_python(texts["inputs.py"], "inputs.py", {"make_args"}, problem)
    if meta is not None:
        if len(meta.hints) < 2:
            problem("lesson.toml", "hints", "expected at least two progressive hints")
        if meta.checks.speedup is not None and "baseline.py" not in texts:
            problem("baseline.py", "", "checks.speedup is enabled, so a baseline.py is required")
        if meta.checks.structure is not None and meta.checks.structure.max_temp_ratio and "baseline.py" not in texts:
            problem(
                "baseline.py",
                "",
                "checks.structure.max_temp_ratio compares against baseline.py, which is missing",
            )
    if "instructions.md" in texts and len(texts["instructions.md"].strip()) < 200:
        problem("instructions.md", "", "expected real instructions (at least a few paragraphs)")

    if problems or meta is None:
        return None, problems
    digest = hashlib.sha256()
    for fname in sorted(texts):
        digest.update(fname.encode() + b"\0" + texts[fname].encode() + b"\0")
    lesson = Lesson(
        meta=meta,
        path=folder,
        instructions=texts["instructions.md"],
        starter=texts["starter.py"],
        solution=texts["solution.py"],
        inputs=texts["inputs.py"],
        baseline=texts.get("baseline.py"),
        content_hash=digest.hexdigest()[:16],
    )
    return lesson, problems


def _check_python(source: str, fname: str, must_define: set[str], problem: object) -> None:
    report = problem  # callable(file, field, message)
    try:
        tree = ast.parse(source, filename=fname)
    except SyntaxError as exc:
        report(fname, f"line {exc.lineno}", f"syntax error: {exc.msg}")  # type: ignore[operator]
        return
    defined = {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
    for node in tree.body:
        if isinstance(node, ast.Assign):
            defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
    for name in sorted(must_define - defined):
        report(fname, name, f"expected a top-level definition of {name!r}")  # type: ignore[operator]


def _expected(err: Any) -> str:
    msg = str(err.get("msg", "invalid"))
    if err.get("type") == "missing":
        return "required field is missing"
    if err.get("type") == "extra_forbidden":
        return "unknown field (check the spelling against lessons/README.md)"
    return msg
