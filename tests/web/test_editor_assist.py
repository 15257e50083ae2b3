"""Completion and inspect (Shift+Tab) from the learner's own Run kernel: real kernels, and who may ask."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from app.services.run.assist import last_name, plain_text

from .conftest import BASE_URL, csrf, htmx, login, make_user, next_poll, serve

SCOPE = "lesson:demo-add"


async def _json_headers(client: httpx.AsyncClient) -> dict[str, str]:
    return {"X-CSRF-Token": await csrf(client), "Accept": "application/json"}


async def _ask(client: httpx.AsyncClient, what: str, code: str, pos: int | None = None, scope: str = SCOPE) -> dict:
    body = {"code": code, "cursor_pos": len(code) if pos is None else pos, "scope": scope}
    r = await client.post(f"/kernel/{what}", json=body, headers=await _json_headers(client))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    return dict(r.json())


async def _run(client: httpx.AsyncClient, code: str, scope: str = SCOPE) -> str:
    r = await client.post("/runs", data={"code": code, "scope": scope}, headers=await htmx(client))
    assert r.status_code == 200, r.text
    html, url = "", next_poll(r.text)
    for _ in range(6000):
        if url is None:
            return html
        await asyncio.sleep(0.05)
        page = await client.get(url, headers={"HX-Request": "true"})
        html += page.text
        url = next_poll(page.text)
    raise AssertionError("run did not finish")


def test_matches_are_the_name_being_typed() -> None:
    assert last_name([".arange", ".array"], ".ar", 3) == (["arange", "array"], 4)
    assert last_name(["jnp.arange"], "jnp.ar", 0) == (["arange"], 4)
    assert last_name(["scaled_total"], "scaled_to", 4) == (["scaled_total"], 4)
    assert last_name(["'key'", "x"], "'k", 2) == (["'key'", "x"], 2)  # not all share the prefix: unchanged


def test_plain_text_drops_ansi_and_control_characters() -> None:
    raw = "\x1b[0;31mSignature:\x1b[0m f(x)\n\tdoc\x07<b>"
    assert plain_text(raw) == "Signature: f(x)\n\tdoc<b>"


@pytest.mark.kernel
@pytest.mark.sandbox
@pytest.mark.slow
async def test_complete_and_inspect_come_from_the_learners_own_kernel(kernel_settings: Settings) -> None:
    kernel_settings.editor_assist_timeout_s = 20  # the first completion loads the completer: slow under load
    app = create_app(kernel_settings)
    async with serve(app) as alice:
        make_user(app, "alice")
        make_user(app, "bob")
        await login(alice)
        # Before any Run there is no kernel: empty at once, and no kernel is started for it.
        t0 = time.monotonic()
        answer = await _ask(alice, "complete", "import math\nmath.")
        assert answer == {"matches": [], "cursor_start": 0, "cursor_end": 0, "unavailable": "no-kernel"}
        assert time.monotonic() - t0 < 5 and app.state.runs.gate.live == 0
        assert (await _ask(alice, "inspect", "len("))["unavailable"] == "no-kernel"

        code = 'import math\ndef secret_helper_alice(x, y=2):\n    """Adds <b>y</b> to x."""\n    return x + y\n'
        code += 'print("ok")'
        assert "ok" in await _run(alice, code)
        answer = await _ask(alice, "complete", "secret_hel")
        assert answer["unavailable"] == "" and "secret_helper_alice" in answer["matches"]
        assert (answer["cursor_start"], answer["cursor_end"]) == (0, len("secret_hel"))
        answer = await _ask(alice, "complete", "x = 1\nsecret_helper_alice(", pos=len("x = 1\nsecret_he"))
        assert "secret_helper_alice" in answer["matches"] and answer["cursor_start"] == len("x = 1\n")
        answer = await _ask(alice, "complete", "import math\nmath.sq")
        assert answer["matches"] == ["sqrt"] and answer["cursor_start"] == len("import math\nmath.")

        answer = await _ask(alice, "inspect", "secret_helper_alice(", pos=len("secret_helper_alice"))
        assert answer["found"] is True and answer["unavailable"] == ""
        assert "secret_helper_alice(x, y=2)" in answer["text"] and "Adds <b>y</b> to x." in answer["text"]
        assert "\x1b" not in answer["text"] and "ipykernel_" not in answer["text"]
        assert (await _ask(alice, "inspect", "no_such_name_here"))["found"] is False

        # The kernel still runs code normally after editor requests (no reply left on its channels).
        assert "3" in await _run(alice, "print(secret_helper_alice(1))")

        # Another scope of the same learner has its own kernel (none yet); another learner never sees alice's.
        assert (await _ask(alice, "complete", "secret_hel", scope="playground"))["unavailable"] == "no-kernel"
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as bob:
            await login(bob, "bob")
            answer = await _ask(bob, "complete", "secret_hel")
            assert answer["matches"] == [] and answer["unavailable"] == "no-kernel"
            assert "ok" in await _run(bob, "print('ok')")
            answer = await _ask(bob, "complete", "secret_hel")
            assert answer["unavailable"] == "" and "secret_helper_alice" not in answer["matches"]
            assert (await _ask(bob, "inspect", "secret_helper_alice"))["found"] is False


@pytest.mark.kernel
@pytest.mark.sandbox
@pytest.mark.slow
async def test_a_busy_kernel_answers_empty_at_once(kernel_settings: Settings) -> None:
    app = create_app(kernel_settings)
    async with serve(app) as client:
        make_user(app, "alice")
        await login(client)
        assert "ok" in await _run(client, "import time\nprint('ok')")
        r = await client.post("/runs", data={"code": "time.sleep(15)", "scope": SCOPE}, headers=await htmx(client))
        assert r.status_code == 200
        for _ in range(400):
            if app.state.runs.status(user_id=1, scope=SCOPE) == "busy":
                break
            await asyncio.sleep(0.05)
        answer = await _ask(client, "complete", "tim")
        assert answer == {"matches": [], "cursor_start": 0, "cursor_end": 0, "unavailable": "busy"}
        await app.state.runs.interrupt(user_id=1, scope=SCOPE)


async def test_editor_requests_need_a_session_and_the_csrf_token(app: FastAPI, client: httpx.AsyncClient) -> None:
    body = {"code": "pri", "cursor_pos": 3, "scope": SCOPE}
    r = await client.post("/kernel/complete", json=body, headers=await _json_headers(client))
    assert r.status_code == 401 and r.json()["error"]["status"] == 401
    make_user(app, "alice")
    await login(client)
    r = await client.post("/kernel/complete", json=body, headers={"Accept": "application/json"})
    assert r.status_code == 403
    r = await client.post("/kernel/inspect", json=body | {"scope": "user:2"}, headers=await _json_headers(client))
    assert r.status_code == 400
    r = await client.post("/kernel/inspect", json=body | {"cursor_pos": -1}, headers=await _json_headers(client))
    assert r.status_code == 422
    # Signed in, with no kernel: empty, and nothing is started (the fake provider hands out nothing).
    r = await client.post("/kernel/complete", json=body, headers=await _json_headers(client))
    assert r.json()["unavailable"] == "no-kernel" and app.state.runs.provider.kernels == []


async def test_a_kernel_that_cannot_answer_editor_requests_gives_empty(app: FastAPI, client: httpx.AsyncClient) -> None:
    make_user(app, "alice")
    await login(client)
    assert "Done" in await _run(client, "print('hi')")
    answer = await _ask(client, "complete", "pri")
    assert answer["matches"] == [] and answer["unavailable"] == "no-kernel"


@pytest.mark.kernel
@pytest.mark.sandbox
@pytest.mark.slow
async def test_a_kernel_that_does_not_answer_in_time_gives_none_within_the_limit(kernel_settings: Settings) -> None:
    from app.services.run import session_kernel_config
    from kernels.launcher import start_kernel

    kernel_settings.runtime_dir.mkdir(parents=True, exist_ok=True)
    kernel = await start_kernel(session_kernel_config(kernel_settings))
    try:
        # Busy behind the handle's back (so its lock is free): the kernel cannot answer until the sleep ends.
        assert kernel._client is not None
        kernel._client.execute("import time; time.sleep(8)")
        await asyncio.sleep(0.5)
        t0 = time.monotonic()
        assert await kernel.shell_request("complete_request", {"code": "tim", "cursor_pos": 3}, 1.0) is None
        assert time.monotonic() - t0 < 4
        # Once it is free again it answers, and the late reply of the first request is skipped.
        for _ in range(60):
            reply = await kernel.shell_request("complete_request", {"code": "tim", "cursor_pos": 3}, 5.0)
            if reply is not None:
                break
        assert reply is not None and "time" in reply["matches"]
    finally:
        await kernel.shutdown()
