"""A lesson as one Jupyter notebook, and back (`jaxtutor lessons import|export`).

Instructors write in notebooks. The notebook carries the lesson in tagged cells and its metadata:

- ``metadata.jaxtutor``: the lesson.toml fields (id, title, step, checks, ...), hints excepted;
- a markdown cell tagged ``instructions`` (several are joined with a blank line): instructions.md;
- code cells tagged ``starter``, ``solution``, ``inputs`` (inputs.py: ``make_args(seed)``, the hidden
  inputs) and optionally ``baseline``; several cells with one tag are joined with a blank line;
- markdown cells tagged ``hints``, one hint each, in order.

Untagged cells are the author's scratch work and are ignored. ``import(export(lesson))`` loads as the
same lesson (metadata and file texts; lesson.toml's formatting may differ).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from app.lessons.loader import LessonCatalog, load_lesson
from app.lessons.frontmatter import FRONT_MATTER_FIELDS, FrontMatterError, split_front_matter
from app.lessons.model import CHECK_NAMES, Checks, Lesson, LessonMeta
from app.lessons.toml_write import dumps as toml_dumps

CODE_TAGS = {"starter": "starter.py", "solution": "solution.py", "inputs": "inputs.py", "baseline": "baseline.py"}
MARKDOWN_TAGS = ("instructions", "hints")
REQUIRED_TAGS = ("instructions", "starter", "solution", "inputs")
KNOWN_TAGS = (*MARKDOWN_TAGS, *CODE_TAGS)


class NotebookError(ValueError):
    """The notebook cannot become a lesson; ``problems`` says where (cell or field) and what is expected."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class NotebookLesson:
    lesson_id: str
    files: dict[str, str]  # file name -> text, as the lesson folder will hold them
    locations: dict[str, str]  # file name -> where in the notebook it came from (for the loader's problems)


# -- export -----------------------------------------------------------------------------------------
def lesson_to_notebook(lesson: Lesson) -> nbformat.NotebookNode:
    """The authoring notebook of a loaded lesson (its lesson.toml read again, so defaults stay implicit)."""
    raw = tomllib.loads((lesson.path / "lesson.toml").read_text(encoding="utf-8"))
    try:
        front, _ = split_front_matter((lesson.path / "instructions.md").read_text(encoding="utf-8"))
    except FrontMatterError:
        front = {}
    for key in FRONT_MATTER_FIELDS:  # fields the front matter supplied now live in the metadata
        if key in front:
            raw.setdefault(key, front[key])
    raw.setdefault("id", lesson.id)
    hints = list(raw.pop("hints", []))
    v4 = nbformat.v4
    cells = [_tagged(v4.new_markdown_cell(lesson.instructions), "instructions")]
    cells.append(_tagged(v4.new_code_cell(lesson.inputs), "inputs"))
    cells.append(_tagged(v4.new_code_cell(lesson.starter), "starter"))
    cells.append(_tagged(v4.new_code_cell(lesson.solution), "solution"))
    if lesson.baseline is not None:
        cells.append(_tagged(v4.new_code_cell(lesson.baseline), "baseline"))
    cells.extend(_tagged(v4.new_markdown_cell(h), "hints") for h in hints)
    nb = v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["jaxtutor"] = raw
    return nb


def _tagged(cell: Any, tag: str) -> Any:
    cell.metadata["tags"] = [tag]
    return cell


# -- import -----------------------------------------------------------------------------------------
def read_notebook(text: str, name: str = "notebook") -> nbformat.NotebookNode:
    """Parse and validate; every failure is a NotebookError saying what is wrong and where."""
    try:
        json.loads(text)
    except ValueError as exc:
        raise NotebookError([f"{name}: not a notebook: invalid JSON ({exc})"]) from None
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        where = "/".join(str(p) for p in getattr(exc, "absolute_path", []) or [])
        raise NotebookError([f"{name}: not a valid notebook (nbformat 4){' at ' + where if where else ''}: {exc.message}"]) from None
    except Exception as exc:  # nbformat raises several types for unreadable documents
        raise NotebookError([f"{name}: not a valid notebook: {exc}"]) from None
    return nb


