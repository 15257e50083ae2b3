"""Every submission records the lesson version it was graded against; reports, the API and the
instructor pages show it; the migration fills it in for submissions graded before it existed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from app.config import Settings
from app.db import MIGRATIONS_DIR, make_engine, migrate
from app.main import create_app
from app.models import Role
from tests.lesson_factory import make_lesson

from .conftest import FakeGrader, FakeProvider, htmx, login, make_user, serve, wait_for

BAD = "def f(x):\n    return x\n"


async def test_submissions_record_the_graded_lesson_version(tmp_path: Path) -> None:
    lessons = tmp_path / "lessons"
    folder = make_lesson(lessons, "demo-add")
    settings = Settings(
        data_dir=tmp_path / "data",
        runtime_dir=tmp_path / "rt",
        lesson_dirs=[lessons],
        bundled_lessons=False,
        lesson_reload_s=0,
        database_url="sqlite://",
        poll_interval_ms=50,
    )
    app = create_app(settings, grader=FakeGrader(), kernel_provider=FakeProvider())
    async with serve(app) as client:
        make_user(app, "alice")
        make_user(app, "ines", role=Role.INSTRUCTOR)
        await login(client, "alice")
        catalog = app.state.catalog
        v1 = catalog.get("demo-add").content_hash

        async def submit_and_wait() -> dict[str, Any]:
            r = await client.post("/lessons/demo-add/submissions", data={"code": BAD}, headers=await htmx(client))
            sub_id = int(r.text.split('hx-get="/submissions/')[1].split('"')[0])

            async def done() -> dict[str, Any] | None:
                body: dict[str, Any] = (await client.get(f"/api/v1/submissions/{sub_id}")).json()
                return body if body["status"] == "done" else None

            result: dict[str, Any] = await wait_for(done)
            return result

        first = await submit_and_wait()
        assert first["lesson_version"] == v1 and first["report"]["lesson_version"] == v1
        page = await client.get(f"/submissions/{first['id']}")
        assert f"lesson version <code>{v1}</code>" in page.text

        instructions = folder / "instructions.md"
        instructions.write_text(instructions.read_text() + "\nOne more sentence from the instructor.\n")
        assert catalog.refresh() == ["demo-add"]
        v2 = catalog.get("demo-add").content_hash
        assert v2 != v1
        second = await submit_and_wait()
        assert second["lesson_version"] == v2

        await login(client, "ines")
        dash = (await client.get("/instructor")).text
        assert f'<code title="current version">{v2}</code> (1)' in dash and f"older <code>{v1}</code> (1)" in dash
        preview = (await client.get("/instructor/lessons/demo-add/preview")).text
        assert f"<code>{v2}</code> (current): 1" in preview and f"<code>{v1}</code>: 1" in preview


def test_migration_fills_in_the_version_of_graded_submissions(database_url: str, tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    engine = make_engine(Settings(data_dir=tmp_path, database_url=database_url))
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
    when = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                'INSERT INTO "user" (id, username, role, password_hash, is_active, created_at) '
                "VALUES (1, 'old', 'learner', 'x', :active, :when)"
            ),
            {"active": True, "when": when},
        )
        for sub_id, status, lesson_hash in ((1, "done", "abc123"), (2, "queued", "abc123"), (3, "done", "")):
            conn.execute(
                text(
                    "INSERT INTO submission (id, lesson_id, code, user_id, status, lesson_hash, attempts, created_at) "
                    "VALUES (:id, 'demo-add', 'x', 1, :status, :hash, 1, :when)"
                ),
                {"id": sub_id, "status": status, "hash": lesson_hash, "when": when},
            )
    migrate(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, graded_lesson_hash FROM submission ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "abc123"), (2, None), (3, None)]
    engine.dispose()
