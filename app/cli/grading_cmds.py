"""`jaxtutor check`, `grade` and `lessons list|check`.

Exit codes: 0 every check passed, 1 a check failed, 2 an error in the submission (or grading) or a
usage error. Reports are printed as text, or as the JSON document with ``--json``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli import authoring_cmds, regrade_cmds
from app.config import Settings

if TYPE_CHECKING:
    from app.grader.report import Report

# The grading pipeline, the verdicts (NumPy) and the lesson models are imported by the commands that use
# them: `jaxtutor check` starts its kernel first and imports them while the kernel starts.

EXIT = {"pass": 0, "fail": 1, "error": 2}
MARK = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "skip": "SKIP"}
TALLY = (("pass", "passed"), ("fail", "failed"), ("error", "could not be judged"), ("skip", "not checked"))


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

    lessons = sub.add_parser("lessons", help="List, prove, scaffold, import or export lessons.")
    lsub = lessons.add_subparsers(dest="lessons_command", required=True)
    ll = lsub.add_parser("list")
    ll.add_argument("--json", action="store_true")
    ll.set_defaults(handler=_lessons_list)
    lc = lsub.add_parser("check", help="Prove lessons: solution passes, starter fails, baseline slower.")
    lc.add_argument("ids", nargs="*")
    lc.add_argument("--json", action="store_true", help="One JSON document with every per-check table.")
    lc.set_defaults(handler=_lessons_check)
    authoring_cmds.register(lsub)
    regrade_cmds.register(lsub)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"jaxtutor: cannot read {path}: {exc.__class__.__name__}", file=sys.stderr)
        return None


def _sandbox_refusal(settings: Settings, *, share: bool = True) -> str | None:
    """Why grading must refuse to run (no sandbox), or None. ``share``: take the shared lock on the runtime
    directory first (a caller that starts kernels before asking has taken it already)."""
    from app.services.host import share_runtime_dir

    if share:
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
        by = report.counts()
        tally = ", ".join(f"{len(by[k])} {word}" for k, word in TALLY if by[k])
        print(f"{MARK[doc['status']]}  score {doc['score']:.2f}  ({tally})" if tally else f"{MARK[doc['status']]}")
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
    return asyncio.run(_check_started_early(args, settings, source, static))


async def _check_started_early(
    args: argparse.Namespace, settings: Settings, source: str, static: tuple[int, ...]
) -> int:
    """Start the kernel first, then check the sandbox and import the verdict code while it starts (they
    took ~0.7 s before the start began). Refusing still happens before any learner code runs: the code
    only enters the kernel when grading takes it, and a refused start is shut down unused."""
    from app.grader.kernel_source import StartedEarly, default_source
    from app.grader.pipeline import free_code_kernel_config, grade_free_code
    from app.services.host import share_runtime_dir

    share_runtime_dir(settings)  # before the first kernel directory exists; held until this command exits
    settings.ensure_dirs()
    early = StartedEarly(default_source(settings), free_code_kernel_config(settings, source))
    try:
        why, _ = await asyncio.gather(
            asyncio.to_thread(_sandbox_refusal, settings, share=False),
            asyncio.to_thread(importlib.import_module, "app.grader.verdicts"),
        )
        if why:
            print(f"jaxtutor: refusing to run untrusted code: {why}", file=sys.stderr)
            return 2
        report = await grade_free_code(
            source,
            settings,
            entry=args.entry,
            static_argnums=static,
            min_speedup=args.min_speedup,
            kernel_source=early,
        )
    finally:
        await early.close()
    return _print_report(report, args.json)


def _grade(args: argparse.Namespace) -> int:
    from app.grader.pipeline import grade_lesson
    from app.lessons import load_catalog

    settings = Settings()
    catalog = load_catalog(settings.all_lesson_dirs())
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
    from app.lessons import load_catalog

    settings = Settings()
    catalog = load_catalog(settings.all_lesson_dirs())
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
    return asyncio.run(check_lessons(settings, list(args.ids), as_json=args.json))
