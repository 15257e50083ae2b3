from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from app.cli import server_cmds


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    server_cmds.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_users_and_tokens_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JAXTUTOR_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    args = _parse(["users", "create", "ines", "--role", "instructor", "--password-stdin"])
    assert args.handler(args) == 0
    assert "created instructor 'ines'" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert args.handler(args) == 1  # exists
    args = _parse(["tokens", "create", "ines"])
    assert args.handler(args) == 0
    assert capsys.readouterr().out.startswith("jxt_")
    args = _parse(["tokens", "create", "nobody"])
    assert args.handler(args) == 1
    args = _parse(["serve", "--port", "9999"])
    assert (args.host, args.port) == ("127.0.0.1", 9999)