def notebook_to_lesson(nb: nbformat.NotebookNode, fallback_id: str) -> NotebookLesson:
    """The lesson files a notebook describes; raises NotebookError listing every problem found."""
    problems: list[str] = []
    meta = nb.metadata.get("jaxtutor")
    if meta is None:
        problems.append(
            "metadata.jaxtutor: missing; expected the lesson.toml fields (title, step, checks, ...) in the "
            "notebook's metadata (Edit > Notebook metadata in Jupyter)"
        )
        meta = {}
    elif not isinstance(meta, dict):
        problems.append(f"metadata.jaxtutor: expected a mapping of lesson.toml fields, got {type(meta).__name__}")
        meta = {}
    meta = json.loads(json.dumps(meta))  # plain dicts and lists
    chunks: dict[str, list[str]] = {tag: [] for tag in KNOWN_TAGS}
    where: dict[str, list[str]] = {tag: [] for tag in KNOWN_TAGS}
    for i, cell in enumerate(nb.cells):
        tags = [t for t in cell.get("metadata", {}).get("tags", []) if t in KNOWN_TAGS]
        label = f"cell {i + 1} ({cell.cell_type})"
        if len(tags) > 1:
            problems.append(f"{label}: has several lesson tags {tags}; give each cell one of {list(KNOWN_TAGS)}")
            continue
        if not tags:
            continue
        tag = tags[0]
        expected = "markdown" if tag in MARKDOWN_TAGS else "code"
        if cell.cell_type != expected:
            problems.append(f"{label}: tagged {tag!r}, so it must be a {expected} cell")
            continue
        chunks[tag].append(cell.source)
        where[tag].append(f"cell {i + 1}")
    for tag in REQUIRED_TAGS:
        if not chunks[tag]:
            kind = "markdown" if tag in MARKDOWN_TAGS else "code"
            problems.append(f"no {kind} cell tagged {tag!r} (View > Cell Toolbar > Tags in Jupyter)")
    if chunks["hints"] and "hints" in meta:
        problems.append("metadata.jaxtutor.hints: hints are also in cells tagged 'hints'; keep them in one place")
    lesson_id = meta.get("id", fallback_id)
    if not isinstance(lesson_id, str):
        problems.append(f"metadata.jaxtutor.id: expected a string, got {lesson_id!r}")
    if problems:
        raise NotebookError(problems)
    if chunks["hints"]:
        meta["hints"] = list(chunks["hints"])
    meta["id"] = lesson_id
    try:
        toml_text = toml_dumps(_in_field_order(meta))
    except TypeError as exc:
        raise NotebookError([f"metadata.jaxtutor: {exc}"]) from None
    files = {"lesson.toml": toml_text, "instructions.md": _join(chunks["instructions"])}
    locations = {"lesson.toml": "metadata.jaxtutor", "instructions.md": "cells tagged 'instructions'"}
    for tag, fname in CODE_TAGS.items():
        if chunks[tag]:
            files[fname] = _join(chunks[tag])
            locations[fname] = f"{', '.join(where[tag])} (tagged {tag!r})"
    return NotebookLesson(lesson_id, files, locations)


def _join(parts: list[str]) -> str:
    """Cells joined by a blank line, ending in exactly one newline (Jupyter drops a cell's last one)."""
    return "\n\n".join(p.rstrip("\n") for p in parts) + "\n"


# -- into a lesson folder ------------------------------------------------------------------------------
def import_notebook(path: Path, base: Path, catalog: LessonCatalog, *, replace: bool = False) -> Path:
    """Write the lesson of notebook ``path`` as ``base/<id>``, only once it loads cleanly.

    The files are written to a hidden folder beside the target and loaded there first; a lesson with
    problems is never written, and ``replace`` swaps an existing folder of the same id in one rename."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookError([f"{path}: cannot read it ({exc.__class__.__name__})"]) from None
    nl = notebook_to_lesson(read_notebook(text, path.name), fallback_id=path.stem)
    target = base / nl.lesson_id
    other = catalog.folder_of(nl.lesson_id)
    if other is not None and other.lesson is not None and other.folder.resolve() != target.resolve():
        raise NotebookError(
            [f"metadata.jaxtutor.id: lesson id {nl.lesson_id!r} is already used by {other.folder}; choose another id"]
        )
    if target.exists() and not replace:
        raise NotebookError([f"{target} already exists; pass --replace to update it from the notebook"])
    base.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".import-{nl.lesson_id}-", dir=base))
    try:
        for fname, body in nl.files.items():
            (staging / fname).write_text(body, encoding="utf-8")
        _, problems = load_lesson(staging)
        if problems:
            raise NotebookError([f"{_locate(p.file, p.field, nl)}: {p.message}" for p in problems])
        staging.chmod(0o755)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".replaced-{nl.lesson_id}-", dir=base))
            target.rename(old / nl.lesson_id)
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _locate(fname: str, fld: str, nl: NotebookLesson) -> str:
    """A loader problem's place in the notebook: a metadata field or the cells a file came from."""
    if fname == "lesson.toml" and fld == "hints":
        return "cells tagged 'hints' (or metadata.jaxtutor.hints)"
    if fname == "lesson.toml" and fld:
        return f"metadata.jaxtutor.{fld}"
    where = nl.locations.get(fname)
    if where is None:  # e.g. baseline.py required by checks.speedup but no cell tagged 'baseline'
        tag = next((t for t, f in CODE_TAGS.items() if f == fname), fname)
        where = f"a code cell tagged {tag!r} (none found)"
    return f"{where}{': ' + fld if fld else ''} [{fname}]"


def _in_field_order(meta: dict[str, Any]) -> dict[str, Any]:
    """lesson.toml keys in the order the format documents them (notebooks store metadata sorted)."""
    top = _order_like(meta, list(LessonMeta.model_fields))
    checks = top.get("checks")
    if isinstance(checks, dict):
        ordered = _order_like(checks, list(CHECK_NAMES))
        for name, cfg in ordered.items():
            model = Checks.model_fields.get(name)
            if isinstance(cfg, dict) and model is not None:
                cls = next((a for a in typing.get_args(model.annotation) if hasattr(a, "model_fields")), None)
                ordered[name] = _order_like(cfg, list(cls.model_fields) if cls else [])
        top["checks"] = ordered
    return top


def _order_like(data: dict[str, Any], order: list[str]) -> dict[str, Any]:
    known = {k: data[k] for k in order if k in data}
    return known | {k: v for k, v in data.items() if k not in known}
