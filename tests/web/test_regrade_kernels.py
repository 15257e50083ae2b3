"""A lesson edit flips a verdict in real sandboxed kernels: a learner's submission passes, the instructor
changes the lesson's reference solution in a temporary lesson directory, re-grades from the preview page's
endpoint, and the learner's report page then shows both verdicts; progress follows the newest one."""

from __future__ import annotations

import re

import pytest

from app.config import Settings
from app.main import create_app
from app.models import Role
from tests.lesson_factory import make_lesson

from .conftest import htmx, login, make_user, serve, wait_for

pytestmark = [pytest.mark.kernel, pytest.mark.slow, pytest.mark.timeout(1500)]

CODE = "import jax.numpy as jnp\n\n\ndef f(x):\n    return x + 1\n"
SLOW = 600.0  # kernel starts and reference runs on a busy shared machine

#: Generous time limits for the lesson copy: this test is about verdicts, and a shared, loaded test
#: machine can make a 20 s phase budget run out (an ``error`` verdict that would hide the flip).
PATIENT = "\n[limits]\nload_s = 200\nphase_s = 200\ncompile_s = 200\ntotal_s = 500\n"


async def test_a_lesson_edit_flips_a_verdict_and_the_learner_sees_both(kernel_settings: Settings) -> None:
    lessons = kernel_settings.runtime_dir / "lessons"
    folder = make_lesson(lessons, "demo-add", toml_extra=PATIENT)
    update = {"lesson_dirs": [lessons], "lesson_reload_s": 0, "grade_total_timeout_s": 500.0}
    update["kernel_ready_timeout_s"] = 240.0  # kernels can take minutes to start on this shared machine
    settings = kernel_settings.model_copy(update=update)
    app = create_app(settings)
    async with serve(app) as client:
        make_user(app, "alice")
        make_user(app, "ines", role=Role.INSTRUCTOR)
        await login(client, "alice")
        v1 = app.state.catalog.get("demo-add").content_hash
        r = await client.post("/lessons/demo-add/submissions", data={"code": CODE}, headers=await htmx(client))
        sub_id = int(r.text.split('hx-get="/submissions/')[1].split('"')[0])

        async def graded() -> dict[str, object] | None:
            body: dict[str, object] = (await client.get(f"/api/v1/submissions/{sub_id}")).json()
            return body if body["status"] == "done" else None

        first = await wait_for(graded, timeout=SLOW)
        assert first["verdict"] == "pass", first["report"]["message"]

        # The instructor changes the reference: x + 1 is no longer the right answer.
        (folder / "solution.py").write_text("import jax.numpy as jnp\n\n\ndef f(x):\n    return x + 2\n")
        assert app.state.catalog.refresh() == ["demo-add"]
        v2 = app.state.catalog.get("demo-add").content_hash
        await login(client, "ines")
        r = await client.post(
            "/instructor/lessons/demo-add/regrades", data={"scope": "latest"}, headers=await htmx(client)
        )
        assert "Queued 1 submission" in r.text, r.text

        async def regraded() -> dict[str, object] | None:
            body: dict[str, object] = (await client.get("/api/v1/lessons/demo-add/regrades")).json()
            return body if not body["active"] else None

        state = await wait_for(regraded, timeout=SLOW)
        assert (state["done"], state["failed"], state["changed"]) == (1, 0, 1), state

        await login(client, "alice")
        page = (await client.get(f"/submissions/{sub_id}")).text
        assert re.search(rf"Graded <strong[^>]*>passed</strong>.*against version <code>{v1}</code>", page, re.S), page
        assert re.search(
            rf"re-graded <strong[^>]*>not yet passed</strong>.*against version <code>{v2}</code>", page, re.S
        )
        assert "correctness" in page.split("What the re-grade found")[1]
        body = (await client.get(f"/api/v1/submissions/{sub_id}")).json()
        assert body["verdict"] == "pass" and body["regrade"]["verdict"] == "fail"
        assert body["regrade"]["report"]["lesson_version"] == v2
        progress = {p["lesson_id"]: p for p in (await client.get("/api/v1/me/progress")).json()}
        assert progress["demo-add"]["passed"] is False
