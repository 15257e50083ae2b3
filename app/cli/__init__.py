"""The ``jaxtutor`` command. Each command family lives in its own module with a ``register``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app import __version__
from app.cli import cohort_cmds, grading_cmds, lti_cmds, queue_cmds, sandbox_cmds, server_cmds, user_cmds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jaxtutor", description="Learn production JAX by doing.")
    parser.add_argument("--version", action="version", version=f"jaxtutor {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (grading_cmds, queue_cmds, sandbox_cmds, server_cmds, user_cmds, cohort_cmds, lti_cmds):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2
        return int(exc.code or 0)
    try:
        code = args.handler(args)
    except BrokenPipeError:  # e.g. `jaxtutor check f.py | head`
        sys.stderr.close()
        return 0
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
