"""Per-learner storage quotas: stored submissions (count and characters) and stored Run output."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, func, select

from app.config import Settings
from app.models import RunRecord, Submission

from .conftest import LESSONS, api_token, csrf, htmx, login, make_user, next_poll, wait_for


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """As conftest's, on both backends: in-memory SQLite and a fresh PostgreSQL database."""
    return Settings(
        data_dir=tmp_path / "data",
        runtime_dir=tmp_path / "rt",
        lesson_dirs=[LESSONS],
        database_url=database_url,
        poll_interval_ms=50,
    )


async def test_submission_count_quota_is_a_clear_409(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    settings.submission_quota_count = 2
    make_user(app, "alice")
    make_user(app, "bob")
    h = {"Authorization": f"Bearer {api_token(app, 'alice')}"}
    url = "/api/v1/lessons/demo-add/submissions"
    for i in range(2):  # different code each time: an identical resubmission is the earlier submission
        assert (await client.post(url, json={"code": f"x = {i}"}, headers=h)).status_code == 202
    r = await client.post(url, json={"code": "x = 2"}, headers=h)
    assert r.status_code == 409
    error = r.json()["error"]
    assert error["code"] == "quota_exceeded" and "2 stored submissions" in error["message"]
    # The page says it too, and other learners are not affected.
    await login(client)
    form = {"code": "x = 3", "csrf_token": await csrf(client)}
    r = await client.post("/lessons/demo-add/submissions", data=form)
    assert r.status_code == 409 and "2 stored submissions" in r.text and "Error 409" in r.text
    hb = {"Authorization": f"Bearer {api_token(app, 'bob')}"}
    assert (await client.post(url, json={"code": "1"}, headers=hb)).status_code == 202
    with Session(app.state.engine) as session:
        assert session.exec(select(func.count()).select_from(Submission)).one() == 3  # nothing lost, nothing extra


async def test_submission_size_quota(client: httpx.AsyncClient, app: FastAPI, settings: Settings) -> None:
    settings.submission_quota_chars = 1000
    make_user(app, "alice")
    h = {"Authorization": f"Bearer {api_token(app, 'alice')}"}
    url = "/api/v1/lessons/demo-add/submissions"
    assert (await client.post(url, json={"code": "#" * 600}, headers=h)).status_code == 202
    r = await client.post(url, json={"code": "%" * 600}, headers=h)
    assert r.status_code == 409 and "600 characters" in r.json()["error"]["message"]
    assert (await client.post(url, json={"code": "#" * 300}, headers=h)).status_code == 202


async def _run(client: httpx.AsyncClient, code: str) -> None:
    r = await client.post("/runs", data={"code": code}, headers=await htmx(client))
    assert r.status_code == 200, r.text
    url = next_poll(r.text)

    async def finished() -> bool:
        nonlocal url
        if url is None:
            return True
        page = await client.get(url, headers={"HX-Request": "true"})
        url = next_poll(page.text)
        return url is None

    await wait_for(finished)


async def test_run_output_quota_keeps_the_newest_runs(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    settings.run_output_limit_chars = 40
    settings.run_output_quota_chars = 100
    make_user(app, "alice")
    await login(client)
    for i in range(8):  # each Run stores "<ran> N chars\n" (about 16 characters)
        await _run(client, f"x = {i}  # " + "y" * 8)
    with Session(app.state.engine) as session:
        rows = session.exec(select(RunRecord).order_by(RunRecord.created_at)).all()  # type: ignore[arg-type]
    stored = sum(r.output_chars for r in rows)
    assert 0 < stored <= settings.run_output_quota_chars
    assert len(rows) < 8  # the oldest were deleted early...
    assert rows[-1].finished_at is not None  # ...the newest kept


def test_run_quota_must_hold_one_run() -> None:
    with pytest.raises(ValueError, match="run_output_quota_chars"):
        Settings(run_output_limit_chars=1000, run_output_quota_chars=10)
