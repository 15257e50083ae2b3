"""Database calls do not block the event loop: a slow query of one request leaves the loop free for others
(Run polls, /healthz). Before, routes were ``async def`` and their queries ran on the loop itself."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import event

from .conftest import login, make_user


async def test_a_slow_query_does_not_stall_the_loop(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    slow_s = 1.5

    def slow(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "lesson_progress" in statement:
            time.sleep(slow_s)  # a slow database, in whatever thread runs the query

    event.listen(app.state.engine, "before_cursor_execute", slow)
    try:
        started = time.monotonic()
        catalog = asyncio.create_task(client.get("/"))  # reads the learner's progress
        await asyncio.sleep(0.2)  # the catalog request is in its slow query by now
        health = await client.get("/healthz")
        health_s = time.monotonic() - started  # on a blocked loop: not before the slow query ends
        page = await catalog
    finally:
        event.remove(app.state.engine, "before_cursor_execute", slow)
    assert page.status_code == 200 and time.monotonic() - started >= slow_s  # the slow query did run
    assert health.status_code == 200
    assert health_s < 0.2 + slow_s / 2, f"/healthz answered {health_s:.2f} s after a slow query began"


def test_database_routes_are_sync() -> None:
    """Page and API routes run in the threadpool (the auth and Run routes await, and stay async, as do the
    instructor's preview gradings, which await a kernel)."""
    from app.routes import admin, api, instructor, pages, submissions

    async_routes = []
    for module in (admin, api, instructor, pages, submissions):
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            awaits_a_kernel = route.path.startswith("/instructor/lessons/{lesson_id}/preview")
            if asyncio.iscoroutinefunction(route.endpoint) and route.path != "/healthz" and not awaits_a_kernel:
                async_routes.append(f"{module.__name__}:{route.path}")
    assert async_routes == []
