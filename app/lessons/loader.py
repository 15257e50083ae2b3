"""Load and validate lesson folders from several directories.

Every problem is reported as file + field + what was expected; a broken lesson is left out of the
catalog and never stops the others from loading. Nothing here executes lesson code: Python files are
only parsed.
"""

from __future__ import annotations

import ast
import hashlib
import os
import threading
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.grader.checks.registry import default_registry
from app.lessons.frontmatter import FRONT_MATTER_FIELDS, IGNORED_KEYS, FrontMatterError, split_front_matter
from app.lessons.model import Lesson, LessonMeta, LessonProblem

REQUIRED_FILES = ("lesson.toml", "instructions.md", "starter.py", "solution.py", "inputs.py")
MAX_FILE_BYTES = 256 * 1024


Fingerprint = tuple[tuple[str, int, int], ...]


@dataclass
class FolderState:
    """One lesson folder as last seen: its files' (name, mtime, size), the last version that loaded
    cleanly (still served while an edit is broken) and the problems of the files as they are now."""

    folder: Path
    fingerprint: Fingerprint
    lesson: Lesson | None
    problems: list[LessonProblem]


@dataclass
class LessonCatalog:
    """The served lessons. ``refresh`` re-reads only the folders whose files changed, so the same object
    (shared by the routes and the grading queue) stays current without a restart."""

    dirs: list[Path] = field(default_factory=list)
    lessons: dict[str, Lesson] = field(default_factory=dict)
    problems: list[LessonProblem] = field(default_factory=list)
    # lesson id -> problems of its current, broken files while its last good version is still served
    stale: dict[str, list[LessonProblem]] = field(default_factory=dict)
    folders: dict[Path, FolderState] = field(default_factory=dict)
    _order: list[Path] = field(default_factory=list)
    _dir_problems: list[LessonProblem] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def ordered(self) -> list[Lesson]:
        return sorted(self.lessons.values(), key=lambda lesson: (lesson.meta.step, lesson.meta.order, lesson.id))

    def get(self, lesson_id: str) -> Lesson | None:
        return self.lessons.get(lesson_id)

    def folder_of(self, lesson_id: str) -> FolderState | None:
        """The folder serving ``lesson_id``, or a broken folder of that name (no good version yet)."""
        lesson = self.lessons.get(lesson_id)
        for state in self.folders.values():
            if (lesson is not None and state.lesson is lesson) or (lesson is None and state.folder.name == lesson_id):
                return state
        return None

    def problems_for(self, lesson_id: str) -> list[LessonProblem]:
        state = self.folder_of(lesson_id)
        names = {lesson_id} | ({state.folder.name} if state else set())
        return [p for p in self.problems if p.lesson in names]

    def refresh(self) -> list[str]:
        """Reload the lesson folders that were added, edited or removed since the last call (a stat of
        each file decides); returns the names of the folders that changed. A folder whose new files do
        not load keeps its last good lesson served and reports the problems."""
        with self._lock:
            changed: list[str] = []
            order: list[Path] = []
            dir_problems: list[LessonProblem] = []
            for base in self.dirs:
                base = Path(base)
                if not base.is_dir():
                    dir_problems.append(
                        LessonProblem(lesson=base.name, file=str(base), field="", message="not a directory")
                    )
                    continue
                order.extend(lesson_folders(base))
            for folder in order:
                fp = fingerprint(folder)
                old = self.folders.get(folder)
                if old is not None and old.fingerprint == fp:
                    continue
                lesson, problems = load_lesson(folder)
                last_good = lesson or (old.lesson if old else None)
                self.folders[folder] = FolderState(folder, fp, last_good, problems)
                changed.append(folder.name)
            for gone in set(self.folders) - set(order):
                del self.folders[gone]
                changed.append(gone.name)
            self._order, self._dir_problems = order, dir_problems
            self._assemble()
            return changed

    def _assemble(self) -> None:
        lessons: dict[str, Lesson] = {}
        owner: dict[str, Path] = {}
        problems = list(self._dir_problems)
        stale: dict[str, list[LessonProblem]] = {}
        for folder in self._order:
            state = self.folders[folder]
            problems.extend(state.problems)
            if state.lesson is None:
                continue
            lesson_id = state.lesson.id
            if lesson_id in lessons:
                problems.append(
                    LessonProblem(
                        lesson=folder.name,
                        file="lesson.toml",
                        field="id",
                        message=f"duplicate lesson id {lesson_id!r}: defined in {folder} and in {owner[lesson_id]}; "
                        f"only the one in {owner[lesson_id]} is served (give one of them another id)",
                    )
                )
                continue
            lessons[lesson_id], owner[lesson_id] = state.lesson, folder
            if state.problems:
                stale[lesson_id] = state.problems
        self.lessons, self.problems, self.stale = lessons, problems, stale


