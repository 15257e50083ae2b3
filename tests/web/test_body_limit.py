"""The request body limit holds while the body streams in (chunked, no Content-Length), before auth/CSRF."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings

from .conftest import api_token, make_user
from .live import chunked_upload, live_server, proc_status_kib


def _chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    async def gen() -> AsyncIterator[bytes]:
        yield b'{"code": "'
        sent = 0
        while sent < total:
            yield b"x" * size
            sent += size

    return gen()


async def test_chunked_api_body_over_the_limit_is_a_json_413(client: httpx.AsyncClient, settings: Settings) -> None:
    settings.max_request_bytes = 256 * 1024
    r = await client.post(
        "/api/v1/lessons/demo-add/submissions",
        content=_chunks(1 << 20),
        headers={"Content-Type": "application/json"},
    )
    assert "content-length" not in r.request.headers  # really streamed
    assert r.status_code == 413
    error = r.json()["error"]
    assert error["code"] == "too_large" and "256 KiB" in error["message"]


async def test_chunked_form_over_the_limit_is_the_error_page(client: httpx.AsyncClient, settings: Settings) -> None:
    settings.max_request_bytes = 128 * 1024
    r = await client.post(
        "/login", content=_chunks(1 << 20), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html") and "Error 413" in r.text
    assert r.headers["x-frame-options"] == "DENY"  # the security headers are on it too


async def test_declared_length_over_the_limit_is_refused_unread(client: httpx.AsyncClient, settings: Settings) -> None:
    r = await client.post("/api/v1/lessons/demo-add/submissions", content=b"x" * (settings.max_request_bytes + 1))
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"


async def test_a_body_within_the_limit_still_arrives_chunked(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")

    async def gen() -> AsyncIterator[bytes]:
        yield b'{"code": '
        yield b'"1"}'

    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {api_token(app, 'alice')}"}
    r = await client.post("/api/v1/lessons/demo-add/submissions", content=gen(), headers=headers)
    assert r.status_code == 202, r.text


@pytest.mark.slow
def test_real_server_refuses_a_chunked_upload_without_buffering_it(tmp_path: Path) -> None:
    """The probe's repro against a real uvicorn: 64 MiB chunked to the submissions API with no account."""
    total = 64 << 20
    with live_server(tmp_path, max_request_bytes=1 << 20) as server:
        idle_peak = proc_status_kib(server.pid, "VmHWM")
        status, response, sent = chunked_upload(
            "127.0.0.1", server.port, "/api/v1/lessons/demo-add/submissions", total=total
        )
        peak = proc_status_kib(server.pid, "VmHWM")
        assert status == 413, response[:500]
        assert b'"too_large"' in response
        assert sent < total  # the server stopped reading long before the end
        assert peak - idle_peak < 50 * 1024, (idle_peak, peak)
        assert httpx.get(server.url + "/healthz").status_code == 200
