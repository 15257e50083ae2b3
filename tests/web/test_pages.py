from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.config import Settings
from app.models import Role

from .conftest import csrf, htmx, login, make_user


async def test_catalog_groups_by_step_and_sets_security_headers(client: httpx.AsyncClient) -> None:
    r = await client.get("/")
    assert r.status_code == 200
    assert "Step 1: Problem analysis" in r.text and "Add one, the JAX way" in r.text
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "HX-Request" in r.headers["vary"]
    assert "/static/htmx-2.0.11.min.js" in r.text
    assert "jaxtutor_csrf=" in r.headers["set-cookie"]


async def test_static_assets_are_vendored(client: httpx.AsyncClient) -> None:
    for path in ("/static/htmx-2.0.11.min.js", "/static/vendor/codemirror-5.65.21.js", "/static/app.js"):
        assert (await client.get(path)).status_code == 200, path


async def test_lesson_page_renders_markdown_safely(client: httpx.AsyncClient, app: FastAPI) -> None:
    r = await client.get("/lessons/demo-add")
    assert r.status_code == 200
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;" in r.text
    assert 'class="highlight"' in r.text  # pygments
    assert "Log in</a> to run" in r.text
    make_user(app, "alice")
    await login(client)
    r = await client.get("/lessons/demo-add")
    assert 'id="code"' in r.text and "Run" in r.text and "Submit" in r.text
    assert "Reference solution" not in r.text


async def test_unknown_lesson_is_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/lessons/nope")
    assert r.status_code == 404 and "no lesson" in r.text


async def test_hints_are_revealed_one_at_a_time(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    headers = await htmx(client)
    r1 = await client.post("/lessons/demo-add/hints", headers=headers)
    assert "Look at the starter." in r1.text and "Return x + 1." not in r1.text and "1 left" in r1.text
    r2 = await client.post("/lessons/demo-add/hints", headers=headers)
    assert "Return x + 1." in r2.text and "No more hints" in r2.text
    r3 = await client.post("/lessons/demo-add/hints", headers=headers)
    assert r3.text.count("<li>") == 2
    assert "Return x + 1." in (await client.get("/lessons/demo-add")).text


async def test_instructor_and_admin_pages_need_roles(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    make_user(app, "ines", role=Role.INSTRUCTOR)
    make_user(app, "ada", role=Role.ADMIN)
    await login(client, "alice")
    assert (await client.get("/instructor")).status_code == 403
    assert (await client.get("/admin")).status_code == 403
    await login(client, "ines")
    r = await client.get("/instructor")
    assert r.status_code == 200 and "Pass rates" in r.text and "alice" in r.text
    csv = await client.get("/instructor/export.csv")
    assert csv.status_code == 200 and csv.text.startswith("username,role,lesson")
    assert (await client.get("/admin")).status_code == 403
    await login(client, "ada")
    r = await client.get("/admin")
    assert r.status_code == 200 and "broken" in r.text and "less than or equal to 6" in r.text
    users_page = r.text
    assert "alice" in users_page


async def test_admin_changes_roles(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    make_user(app, "ada", role=Role.ADMIN)
    await login(client, "ada")
    r = await client.post("/admin/users/1/role", data={"role": "instructor", "csrf_token": await csrf(client)})
    assert r.status_code == 303
    await login(client, "alice")
    assert (await client.get("/instructor")).status_code == 200


async def test_htmx_error_is_a_partial(client: httpx.AsyncClient) -> None:
    r = await client.get("/lessons/nope", headers={"HX-Request": "true"})
    assert r.status_code == 404 and "<html" not in r.text and 'role="alert"' in r.text


async def test_request_size_cap(client: httpx.AsyncClient, settings: Settings) -> None:
    r = await client.post("/login", content=b"x" * (settings.max_request_bytes + 1))
    assert r.status_code == 413


def test_every_setting_is_documented() -> None:
    missing = [name for name, field in Settings.model_fields.items() if not field.description]
    assert missing == []
