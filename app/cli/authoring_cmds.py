"""`jaxtutor lessons new|import|export`: author lessons from a template or a Jupyter notebook.

Registered under the ``lessons`` command of ``grading_cmds``. Every command writes only new files (it
refuses to overwrite) and loads what it wrote back through the lesson loader, so the author learns of a
problem at once, with file and field.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.config import Settings


def register(lsub: Any) -> None:
    n = lsub.add_parser("new", help="Scaffold a lesson folder that loads and passes `lessons check`.")
    n.add_argument("id", help="Lesson id: lowercase letters, digits and '-'.")
    n.add_argument("--step", type=int, required=True, help="Decision-framework step 1-6.")
    n.add_argument("--title", default=None)
    n.add_argument("--dir", type=Path, default=None, help="Where to create it (default: first of lesson_dirs, or .).")
    n.set_defaults(handler=_new)
    register_notebooks(lsub)


def default_dir(settings: Settings) -> Path:
    """An instructor's first lesson directory, else the current one (never the bundled lessons)."""
    return Path(settings.lesson_dirs[0]) if settings.lesson_dirs else Path.cwd()


def _new(args: argparse.Namespace) -> int:
    from app.lessons.scaffold import ScaffoldError, scaffold_lesson

    base = args.dir or default_dir(Settings())
    try:
        folder, problems = scaffold_lesson(base, args.id, args.step, args.title)
    except (ScaffoldError, OSError) as exc:
        print(f"jaxtutor: {exc}", file=sys.stderr)
        return 2
    for p in problems:  # a bug in the template; never expected
        print(f"PROBLEM {p}", file=sys.stderr)
    print(f"created {folder}")
    print(f"next: edit its files, then `jaxtutor lessons check {args.id}` (its directory in JAXTUTOR_LESSON_DIRS)")
    return 2 if problems else 0


def register_notebooks(lsub: Any) -> None:
    i = lsub.add_parser("import", help="Turn a tagged Jupyter notebook into a lesson folder.")
    i.add_argument("notebook", type=Path)
    i.add_argument("--dir", type=Path, default=None, help="Where to create it (default: first of lesson_dirs, or .).")
    i.add_argument("--replace", action="store_true", help="Update an existing lesson folder of the same id.")
    i.set_defaults(handler=_import)
    e = lsub.add_parser("export", help="Write a lesson as a tagged Jupyter notebook.")
    e.add_argument("id")
    e.add_argument("-o", "--output", type=Path, default=None, help="Notebook file (default: ./ID.ipynb).")
    e.add_argument("--force", action="store_true", help="Overwrite the notebook file.")
    e.set_defaults(handler=_export)


def _import(args: argparse.Namespace) -> int:
    from app.lessons import load_catalog
    from app.lessons.notebook import NotebookError, import_notebook

    settings = Settings()
    base = args.dir or default_dir(settings)
    dirs = settings.all_lesson_dirs()
    if base.is_dir() and all(d.resolve() != base.resolve() for d in dirs):
        dirs.append(base)  # ids in the target directory count as taken too
    catalog = load_catalog(dirs)
    try:
        folder = import_notebook(args.notebook, base, catalog, replace=args.replace)
    except NotebookError as exc:
        print(f"jaxtutor: {args.notebook} was not imported:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"jaxtutor: cannot write the lesson: {exc}", file=sys.stderr)
        return 2
    print(f"imported {folder}")
    return 0


def _export(args: argparse.Namespace) -> int:
    import nbformat

    from app.lessons import load_catalog
    from app.lessons.notebook import lesson_to_notebook

    catalog = load_catalog(Settings().all_lesson_dirs())
    lesson = catalog.get(args.id)
    if lesson is None:
        why = [str(p) for p in catalog.problems_for(args.id)]
        print(f"jaxtutor: no loadable lesson {args.id!r}" + (": " + "; ".join(why) if why else ""), file=sys.stderr)
        return 2
    out = args.output or Path(f"{args.id}.ipynb")
    if out.exists() and not args.force:
        print(f"jaxtutor: {out} exists; pass --force to overwrite it", file=sys.stderr)
        return 2
    try:
        out.write_text(nbformat.writes(lesson_to_notebook(lesson)), encoding="utf-8")
    except OSError as exc:
        print(f"jaxtutor: cannot write {out}: {exc}", file=sys.stderr)
        return 2
    print(f"exported {args.id} to {out}")
    return 0
