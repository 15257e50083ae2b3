"""Migration 0008 (accounts and SSO) upgrades a database made at revision 0004 that holds users, sessions,
tokens, progress and submissions: nothing is lost, passwords still work, the new tables are usable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text
from sqlmodel import Session

from app.config import Settings
from app.db import MIGRATIONS_DIR, make_engine, migrate
from app.models import PasswordReset, UserIdentity
from app.security import hash_password, verify_password
from app.services import accounts, users


def _upgrade_to(engine: object, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:  # type: ignore[attr-defined]
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_upgrade_from_0004_keeps_every_row(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(Settings(data_dir=tmp_path, database_url=database_url))
    _upgrade_to(engine, "0004")
    assert "user_identity" not in inspect(engine).get_table_names()
    now = datetime.now(UTC)
    pw = hash_password("old-password")
    with engine.begin() as conn:
        for uid, name, role in ((1, "alice", "learner"), (2, "ines", "instructor")):
            conn.execute(
                text(
                    'INSERT INTO "user" (id, username, role, password_hash, is_active, created_at) '
                    "VALUES (:id, :u, :r, :p, :a, :t)"
                ),
                {"id": uid, "u": name, "r": role, "p": pw, "a": True, "t": now},
            )
        conn.execute(
            text(
                "INSERT INTO submission (id, lesson_id, code, user_id, status, verdict, score, report_json, "
                "lesson_hash, attempts, created_at) VALUES (7, 'demo-add', 'x + 1', 1, 'done', 'pass', 1.0, "
                "'{\"version\": 1}', 'h', 1, :t)"
            ),
            {"t": now},
        )
        conn.execute(
            text(
                "INSERT INTO lesson_progress (user_id, lesson_id, hints_revealed, attempts, best_score, passed, "
                "updated_at) VALUES (1, 'demo-add', 2, 3, 1.0, :p, :t)"
            ),
            {"p": True, "t": now},
        )
        conn.execute(
            text("INSERT INTO web_session (token_hash, user_id, created_at, expires_at) VALUES ('s' , 1, :t, :e)"),
            {"t": now, "e": now + timedelta(days=1)},
        )
        conn.execute(
            text("INSERT INTO api_token (token_hash, user_id, name, created_at) VALUES ('a', 2, 'cli', :t)"),
            {"t": now},
        )

    migrate(engine)  # 0004 -> head

    with engine.connect() as conn:
        rows = conn.execute(text('SELECT id, username, role, email, deactivated_at FROM "user" ORDER BY id')).all()
        assert [tuple(r) for r in rows] == [(1, "alice", "learner", None, None), (2, "ines", "instructor", None, None)]
        sub = conn.execute(text("SELECT code, verdict, score, report_json FROM submission WHERE id = 7")).one()
        assert tuple(sub) == ("x + 1", "pass", 1.0, '{"version": 1}')
        progress = conn.execute(text("SELECT hints_revealed, attempts, passed FROM lesson_progress")).one()
        assert tuple(progress) == (2, 3, True)
        assert conn.execute(text("SELECT count(*) FROM web_session")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM api_token")).scalar() == 1

    with Session(engine, expire_on_commit=False) as session:
        alice = users.get_user_by_username(session=session, username="alice")
        assert alice is not None and verify_password(alice.password_hash, "old-password")
        accounts.set_email(session=session, user=alice, email="alice@example.org")
        token = accounts.issue_reset_link(session=session, user=alice, ttl_s=600)
        assert accounts.user_for_reset_token(session=session, token=token).id == 1
        assert alice.id is not None
        session.add(UserIdentity(user_id=alice.id, provider="p", issuer="https://idp", subject="42"))
        session.commit()
        accounts.deactivate(session=session, user=alice)
        assert session.get(PasswordReset, 1) is None  # deactivation drops open reset links
    engine.dispose()


def test_0008_downgrades_and_upgrades_again(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(Settings(data_dir=tmp_path, database_url=database_url))
    migrate(engine)
    new_tables = {"user_identity", "sso_login_state", "password_reset", "cohort", "cohort_member", "cohort_invite"}
    assert new_tables | {"track_item"} <= set(inspect(engine).get_table_names())
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    assert not new_tables & set(inspect(engine).get_table_names())
    assert "email" not in {c["name"] for c in inspect(engine).get_columns("user")}
    migrate(engine)
    assert "email" in {c["name"] for c in inspect(engine).get_columns("user")}
    engine.dispose()
