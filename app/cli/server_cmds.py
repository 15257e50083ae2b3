"""``jaxtutor serve``, ``jaxtutor users create`` and ``jaxtutor tokens create``."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from app.config import Settings


def register(sub: Any) -> None:
    serve = sub.add_parser("serve", help="Run the web server.")
    serve.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
    serve.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
    serve.set_defaults(handler=cmd_serve)

    users = sub.add_parser("users", help="Manage accounts.")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    create = users_sub.add_parser("create", help="Create an account.")
    create.add_argument("username")
    create.add_argument("--role", choices=["learner", "instructor", "admin"], default="learner")
    create.add_argument("--password-stdin", action="store_true", help="Read the password from standard input.")
    create.set_defaults(handler=cmd_users_create)

    tokens = sub.add_parser("tokens", help="Manage API tokens.")
    tokens_sub = tokens.add_subparsers(dest="tokens_command", required=True)
    tcreate = tokens_sub.add_parser("create", help="Create an API token for a user and print it once.")
    tcreate.add_argument("username")
    tcreate.add_argument("--name", default="cli", help="A label for the token.")
    tcreate.set_defaults(handler=cmd_tokens_create)


def _settings() -> Settings:
    return Settings.model_validate({})


def _engine(settings: Settings) -> Any:
    from app.db import create_all, make_engine, migrate

    engine = make_engine(settings)
    if settings.auto_migrate:
        migrate(engine)
    else:
        create_all(engine)
    return engine


def cmd_serve(args: argparse.Namespace) -> int:
    """Prepare the host (refuse without a ready sandbox: exit 5), then serve until interrupted."""
    import uvicorn

    from app.main import create_app
    from app.services.host import UNSAFE_WARNING, HostNotReady, prepare_host

    settings = _settings()
    if settings.unsafe_no_sandbox:
        bar = "!" * 78
        print(f"{bar}\nWARNING: {UNSAFE_WARNING}\n{bar}", file=sys.stderr)
    try:
        host = prepare_host(settings)
    except HostNotReady as exc:
        print(exc, file=sys.stderr)
        return 5
    try:
        uvicorn.run(create_app(settings, host=host), host=args.host, port=args.port, proxy_headers=False)
    finally:
        host.release()
    return 0


def cmd_users_create(args: argparse.Namespace) -> int:
    from pydantic import ValidationError
    from sqlmodel import Session

    from app.models import UserCreate
    from app.services import users

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    try:
        user_create = UserCreate(username=args.username, password=password, role=args.role)
    except ValidationError as exc:
        for err in exc.errors():
            print(f"error: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}", file=sys.stderr)
        return 2
    engine = _engine(_settings())
    try:
        with Session(engine) as session:
            user = users.create_user(session=session, user_create=user_create)
            print(f"created {user.role} {user.username!r}")
    except users.UserExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def cmd_tokens_create(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from app.services import tokens, users

    engine = _engine(_settings())
    try:
        with Session(engine) as session:
            user = users.get_user_by_username(session=session, username=args.username)
            if user is None:
                print(f"error: no user {args.username!r}", file=sys.stderr)
                return 1
            print(tokens.create_api_token(session=session, user=user, name=args.name))
    finally:
        engine.dispose()
    return 0
