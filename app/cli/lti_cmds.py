"""``jaxtutor lti add-platform|list|sync-roster|grades`` (each with ``--json``): LTI 1.3 platform
registrations, a course cohort's roster from the LMS (Names and Role Provisioning Services), and the grade
outbox (``--retry`` re-arms the deliveries that gave up).

The same service as the rest of the app (``app.services.lti``). Exit codes: 0 done, 2 bad input (a URL that
is not https, an empty id, a deployment already registered, a cohort no LMS made), 3 the LMS refused or did
not answer.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.cli.user_cmds import fail, with_session


def register(sub: Any) -> None:
    parser = sub.add_parser("lti", help="LTI 1.3: register the learning platforms (LMSs) that may launch this tool.")
    lti_sub = parser.add_subparsers(dest="lti_command", required=True)

    def add(name: str, help_text: str, handler: Any) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = lti_sub.add_parser(name, help=help_text)
        p.add_argument("--json", action="store_true", help="Print the result as JSON.")
        p.set_defaults(handler=handler)
        return p

    add("list", "List the registered platforms.", cmd_list)
    platform = add("add-platform", "Register a platform deployment (values from the LMS's tool registration).", cmd_add)
    platform.add_argument(
        "--issuer", required=True, help="The platform's issuer (iss), e.g. https://canvas.instructure.com."
    )
    platform.add_argument("--client-id", required=True, help="The client id the platform gave this tool.")
    platform.add_argument("--deployment-id", required=True, help="The deployment id.")
    platform.add_argument("--auth-login-url", required=True, help="The platform's OIDC authentication request URL.")
    platform.add_argument("--token-url", required=True, help="The platform's OAuth2 access token URL.")
    platform.add_argument("--jwks-url", required=True, help="The platform's public key set URL.")
    roster = add("sync-roster", "Fill a course cohort from its LMS roster (NRPS).", cmd_sync_roster)
    roster.add_argument("cohort_id", type=int, help="The cohort an LMS launch made for the course.")
    grades = add("grades", "Show the LTI grade outbox (what was sent, what waits, what failed).", cmd_grades)
    grades.add_argument("--retry", action="store_true", help="Deliver the failed scores again.")


@with_session
def cmd_list(args: argparse.Namespace, session: Any, settings: Any) -> int:
    from app.services import lti

    rows = [lti.platform_dict(p) for p in lti.platforms(session=session)]
    if args.json:
        print(json.dumps(rows))
    else:
        for r in rows:
            print(f"{r['id']:>4}  {r['issuer']}  client {r['client_id']}  deployment {r['deployment_id']}")
    return 0


@with_session
def cmd_add(args: argparse.Namespace, session: Any, settings: Any) -> int:
    from app.services import lti

    try:
        platform = lti.add_platform(
            session=session,
            issuer=args.issuer,
            client_id=args.client_id,
            deployment_id=args.deployment_id,
            auth_login_url=args.auth_login_url,
            token_url=args.token_url,
            jwks_url=args.jwks_url,
        )
    except lti.LtiError as exc:
        return fail(args, str(exc), 2)
    data = lti.platform_dict(platform)
    print(json.dumps(data) if args.json else f"registered platform {platform.id} ({platform.issuer})")
    return 0


@with_session
def cmd_sync_roster(args: argparse.Namespace, session: Any, settings: Any) -> int:
    from app.services.lti import roster
    from app.services.lti.errors import LaunchError

    try:
        result = roster.sync_roster(session=session, settings=settings, cohort_id=args.cohort_id)
    except LaunchError as exc:
        return fail(args, exc.message, 3 if exc.kind == "platform_down" else 2)
    if args.json:
        print(json.dumps(result.as_dict()))
    else:
        added = ", ".join(result.added) or "nobody new"
        print(f"cohort {result.cohort_id}: {result.members} active members in the LMS; added {added}")
        if result.left:
            print(f"no longer active in the course (kept in the cohort): {', '.join(result.left)}")
    return 0


@with_session
def cmd_grades(args: argparse.Namespace, session: Any, settings: Any) -> int:
    from app.services.lti import grades

    retried = grades.retry_failed(session=session) if args.retry else 0
    rows = grades.outbox_rows(session=session)
    if args.json:
        print(json.dumps({"retried": retried, "rows": rows}))
    else:
        if args.retry:
            print(f"{retried} failed deliveries queued again")
        for r in rows:
            error = f"  ({r['last_error']})" if r["last_error"] else ""
            print(
                f"{r['id']:>5}  link {r['link_id']}  user {r['user_id']}  {r['state']:<8} best {r['score']}  "
                f"sent {r['sent_score']}  attempts {r['attempts']}{error}"
            )
    return 0
