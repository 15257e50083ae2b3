"""`jaxtutor check`, `grade` and `lessons list|check`.

Exit codes: 0 every check passed, 1 a check failed, 2 an error in the submission (or grading) or a
usage error. Reports are printed as text, or as the JSON document with ``--json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from app.config import Settings
from app.grader.pipeline import grade_free_code, grade_lesson
from app.grader.report import Report
from app.lessons import load_catalog

EXIT = {"pass": 0, "fail": 1, "error": 2}
MARK = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "skip": "SKIP"}


def register(sub: Any) -> None:
    p = sub.add_parser("check", help="Run the validation checks on any JAX code.")
    p.add_argument("file", type=Path)
    p.add_argument("--entry", default="f", help="Name of the function to check (default f).")
    p.add_argument("--static-argnums", default="", help="Comma-separated positions of static arguments.")
    p.add_argument("--min-speedup", type=float, default=None, help="Fail unless baseline/f speedup reaches this.")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_check)

    g = sub.add_parser("grade", help="Grade a submission for a lesson.")
    g.add_argument("lesson")
    g.add_argument("file", type=Path)
    g.add_argument("--json", action="store_true")
    g.set_defaults(handler=_grade)

    lessons = sub.add_parser("lessons", help="List or prove lessons.")
    lsub = lessons.add_subparsers(dest="lessons_command", required=True)
    ll = lsub.add_parser("list")
    ll.add_argument("--json", action="store_true")
    ll.set_defaults(handler=_lessons_list)
    lc = lsub.add_parser("check", help="Prove lessons: solution passes, starter fails, baseline slower.")
    lc.add_argument("ids", nargs="*")
    lc.set_defaults(handler=_lessons_check)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"jaxtutor: cannot read {path}: {exc.__class__.__name__}", file=sys.stderr)
        return None


def _sandbox_refusal(settings: Settings) -> str | None:
    """Why grading must refuse to run (no sandbox), or None."""
    from app.services.host import share_runtime_dir

    share_runtime_dir(settings)  # held until this command exits
    if settings.unsafe_no_sandbox:
        print(
            "WARNING: JAXTUTOR_UNSAFE_NO_SANDBOX is set: learner code runs WITHOUT a sandbox. Development only.",
            file=sys.stderr,
        )
        return None
    if settings.kernel_backend == "gateway":
        return None if settings.gateway_url else "kernel_backend is 'gateway' but JAXTUTOR_GATEWAY_URL is not set"
    from kernels.sandbox.readiness import check_sandbox

    report = check_sandbox(
        user=settings.sandbox_user,
        runtime_dir=settings.runtime_dir,
        python=settings.kernel_python_path(),
        smoke=False,
    )
    return None if report.ready else report.reason + " (see `jaxtutor doctor`)"


def _print_report(report: Report, as_json: bool) -> int:
    doc = report.to_json()
    if as_json:
        print(json.dumps(doc, indent=2))
    else:
        head = f"{MARK[doc['status']]}  score {doc['score']:.2f}"
        print(head)
        print(doc["message"])
        for c in doc["checks"]:
            print(f"  [{MARK[c['status']]:5}] {c['name']:<14} {c['message']}")
        if doc["output"]:
            print("\nYour code printed:\n" + doc["output"])
    return EXIT[doc["status"]]


def _check(args: argparse.Namespace) -> int:
    settings = Settings()
    source = _read(args.file)
    if source is None:
        return 2
    try:
        static = tuple(int(s) for s in args.static_argnums.split(",") if s.strip())
    except ValueError:
        print("jaxtutor: --static-argnums takes comma-separated integers, e.g. 1,2", file=sys.stderr)
        return 2
    why = _sandbox_refusal(settings)
    if why:
        print(f"jaxtutor: refusing to run untrusted code: {why}", file=sys.stderr)
        return 2
    settings.ensure_dirs()
    report = asyncio.run(
        grade_free_code(source, settings, entry=args.entry, static_argnums=static, min_speedup=args.min_speedup)
    )
    return _print_report(report, args.json)


def _grade(args: argparse.Namespace) -> int:
    settings = Settings()
    catalog = load_catalog(settings.lesson_dirs)
    lesson = catalog.get(args.lesson)
    if lesson is None:
        print(f"jaxtutor: no lesson {args.lesson!r}; see `jaxtutor lessons list`", file=sys.stderr)
        return 2
    source = _read(args.file)
    if source is None:
        return 2
    why = _sandbox_refusal(settings)
    if why:
        print(f"jaxtutor: refusing to run untrusted code: {why}", file=sys.stderr)
        return 2
    settings.ensure_dirs()
    report = asyncio.run(grade_lesson(lesson, source, settings))
    return _print_report(report, args.json)


def _lessons_list(args: argparse.Namespace) -> int:
    settings = Settings()
    catalog = load_catalog(settings.lesson_dirs)
    rows = [
        {
            "id": lesson.id,
            "title": lesson.meta.title,
            "step": lesson.meta.step,
            "order": lesson.meta.order,
            "checks": lesson.meta.checks.enabled(),
        }
        for lesson in catalog.ordered()
    ]
    if args.json:
        print(json.dumps({"lessons": rows, "problems": [str(p) for p in catalog.problems]}, indent=2))
    else:
        for r in rows:
            print(f"step {r['step']}  {r['id']:<32} {r['title']}")
        for p in catalog.problems:
            print(f"PROBLEM {p}", file=sys.stderr)
    return 2 if catalog.problems else 0


def _lessons_check(args: argparse.Namespace) -> int:
    from app.grader.lessons_check import check_lessons

    settings = Settings()
    why = _sandbox_refusal(settings)
    if why:
        print(f"jaxtutor: refusing to run lesson code: {why}", file=sys.stderr)
        return 2
    settings.ensure_dirs()
    return asyncio.run(check_lessons(settings, list(args.ids)))
