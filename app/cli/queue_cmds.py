"""``jaxtutor grading list|retry``: submissions not graded because of the server, for an operator.

A grading that failed for an infrastructure reason (a full disk, a database error, no kernel could start)
is retried with backoff and, after ``grading_infra_retries``, set aside as ``stalled`` (not graded, will
retry; ``app.services.grading_retry``). Once the cause is fixed, ``jaxtutor grading retry`` queues them
again; a running server claims them within ``grading_poll_s``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.cli.server_cmds import with_session
from app.config import Settings


def register(sub: Any) -> None:
    grading = sub.add_parser("grading", help="Submissions not graded because of a server problem.")
    gsub = grading.add_subparsers(dest="grading_command", required=True)
    glist = gsub.add_parser("list", help="List stalled submissions (not graded, will retry) and why.")
    glist.add_argument("--json", action="store_true", help="Print JSON.")
    glist.set_defaults(handler=cmd_list)
    retry = gsub.add_parser("retry", help="Queue stalled submissions again (all, or the ids given).")
    retry.add_argument("ids", nargs="*", type=int, help="Submission ids (default: every stalled one).")
    retry.add_argument(
        "--waiting", action="store_true", help="Also those waiting for a retry after a failure: try them now."
    )
    retry.set_defaults(handler=cmd_retry)


@with_session
def cmd_list(args: argparse.Namespace, session: Any, settings: Settings) -> int:
    from app.services import grading_retry

    rows = grading_retry.list_stalled(session=session)
    if args.json:
        fields = ("id", "user_id", "lesson_id", "infra_failures", "infra_problem", "retry_at", "created_at")
        print(json.dumps([{f: getattr(r, f) for f in fields} for r in rows], default=str))
        return 0
    if not rows:
        print("no stalled submissions")
    for r in rows:
        when = f"{r.retry_at:%Y-%m-%d %H:%M} UTC" if r.retry_at else "when re-queued"
        print(f"{r.id}\t{r.lesson_id}\tuser {r.user_id}\t{r.infra_failures} failures\t{r.infra_problem}\tnext: {when}")
    return 0


@with_session
def cmd_retry(args: argparse.Namespace, session: Any, settings: Settings) -> int:
    from app.services import grading_retry

    n = grading_retry.requeue(session=session, ids=args.ids or None, waiting=args.waiting)
    print(f"queued {n} submission{'s' if n != 1 else ''} for grading again")
    return 0
