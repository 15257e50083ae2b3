"""``jaxtutor serve`` and ``jaxtutor tokens list|create|revoke`` (accounts: ``app.cli.user_cmds``)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.config import Settings


def register(sub: Any) -> None:
    serve = sub.add_parser("serve", help="Run the web server.")
    serve.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
    serve.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
    serve.set_defaults(handler=cmd_serve)

    tokens = sub.add_parser("tokens", help="Manage API tokens.")
    tokens_sub = tokens.add_subparsers(dest="tokens_command", required=True)
    tcreate = tokens_sub.add_parser("create", help="Create an API token for a user and print it once.")
    tcreate.add_argument("username")
    tcreate.add_argument("--name", default="cli", help="A label for the token.")
    tcreate.add_argument(
        "--expires-days", type=int, default=None, help="Lifetime in days (default/maximum: the api_token_* settings)."
    )
    tcreate.set_defaults(handler=cmd_tokens_create)
    tlist = tokens_sub.add_parser("list", help="List a user's API tokens (never their secrets).")
    tlist.add_argument("username")
    tlist.add_argument("--json", action="store_true", help="Print JSON.")
    tlist.set_defaults(handler=cmd_tokens_list)
    trevoke = tokens_sub.add_parser("revoke", help="Revoke one of a user's API tokens by its id (see list).")
    trevoke.add_argument("username")
    trevoke.add_argument("token_id", type=int)
    trevoke.set_defaults(handler=cmd_tokens_revoke)


def settings_from_env() -> Settings:
    return Settings.model_validate({})


def open_engine(settings: Settings) -> Any:
    """The database engine, migrated (or created when auto_migrate is off), for a command."""
    from app.db import create_all, make_engine, migrate

    engine = make_engine(settings)
    if settings.auto_migrate:
        migrate(engine)
    else:
        create_all(engine)
    return engine


def with_session(fn: Any) -> Any:
    """Run ``fn(args, session)`` on a migrated database, disposed afterwards."""

    def handler(args: argparse.Namespace) -> int:
        from sqlmodel import Session

        settings = settings_from_env()
        engine = open_engine(settings)
        try:
            with Session(engine, expire_on_commit=False) as session:
                return int(fn(args, session, settings))
        finally:
            engine.dispose()

    return handler


def cmd_serve(args: argparse.Namespace) -> int:
    """Prepare the host (refuse without a ready sandbox: exit 5), then serve until interrupted."""
    import uvicorn

    from app.main import create_app
    from app.observability.logs import configure_logging
    from app.services.host import UNSAFE_WARNING, HostNotReady, prepare_host

    settings = settings_from_env()
    configure_logging(settings)
    if settings.unsafe_no_sandbox:
        bar = "!" * 78
        print(f"{bar}\nWARNING: {UNSAFE_WARNING}\n{bar}", file=sys.stderr)
    try:
        host = prepare_host(settings)
    except HostNotReady as exc:
        print(exc, file=sys.stderr)
        return 5
    try:
        uvicorn.run(
            create_app(settings, host=host),
            host=args.host,
            port=args.port,
            proxy_headers=False,
            log_config=None,  # keep configure_logging's handler (JSON lines)
        )
    finally:
        host.release()
    return 0


def _token_user(session: Any, username: str) -> Any:
    from app.services import users

    user = users.get_user_by_username(session=session, username=username)
    if user is None:
        print(f"error: no user {username!r}", file=sys.stderr)
    return user


@with_session
def cmd_tokens_create(args: argparse.Namespace, session: Any, settings: Settings) -> int:
    from app.services import tokens

    days = settings.api_token_default_days if args.expires_days is None else args.expires_days
    if not 1 <= days <= settings.api_token_max_days:
        print(f"error: --expires-days must be between 1 and {settings.api_token_max_days}", file=sys.stderr)
        return 2
    user = _token_user(session, args.username)
    if user is None:
        return 1
    token, row = tokens.issue_api_token(session=session, user=user, name=args.name, days=days)
    print(token)
    print(f"token {row.id} {row.name!r} expires {row.expires_at:%Y-%m-%d %H:%M} UTC", file=sys.stderr)
    return 0


@with_session
def cmd_tokens_list(args: argparse.Namespace, session: Any, settings: Settings) -> int:
    import json

    from app.services import tokens

    user = _token_user(session, args.username)
    if user is None:
        return 1
    rows = tokens.list_api_tokens(session=session, user_id=user.id)
    if args.json:
        fields = ("id", "name", "created_at", "expires_at", "last_used_at")
        print(json.dumps([{f: getattr(r, f) for f in fields} for r in rows], default=str))
        return 0
    for r in rows:
        used = f"{r.last_used_at:%Y-%m-%d %H:%M}" if r.last_used_at else "never"
        dates = f"created {r.created_at:%Y-%m-%d}\texpires {r.expires_at:%Y-%m-%d}\tused {used}"
        print(f"{r.id}\t{r.name or '-'}\t{dates}")
    return 0


@with_session
def cmd_tokens_revoke(args: argparse.Namespace, session: Any, settings: Settings) -> int:
    from app.services import tokens

    user = _token_user(session, args.username)
    if user is None:
        return 1
    if not tokens.revoke_api_token(session=session, user_id=user.id, token_id=args.token_id):
        print(f"error: {args.username!r} has no token {args.token_id}", file=sys.stderr)
        return 1
    print(f"revoked token {args.token_id}")
    return 0
