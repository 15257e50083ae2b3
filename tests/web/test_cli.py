from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from app.cli import server_cmds, user_cmds


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    server_cmds.register(sub)
    user_cmds.register(sub)
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


def test_users_admin_commands_with_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    monkeypatch.setenv("JAXTUTOR_DATA_DIR", str(tmp_path))

    def run(*argv: str) -> tuple[int, object]:
        args = _parse(list(argv))
        code = args.handler(args)
        out = capsys.readouterr().out
        return code, json.loads(out) if out.strip() else None

    code, created = run("users", "create", "lea", "--email", "Lea@Example.org", "--no-password", "--json")
    assert code == 0 and isinstance(created, dict)
    assert created["email"] == "lea@example.org" and created["is_active"] and created["role"] == "learner"
    code, err = run("users", "create", "x y", "--no-password", "--json")
    assert code == 2 and isinstance(err, dict) and "username" in err["error"]
    code, _ = run("users", "create", "lea2", "--email", "lea@example.org", "--no-password", "--json")
    assert code == 1
    code, changed = run("users", "set-role", "lea", "instructor", "--json")
    assert code == 0 and isinstance(changed, dict) and changed["role"] == "instructor"
    code, off = run("users", "deactivate", "lea", "--json")
    assert code == 0 and isinstance(off, dict) and off["is_active"] is False
    code, err = run("users", "reset-link", "lea", "--base-url", "https://tutor.example.org", "--json")
    assert code == 1 and isinstance(err, dict) and "deactivated" in err["error"]
    code, on = run("users", "reactivate", "lea", "--json")
    assert code == 0 and isinstance(on, dict) and on["is_active"] is True
    code, err = run("users", "reset-link", "lea", "--json")
    assert code == 2 and isinstance(err, dict) and "--base-url" in err["error"]
    code, link = run("users", "reset-link", "lea", "--base-url", "https://tutor.example.org/", "--json")
    assert code == 0 and isinstance(link, dict) and link["url"].startswith("https://tutor.example.org/reset/")
    code, listed = run("users", "list", "--json")
    assert code == 0 and isinstance(listed, list) and [u["username"] for u in listed] == ["lea"]
    code, err = run("users", "deactivate", "nobody", "--json")
    assert code == 1 and isinstance(err, dict)
    campus = {"name": "campus", "issuer": "https://login.example.org", "client_id": "jaxtutor"}
    monkeypatch.setenv("JAXTUTOR_SSO_PROVIDERS", json.dumps([campus]))
    code, err = run("users", "link-sso", "lea", "nope", "--json")
    assert code == 2 and isinstance(err, dict) and "no single sign-on provider" in err["error"]
    code, linked = run("users", "link-sso", "lea", "campus", "--json")
    assert code == 0 and isinstance(linked, dict) and linked["sso_link_provider"] == "campus"
    code, linked = run("users", "link-sso", "lea", "none", "--json")
    assert code == 0 and isinstance(linked, dict) and linked["sso_link_provider"] is None


def test_cohorts_commands_with_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from app.cli import cohort_cmds

    monkeypatch.setenv("JAXTUTOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JAXTUTOR_LESSON_DIRS", json.dumps([str(Path(__file__).parent / "lessons")]))
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    user_cmds.register(sub)
    cohort_cmds.register(sub)

    def run(*argv: str, stdin: str = "") -> tuple[int, object]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        args = parser.parse_args(list(argv))
        code = args.handler(args)
        out = capsys.readouterr().out
        return code, json.loads(out) if out.strip() else None

    assert run("users", "create", "ines", "--role", "instructor", "--no-password", "--json")[0] == 0
    assert run("users", "create", "lea", "--no-password", "--json")[0] == 0
    code, err = run("cohorts", "create", "Class A", "--instructor", "lea", "--json")
    assert code == 2 and isinstance(err, dict) and "Only instructors" in err["error"]
    code, made = run("cohorts", "create", "Class A", "--instructor", "ines", "--json")
    assert code == 0 and isinstance(made, dict) and made["instructors"] == ["ines"]
    cid = str(made["id"])
    code, err = run("cohorts", "set-track", cid, "--json", stdin="demo-add 2027-01-01\nnope\n")
    assert code == 2 and isinstance(err, dict) and "no lesson 'nope'" in err["error"]
    # An instructor's lesson and a bundled one (LESSON_DIRS adds to the bundled lessons).
    code, done = run(
        "cohorts", "set-track", cid, "--json", stdin="demo-add 2027-01-01 optional\nvmap-pairwise-distances\n"
    )
    assert code == 0 and isinstance(done, dict)
    assert done["track"] == [
        {"lesson_id": "demo-add", "due_at": "2027-01-01T23:59:59+00:00", "pass_required": False},
        {"lesson_id": "vmap-pairwise-distances", "due_at": None, "pass_required": True},
    ]
    code, link = run("cohorts", "invite", cid, "--base-url", "https://t.example.org", "--json")
    assert code == 0 and isinstance(link, dict) and link["url"].startswith("https://t.example.org/join/")
    code, err = run("cohorts", "add-instructor", cid, "lea", "--json")
    assert code == 1 and isinstance(err, dict) and "not an instructor" in err["error"]
    code, listed = run("cohorts", "list", "--json")
    assert code == 0 and isinstance(listed, list) and listed[0]["name"] == "Class A" and listed[0]["learners"] == 0
    assert run("cohorts", "invite", "99", "--base-url", "https://x", "--json")[0] == 1
