"""``jaxtutor cohorts list|create|set-track|invite|add-instructor`` (each with ``--json``).

The same service as the cohort pages and API (``app.services.cohorts``). The track is read from standard
input in the pages' format: one ``LESSON_ID [DUE] [optional]`` per line. Exit codes: 0 done, 1 refused
(no such user or cohort), 2 bad input (unknown lesson, bad date, bad name).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.cli.user_cmds import fail, lookup_user, with_session


def register(sub: Any) -> None:
    parser = sub.add_parser("cohorts", help="Manage cohorts (classes, onboarding groups) and their tracks.")
    cohorts_sub = parser.add_subparsers(dest="cohorts_command", required=True)

    def add(name: str, help_text: str, handler: Any) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = cohorts_sub.add_parser(name, help=help_text)
        p.add_argument("--json", action="store_true", help="Print the result as JSON.")
        p.set_defaults(handler=handler)
        return p

    add("list", "List every cohort with its instructors, learner count and track.", cmd_list)
    create = add("create", "Create a cohort.", cmd_create)
    create.add_argument("name")
    create.add_argument("--instructor", required=True, help="Username of its first instructor.")
    create.add_argument("--sso-group", default=None, help="Single sign-on group whose members join at login.")
    track = add("set-track", "Replace a cohort's track with the lines read from standard input.", cmd_set_track)
    track.add_argument("cohort_id", type=int)
    invite = add("invite", "Print a new invite link for a cohort.", cmd_invite)
    invite.add_argument("cohort_id", type=int)
    invite.add_argument("--base-url", default=None, help="The server's public URL (default: the public_url setting).")
    teacher = add("add-instructor", "Make a user an instructor of a cohort.", cmd_add_instructor)
    teacher.add_argument("cohort_id", type=int)
    teacher.add_argument("username")


def _summary(session: Any, cohort: Any) -> dict[str, Any]:
    from app.services import cohorts

    members = cohorts.members(session=session, cohort_id=cohort.id)
    return {
        "id": cohort.id,
        "name": cohort.name,
        "sso_group": cohort.sso_group,
        "instructors": [u.username for u, role in members if role == "instructor"],
        "learners": sum(1 for _, role in members if role == "learner"),
        "track": [
            {
                "lesson_id": i.lesson_id,
                "due_at": i.due_at.isoformat() if i.due_at else None,
                "pass_required": i.pass_required,
            }
            for i in cohorts.track(session=session, cohort_id=cohort.id)
        ],
    }


def _show(args: argparse.Namespace, data: dict[str, Any], text: str) -> int:
    print(json.dumps(data) if args.json else text)
    return 0


def _cohort(session: Any, cohort_id: int) -> Any:
    from app.services import cohorts

    return cohorts.get_cohort(session=session, cohort_id=cohort_id)


@with_session
def cmd_list(args: argparse.Namespace, session: Any, settings: Any) -> int:
    from sqlmodel import col, select

    from app.models import Cohort

    rows = [_summary(session, c) for c in session.exec(select(Cohort).order_by(col(Cohort.id)))]
    if args.json:
        print(json.dumps(rows))
    else:
        for r in rows:
            print(
                f"{r['id']:>4}  {r['name']:<30} {len(r['track']):>3} lessons {r['learners']:>4} learners  "
                f"instructors: {', '.join(r['instructors'])}"
            )
    return 0


@with_session
def cmd_create(args: argparse.Namespace, session: Any, settings: Any) -> int:
    from app.services import cohorts

    creator = lookup_user(session, args.instructor)
    if creator is None:
        return fail(args, f"no user {args.instructor!r}")
    try:
        cohort = cohorts.create_cohort(session=session, name=args.name, creator=creator)
        if args.sso_group:
            cohorts.set_sso_group(session=session, cohort=cohort, group=args.sso_group)
    except cohorts.CohortError as exc:
        return fail(args, str(exc), 2)
    return _show(args, _summary(session, cohort), f"created cohort {cohort.id} {cohort.name!r}")


@with_session
def cmd_set_track(args: argparse.Namespace, session: Any, settings: Any) -> int:
    from app.lessons import load_catalog
    from app.services import cohorts

    cohort = _cohort(session, args.cohort_id)
    if cohort is None:
        return fail(args, f"no cohort {args.cohort_id}")
    known = {lesson.id for lesson in load_catalog(settings.all_lesson_dirs()).ordered()}
    try:
        entries = cohorts.parse_track(sys.stdin.read())
        cohorts.set_track(session=session, cohort=cohort, entries=entries, known_lessons=known)
    except cohorts.CohortError as exc:
        return fail(args, str(exc), 2)
    return _show(args, _summary(session, cohort), f"cohort {cohort.id}: {len(entries)} lessons in the track")


@with_session
def cmd_invite(args: argparse.Namespace, session: Any, settings: Any) -> int:
    from app.services import cohorts

    cohort = _cohort(session, args.cohort_id)
    if cohort is None:
        return fail(args, f"no cohort {args.cohort_id}")
    base = (args.base_url or settings.public_url).rstrip("/")
    if not base:
        return fail(args, "the link needs the server's address: pass --base-url or set JAXTUTOR_PUBLIC_URL", 2)
    token, expires_at = cohorts.create_invite(
        session=session, cohort=cohort, created_by=None, ttl_s=settings.cohort_invite_ttl_s
    )
    url = f"{base}/join/{token}"
    return _show(args, {"cohort_id": cohort.id, "url": url, "expires_at": expires_at.isoformat()}, url)


@with_session
def cmd_add_instructor(args: argparse.Namespace, session: Any, settings: Any) -> int:
    from app.models import CohortRole
    from app.services import cohorts

    cohort = _cohort(session, args.cohort_id)
    user = lookup_user(session, args.username)
    if cohort is None or user is None:
        return fail(args, f"no cohort {args.cohort_id}" if cohort is None else f"no user {args.username!r}")
    try:
        cohorts.add_member(session=session, cohort=cohort, user=user, role=CohortRole.INSTRUCTOR)
    except cohorts.CohortError as exc:
        return fail(args, str(exc))
    return _show(args, _summary(session, cohort), f"{user.username!r} is an instructor of cohort {cohort.id}")
