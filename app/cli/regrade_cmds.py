"""``jaxtutor lessons regrade ID``: re-grade a lesson's submissions after an edit, from the command line.

The same action as the preview page's button and ``POST /api/v1/lessons/{id}/regrades``
(``app.services.regrade.request_regrade``): it queues re-grades in the database against the lesson version
this server's lesson directories hold now, and the grading queue of a running ``jaxtutor serve`` (any
replica on the same database) grades them after learners' own submissions. ``--wait`` follows the
progress until every re-grade has finished. Exit codes: 0 queued (or, with ``--wait``, all finished
without failure), 1 with ``--wait``: some failed (the infrastructure; the original verdicts stand) or the
wait timed out, 2 a usage error (unknown lesson, a refused request).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING, Any

from app.services.regrade_scopes import DEFAULT_SCOPE, SCOPES

if TYPE_CHECKING:
    from app.services import regrade


def register(lsub: Any) -> None:
    rg = lsub.add_parser("regrade", help="Re-grade a lesson's submissions against its current version.")
    rg.add_argument("lesson")
    rg.add_argument(
        "--scope",
        choices=SCOPES,
        default=DEFAULT_SCOPE,
        help="latest (default): each learner's newest submission; all: every graded submission; "
        "ungrouped: every graded submission without a cluster (graded by an older release).",
    )
    rg.add_argument("--wait", action="store_true", help="Follow the progress until every re-grade has finished.")
    rg.add_argument("--timeout", type=float, default=3600.0, help="Seconds --wait waits at most (default 3600).")
    rg.add_argument("--json", action="store_true", help="Print the final state as JSON.")
    rg.set_defaults(handler=_regrade)


def _line(p: regrade.RegradeProgress) -> str:
    return (
        f"{p.finished} of {p.total} done ({p.running} grading, {p.queued} waiting, "
        f"{p.failed} failed, {p.changed} verdicts changed)"
    )


def _regrade(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from app.cli.server_cmds import open_engine, settings_from_env
    from app.lessons import load_catalog
    from app.services import regrade

    settings = settings_from_env()
    catalog = load_catalog(settings.all_lesson_dirs())
    lesson = catalog.get(args.lesson)
    if lesson is None:
        print(f"jaxtutor: no lesson {args.lesson!r}; see `jaxtutor lessons list`", file=sys.stderr)
        for problem in catalog.problems_for(args.lesson):
            print(f"PROBLEM {problem}", file=sys.stderr)
        return 2
    engine = open_engine(settings)
    try:
        with Session(engine, expire_on_commit=False) as session:
            try:
                asked = regrade.request_regrade(
                    session=session,
                    lesson_id=lesson.id,
                    lesson_version=lesson.content_hash,
                    scope=args.scope,
                    max_jobs=settings.regrade_max_jobs,
                )
            except regrade.RegradeError as exc:
                print(f"jaxtutor: {exc}", file=sys.stderr)
                return 2
            if not args.json:
                print(
                    f"{lesson.id} version {lesson.content_hash}: queued {asked.added} re-grade(s) "
                    f"({asked.requeued} after a failure); {asked.already} already graded against it or in progress."
                )
            state = regrade.regrade_progress(session=session, lesson_id=lesson.id, lesson_version=lesson.content_hash)
            deadline = time.monotonic() + args.timeout
            shown = ""
            while args.wait and state.active and time.monotonic() < deadline:
                if not args.json and _line(state) != shown:
                    shown = _line(state)
                    print(shown, flush=True)
                session.commit()  # a fresh snapshot each poll (SQLite keeps one per transaction)
                time.sleep(settings.grading_poll_s)
                state = regrade.regrade_progress(
                    session=session, lesson_id=lesson.id, lesson_version=lesson.content_hash
                )
    finally:
        engine.dispose()
    if args.json:
        doc = {**state.__dict__, "finished": state.finished, "active": state.active, "added": asked.added}
        print(json.dumps(doc, indent=2))
    else:
        print(_line(state) if args.wait else f"{_line(state)}; a running server grades them (see --wait).")
    if args.wait and (state.active or state.failed):
        return 1
    return 0
