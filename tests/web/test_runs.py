from __future__ import annotations

import asyncio
import re

import httpx
from fastapi import FastAPI

from app.config import Settings

from .conftest import FakeProvider, htmx, login, make_user, next_poll


async def _run(client: httpx.AsyncClient, code: str) -> httpx.Response:
    return await client.post("/runs", data={"code": code}, headers=await htmx(client))


async def _follow(client: httpx.AsyncClient, html: str, limit: int = 200) -> str:
    """Follow the self-polling component the way htmx does; returns all output HTML."""
    collected = ""
    url = next_poll(html)
    for _ in range(limit):
        if url is None:
            return collected
        await asyncio.sleep(0.01)
        r = await client.get(url, headers={"HX-Request": "true"})
        assert r.status_code == 200
        collected += r.text
        url = next_poll(r.text)
    raise AssertionError("run did not finish")


async def test_run_streams_output_until_done(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    r = await _run(client, "print('<hi>')")
    assert r.status_code == 200 and 'hx-swap-oob="true"' in r.text
    out = await _follow(client, r.text)
    assert "&lt;ran&gt; 13 chars" in out and "Done" in out
    status = await client.get("/kernel/status")
    assert "idle" in status.text


async def test_stream_pieces_from_different_polls_read_as_one_line(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    r = await _run(client, "PIECES")
    pages = [r.text]
    url = next_poll(r.text)
    while url is not None:
        await asyncio.sleep(0.01)
        pages.append((await client.get(url, headers={"HX-Request": "true"})).text)
        url = next_poll(pages[-1])
    assert sum("tick" in page for page in pages) == 1 and sum(" 2\n" in page for page in pages) == 1
    assert [i for i, p in enumerate(pages) if "tick" in p] != [i for i, p in enumerate(pages) if " 2\n" in p]
    # Inline spans with nothing between them but the (replaced) poll element: the browser shows "tick 2".
    html = re.sub(r'<div hx-get="[^"]*"[^>]*>.*?</div>', "", "".join(pages), flags=re.S)
    assert re.search(r'tick</span><span class="out out-stdout"> 2\n</span>', html), html


async def test_html_output_goes_to_a_sandboxed_iframe(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    out = await _follow(client, (await _run(client, "HTML")).text)
    assert '<iframe class="out out-html" sandbox=""' in out
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "allow-same-origin" not in out


async def test_errors_show_clean_traceback(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    out = await _follow(client, (await _run(client, "RAISE")).text)
    assert "ValueError: bad &lt;value&gt;" in out and "Traceback line" in out and "\x1b" not in out


async def test_busy_interrupt_and_restart(client: httpx.AsyncClient, app: FastAPI, provider: FakeProvider) -> None:
    make_user(app, "alice")
    await login(client)
    first = await _run(client, "SLEEP")
    for _ in range(100):
        if provider.kernels and provider.kernels[0].busy:
            break
        await asyncio.sleep(0.01)
    busy = await _run(client, "print(1)")
    assert busy.status_code == 409 and "still running" in busy.text
    assert busy.headers["hx-reswap"] == "afterbegin"  # the running cell's output stays on the page
    r = await client.post("/kernel/interrupt", headers=await htmx(client))
    assert r.status_code == 200
    out = await _follow(client, first.text)
    assert "sleeping" in out and "interrupted" in out
    r = await client.post("/kernel/restart", headers=await htmx(client))
    assert "not started" in r.text and provider.released == provider.kernels[:1]
    await _follow(client, (await _run(client, "print(2)")).text)
    assert len(provider.kernels) == 2


async def test_run_needs_login_csrf_and_limits(client: httpx.AsyncClient, app: FastAPI, settings: Settings) -> None:
    r = await client.post("/runs", data={"code": "1"}, headers={"HX-Request": "true"})
    assert r.status_code == 403  # CSRF is checked before anything else
    r = await _run(client, "1")
    # Not logged in: a notice with a login link back to the page (no redirect to the POST-only /runs).
    assert r.status_code == 401 and r.headers["HX-Retarget"] == "#notice" and "HX-Redirect" not in r.headers
    assert 'href="/login?next=/"' in r.text
    r = await client.post(
        "/runs",
        data={"code": "1"},
        headers=await htmx(client) | {"HX-Current-URL": "https://testserver/lessons/demo-add?x=1"},
    )
    assert 'href="/login?next=/lessons/demo-add%3Fx%3D1"' in r.text
    r = await client.post(
        "/runs", data={"code": "1"}, headers=await htmx(client) | {"HX-Current-URL": "https://evil.example/x"}
    )
    assert 'href="/login?next=/"' in r.text
    make_user(app, "alice")
    await login(client)
    assert (await _run(client, "#" * (settings.max_code_bytes + 1))).status_code == 413
    settings.run_rate_per_minute = 1
    await _follow(client, (await _run(client, "1")).text)
    assert (await _run(client, "1")).status_code == 429


async def test_kernels_are_capped_and_culled(client: httpx.AsyncClient, app: FastAPI, settings: Settings) -> None:
    """At the server's cap a Run waits while the least recently used idle kernel is stopped (no 503), and
    its learner is told on the next page load and Run; idle kernels are culled after session_kernel_idle_s."""
    settings.max_session_kernels = 1
    app.state.runs.gate.limit = 1
    make_user(app, "alice")
    make_user(app, "bob")
    await login(client, "alice")
    await _follow(client, (await _run(client, "1")).text)
    await login(client, "bob")
    r = await _run(client, "print('bob')")
    assert r.status_code == 200
    assert "&lt;ran&gt;" in await _follow(client, r.text)
    await login(client, "alice")
    assert "stopped to free room" in (await client.get("/kernel/status")).text
    out = await _follow(client, (await _run(client, "1")).text)
    assert "stopped to free room for other learners" in out
    settings.session_kernel_idle_s = 0.0001
    await asyncio.sleep(0.01)
    assert await app.state.runs.cull_idle() == 1
    assert app.state.runs.gate.live == 0 and app.state.runs.gate.peak == 1
    out = await _follow(client, (await _run(client, "1")).text)
    assert "stopped after being idle" in out


async def test_a_run_is_polled_from_the_database_where_it_is_not_in_memory(
    client: httpx.AsyncClient, app: FastAPI, provider: FakeProvider
) -> None:
    make_user(app, "alice")
    make_user(app, "bob")
    await login(client)
    first = await _run(client, "SLEEP")
    url = next_poll(first.text)
    assert url is not None
    for _ in range(100):
        if provider.kernels and provider.kernels[0].busy:
            break
        await asyncio.sleep(0.01)
    runs = app.state.runs
    kept = dict(runs.sessions)
    runs.sessions.clear()  # as on another replica: nothing of this Run in memory
    await asyncio.sleep(0.3)  # the first output batch is written at once
    r = await client.get(url, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "sleeping" in r.text and "Running" in r.text
    runs.sessions.update(kept)
    await client.post("/kernel/interrupt", headers=await htmx(client))
    await _follow(client, first.text)
    runs.sessions.clear()
    r = await client.get(url, headers={"HX-Request": "true"})  # from the start: all of it, and the end
    assert r.status_code == 200 and "sleeping" in r.text and "interrupted" in r.text and "run-done" in r.text
    assert next_poll(r.text) is None
    await login(client, "bob")
    assert (await client.get(url, headers={"HX-Request": "true"})).status_code == 404  # alice's Run