def lesson_folders(base: Path) -> list[Path]:
    """The lesson folders of one directory, in name order (hidden and ``_`` folders skipped)."""
    try:
        entries = sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    except OSError:
        return []
    return [p for p in entries if (p / "lesson.toml").exists()]


def fingerprint(folder: Path) -> Fingerprint:
    """(name, mtime, size) of each file in ``folder``: what changes when an instructor saves a file."""
    rows = []
    try:
        with os.scandir(folder) as it:
            for entry in it:
                if entry.is_file():
                    st = entry.stat()
                    rows.append((entry.name, st.st_mtime_ns, st.st_size))
    except OSError:
        return ()
    return tuple(sorted(rows))


def load_catalog(dirs: Iterable[Path]) -> LessonCatalog:
    catalog = LessonCatalog(dirs=[Path(d) for d in dirs])
    catalog.refresh()
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
    front: dict[str, Any] = {}
    instructions = texts.get("instructions.md", "")
    if "instructions.md" in texts:
        try:
            front, instructions = split_front_matter(texts["instructions.md"])
        except FrontMatterError as exc:
            problem("instructions.md", "front matter", str(exc))
        for key in sorted(set(front) - set(FRONT_MATTER_FIELDS) - set(IGNORED_KEYS)):
            problem(
                "instructions.md",
                f"front matter: {key}",
                f"unknown key; expected some of {list(FRONT_MATTER_FIELDS)} (other fields belong in lesson.toml)",
            )
    try:
        raw = tomllib.loads(texts["lesson.toml"])
    except tomllib.TOMLDecodeError as exc:
        problem("lesson.toml", "", f"not valid TOML: {exc}")
        raw = None
    if raw is not None:
        raw.setdefault("id", name)
        for key in FRONT_MATTER_FIELDS:
            if key not in front:
                continue
            if key in raw and raw[key] != front[key]:
                problem(
                    "instructions.md",
                    f"front matter: {key}",
                    f"differs from {key} in lesson.toml ({raw[key]!r}); set it in one place only",
                )
            raw.setdefault(key, front[key])
        try:
            meta = LessonMeta.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
                problem("lesson.toml", loc, _expected(err))

    # Without valid metadata the entry name is unknown: only the syntax is checked then, so one bad
    # lesson.toml is one problem, not one more per Python file.
    entry = meta.entry if meta else _declared_entry(raw)
    for fname in ("starter.py", "solution.py", "baseline.py"):
        if fname in texts:
            _check_python(texts[fname], fname, {entry} if entry else set(), problem)
    if "inputs.py" in texts:
        _check_python(texts["inputs.py"], "inputs.py", {"make_args"}, problem)
    if meta is not None:
        if len(meta.hints) < 2:
            problem("lesson.toml", "hints", "expected at least two progressive hints")
        for name, cfg in meta.checks.dumps().items():
            why = default_registry()[name].needs_baseline(cfg)
            if why and "baseline.py" not in texts:
                problem("baseline.py", "", why)
    if "instructions.md" in texts and len(instructions.strip()) < 200:
        problem("instructions.md", "", "expected real instructions (at least a few paragraphs)")

    if problems or meta is None:
        return None, problems
    digest = hashlib.sha256()
    for fname in sorted(texts):
        digest.update(fname.encode() + b"\0" + texts[fname].encode() + b"\0")
    lesson = Lesson(
        meta=meta,
        path=folder,
        instructions=instructions,
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


def _declared_entry(raw: dict[str, Any] | None) -> str | None:
    """The entry name lesson.toml asks for when it is itself valid, else None (unknown)."""
    if raw is None:
        return None
    entry = raw.get("entry", "f")
    return entry if isinstance(entry, str) and entry.isidentifier() else None


def _expected(err: Any) -> str:
    msg = str(err.get("msg", "invalid"))
    if err.get("type") == "missing":
        return "required field is missing"
    if err.get("type") == "extra_forbidden":
        return "unknown field (check the spelling against lessons/README.md)"
    return msg
