"""Per-account login backoff, in process: failures slow the account, a success clears them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings

from .conftest import LESSONS, csrf, make_user


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


async def _login(client: httpx.AsyncClient, password: str) -> httpx.Response:
    data = {"username": "Alice", "password": password, "csrf_token": await csrf(client)}
    return await client.post("/login", data=data)


async def test_backoff_doubles_and_a_success_clears_it(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    settings.login_free_failures = 2
    settings.login_backoff_base_s = 0.5
    make_user(app, "alice")
    assert (await _login(client, "wrong one")).status_code == 400
    assert (await _login(client, "wrong two")).status_code == 400
    r = await _login(client, "correct horse")  # even the right password waits (the guesser can't probe)
    assert r.status_code == 429 and r.headers["retry-after"] == "1"
    await asyncio.sleep(0.6)
    assert (await _login(client, "wrong three")).status_code == 400  # third failure: the wait doubles
    await asyncio.sleep(0.6)
    assert (await _login(client, "correct horse")).status_code == 429
    await asyncio.sleep(0.5)
    data = {"username": "alice", "password": "correct horse", "csrf_token": await csrf(client)}
    assert (await client.post("/login", data=data)).status_code == 303
    client.cookies.clear()
    assert (await _login(client, "wrong again")).status_code == 400  # cleared: back to free failures
