"""``jaxtutor users list|create|deactivate|reactivate|reset-link|set-role`` (each with ``--json``).

The same services as the admin pages and the JSON API (``app.services.users``, ``app.services.accounts``).
Exit codes: 0 done, 1 refused (no such user, taken name, deactivated account), 2 bad input.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from app.cli.server_cmds import settings_from_env, with_session

ROLES = ["learner", "instructor", "admin"]


def register(sub: Any) -> None:
    users = sub.add_parser("users", help="Manage accounts.")
    users_sub = users.add_subparsers(dest="users_command", required=True)

    def add(name: str, help_text: str, handler: Any, *, username: bool = True) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = users_sub.add_parser(name, help=help_text)
        if username:
            parser.add_argument("username")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        parser.set_defaults(handler=handler)
        return parser

    add("list", "List every account.", cmd_list, username=False)
    create = add("create", "Create an account.", cmd_create)
    create.add_argument("--role", choices=ROLES, default="learner")
    create.add_argument("--email", default=None, help="The account's e-mail address (for reset mails).")
    create.add_argument("--password-stdin", action="store_true", help="Read the password from standard input.")
    create.add_argument(
        "--no-password", action="store_true", help="No password: the user sets one with a reset link (or uses SSO)."
    )
    add("deactivate", "Deactivate an account: ends all its sessions and API tokens at once.", cmd_deactivate)
    add("reactivate", "Reactivate a deactivated account.", cmd_reactivate)
    link = add("reset-link", "Print a one-time password-reset link for an account.", cmd_reset_link)
    link.add_argument("--base-url", default=None, help="The server's public URL (default: the public_url setting).")
    link_sso = add(
        "link-sso",
        "Let the next single sign-on through PROVIDER with this account's e-mail address log into it (once).",
        cmd_link_sso,
    )
    link_sso.add_argument("provider", help="The provider's name in sso_providers; 'none' withdraws it.")
    role = add("set-role", "Change an account's role.", cmd_set_role)
    role.add_argument("role", choices=ROLES)


def _public(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "email": user.email,
        "is_active": user.is_active,
        "sso_link_provider": user.sso_link_provider,
        "created_at": user.created_at.isoformat(),
    }


def fail(args: argparse.Namespace, message: str, code: int = 1) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": message}))
    print(f"error: {message}", file=sys.stderr)
    return code


def lookup_user(session: Any, username: str) -> Any:
    from app.services import users

    return users.get_user_by_username(session=session, username=username)


def _show(args: argparse.Namespace, user: Any, text: str) -> int:
    print(json.dumps(_public(user)) if args.json else text)
    return 0


@with_session
def cmd_list(args: argparse.Namespace, session: Any, settings: Any) -> int:
    from app.services import users

    rows = [_public(u) for u in users.list_users(session=session)]
    if args.json:
        print(json.dumps(rows))
    else:
        for row in rows:
            state = "active" if row["is_active"] else "deactivated"
            print(f"{row['username']:<24} {row['role']:<10} {state:<11} {row['email'] or ''}")
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from app.models import UserCreate
    from app.services import accounts

    if args.no_password:
        password = ""
    else:
        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    if password:
        min_length = settings_from_env().password_min_length
        problem = accounts.password_problem(password, username=args.username, min_length=min_length)
        if problem is not None:
            return fail(args, problem, 2)
    try:
        email = accounts.normalize_email(args.email) if args.email else None
        UserCreate(username=args.username, password=password or "x" * accounts.PASSWORD_MIN, role=args.role)
    except accounts.AccountError as exc:
        return fail(args, str(exc), 2)
    except ValidationError as exc:
        err = exc.errors()[0]
        return fail(args, f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}", 2)
    args.email_normalized = email
    args.password_value = password
    return int(_create(args))


@with_session
def _create(args: argparse.Namespace, session: Any, settings: Any) -> int:
    from app.models import UserCreate
    from app.security import hash_password
    from app.services import users

    password = args.password_value
    user_create = UserCreate(username=args.username, password=password or "x" * 8, role=args.role)
    try:
        user = users.create_user(
            session=session,
            user_create=user_create,
            password_hash=hash_password(password) if password else "",
            email=args.email_normalized,
        )
    except users.UserExistsError as exc:
        return fail(args, str(exc))
    return _show(args, user, f"created {user.role} {user.username!r}")


@with_session
def cmd_deactivate(args: argparse.Namespace, session: Any, settings: Any) -> int:
    from app.services import accounts

    user = lookup_user(session, args.username)
    if user is None:
        return fail(args, f"no user {args.username!r}")
    try:
        accounts.deactivate(session=session, user=user)
    except accounts.AccountError as exc:  # the last administrator
        return fail(args, str(exc))
    return _show(args, user, f"deactivated {user.username!r}; its sessions and API tokens are ended")


@with_session
def cmd_reactivate(args: argparse.Namespace, session: Any, settings: Any) -> int:
    from app.services import accounts

    user = lookup_user(session, args.username)
    if user is None:
        return fail(args, f"no user {args.username!r}")
    accounts.reactivate(session=session, user=user)
    return _show(args, user, f"reactivated {user.username!r}")


@with_session
def cmd_reset_link(args: argparse.Namespace, session: Any, settings: Any) -> int:
    from app.services import accounts

    user = lookup_user(session, args.username)
    if user is None:
        return fail(args, f"no user {args.username!r}")
    base = (args.base_url or settings.public_url).rstrip("/")
    if not base:
        return fail(args, "the link needs the server's address: pass --base-url or set JAXTUTOR_PUBLIC_URL", 2)
    try:
        token = accounts.issue_reset_link(session=session, user=user, ttl_s=settings.password_reset_ttl_s)
    except accounts.AccountError as exc:
        return fail(args, str(exc))
    url = f"{base}/reset/{token}"
    if args.json:
        print(json.dumps({"username": user.username, "url": url, "expires_in_s": settings.password_reset_ttl_s}))
    else:
        print(url)
    return 0


@with_session
def cmd_set_role(args: argparse.Namespace, session: Any, settings: Any) -> int:
    from app.models import Role
    from app.services import users

    user = lookup_user(session, args.username)
    if user is None:
        return fail(args, f"no user {args.username!r}")
    users.set_role(session=session, user=user, role=Role(args.role))
    return _show(args, user, f"{user.username!r} is now {user.role}")


@with_session
def cmd_link_sso(args: argparse.Namespace, session: Any, settings: Any) -> int:
    from app.services import accounts

    user = lookup_user(session, args.username)
    if user is None:
        return fail(args, f"no user {args.username!r}")
    provider = None if args.provider == "none" else args.provider
    if provider is not None and provider not in {p.name for p in settings.sso_providers}:
        return fail(args, f"no single sign-on provider named {provider!r} in sso_providers", 2)
    try:
        accounts.allow_sso_link(session=session, user=user, provider=provider)
    except accounts.AccountError as exc:
        return fail(args, str(exc))
    done = f"the next {provider} login with {user.email} links to {user.username!r}" if provider else "withdrawn"
    return _show(args, user, done)
