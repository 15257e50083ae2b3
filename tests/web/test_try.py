"""Try: the learner's f on the lesson's public examples, in their own kernel; hidden inputs stay hidden."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from app.config import Settings
from app.lessons.model import LessonMeta
from app.main import create_app
from kernels.outcomes import ExecutionResult, Output, Reason

from .conftest import LESSONS, FakeGrader, FakeProvider, htmx, login, make_user, wait_for

GOOD = "def f(x):\n    return x + 1\n"
BAD = "def f(x):\n    return x * 2\n"


class SubprocessKernel:
    """TEST ONLY: a stand-in for a sandboxed reference kernel that runs the cell in a fresh Python process."""

    channel_key = ""

    async def execute(self, code: str, options: Any = None) -> ExecutionResult:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await proc.communicate()
        result = ExecutionResult(reason=Reason.OK if proc.returncode == 0 else Reason.RAISED, message=err.decode())
        result.outputs.append(Output(kind="stream", name="stdout", text=out.decode()))
        return result


class SubprocessKernels:
    def __init__(self) -> None:
        self.acquired = 0

    async def acquire(self, config: Any) -> SubprocessKernel:
        self.acquired += 1
        return SubprocessKernel()

    async def release(self, kernel: Any) -> None:
        return None


def run_cell(code: str) -> str:
    """Run a cell the way the learner's kernel would (a real Python), for its printed output."""
    import subprocess

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    return done.stdout + done.stderr


@pytest.fixture
def try_kernels() -> SubprocessKernels:
    return SubprocessKernels()


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The test lessons plus ``demo-try``: demo-add with one public seed (7)."""
    extra = tmp_path / "try-lessons"
    shutil.copytree(LESSONS / "demo-add", extra / "demo-try")
    toml = extra / "demo-try" / "lesson.toml"
    toml.write_text(toml.read_text().replace("order = 10", "order = 20\nseeds = [0, 1, 2]\npublic_seeds = [7]"))
    return settings.model_copy(update={"lesson_dirs": [LESSONS, extra]})


@pytest.fixture
def app(settings: Settings, grader: FakeGrader, provider: FakeProvider, try_kernels: SubprocessKernels) -> FastAPI:
    return create_app(settings, grader=grader, kernel_provider=provider, try_kernels=try_kernels)


async def test_try_sends_only_public_examples_to_the_learners_kernel(
    client: httpx.AsyncClient, app: FastAPI, provider: FakeProvider, try_kernels: SubprocessKernels
) -> None:
    import numpy as np

    make_user(app, "alice")
    await login(client)
    page = (await client.get("/lessons/demo-try")).text
    assert 'id="try-btn"' in page and 'hx-post="/lessons/demo-try/try"' in page
    r = await client.post("/lessons/demo-try/try", data={"code": GOOD}, headers=await htmx(client))
    assert r.status_code == 200, r.text
    public = np.random.default_rng(7).normal(size=4).astype("float32")
    assert "Expected output" in r.text and "float32[4]" in r.text and f"{public[0]:.4f}"[:5] in r.text
    assert 'hx-get="/runs/' in r.text  # the learner's own result streams in like a Run

    async def executed() -> str | None:
        return provider.kernels[-1].executed[-1] if provider.kernels and provider.kernels[-1].executed else None

    cell = await wait_for(executed)
    assert cell.startswith(GOOD.rstrip("\n"))
    lesson = app.state.catalog.get("demo-try")
    assert "def make_args" not in cell and lesson.inputs not in cell  # inputs.py never reaches the learner
    assert lesson.solution not in cell and "import jax.numpy as jnp" not in cell  # nor does solution.py
    from kernels.tryout_helpers import encode

    def wire(seed: int) -> str:  # how an input array of this seed travels (.npy, base64)
        return str(encode(np.random.default_rng(seed).normal(size=4).astype("float32"))["npy"])

    assert wire(7) in cell  # the public input does travel ...
    assert not [s for s in (0, 1, 2) if wire(s) in cell]  # ... and no graded one does
    out = run_cell(cell)
    assert "Example 1 (public seed 7)" in out and "✓ matches the expected output" in out, out
    assert "✗ differs" in run_cell(cell.replace("x + 1", "x * 2", 1))
    # Computed once per lesson version: a second Try (and the cache file) reuse it.
    await client.post("/lessons/demo-try/try", data={"code": BAD}, headers=await htmx(client))
    assert try_kernels.acquired == 1
    cached = list(app.state.settings.reference_cache_dir.glob("demo-try-*-public.json"))
    assert len(cached) == 1


async def test_try_needs_public_examples_and_code(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    assert 'id="try-btn"' not in (await client.get("/lessons/demo-add")).text
    r = await client.post("/lessons/demo-add/try", data={"code": GOOD}, headers=await htmx(client))
    assert r.status_code == 409 and "no public examples" in r.text
    r = await client.post("/lessons/demo-try/try", data={"code": "  "}, headers=await htmx(client))
    assert r.status_code == 400 and "empty" in r.text
    r = await client.post("/lessons/nope/try", data={"code": GOOD}, headers=await htmx(client))
    assert r.status_code == 404


async def test_a_broken_reference_says_so(app: FastAPI, client: httpx.AsyncClient, settings: Settings) -> None:
    lesson = app.state.catalog.get("demo-try")
    broken = lesson.model_copy(update={"solution": "def f(x):\n    raise ValueError('no')\n"})
    from app.services.tryout import PublicExamples, TryUnavailable

    with pytest.raises(TryUnavailable, match="could not be computed"):
        await PublicExamples(settings, SubprocessKernels()).examples(broken)


def test_public_seeds_must_not_be_graded_seeds() -> None:
    base = {"id": "x-y", "title": "abc", "step": 1, "order": 1, "checks": {"correctness": {}}}
    assert LessonMeta.model_validate({**base, "public_seeds": [9]}).public_seeds == [9]
    with pytest.raises(ValidationError, match="graded seeds"):
        LessonMeta.model_validate({**base, "seeds": [0, 1], "public_seeds": [1]})


def test_values_round_trip_and_unshowable_ones_are_refused() -> None:
    import numpy as np

    from kernels.tryout_helpers import NotPublishable, compare, decode, encode, summary

    value = (np.arange(6, dtype=np.float32).reshape(2, 3), {"n": 3, "s": "x"}, [1.5, None, True])
    back = decode(encode(value))
    assert compare(back, value, 1e-6, 1e-6) is None and back[1] == {"n": 3, "s": "x"}
    assert back[0].dtype == np.float32 and summary(back[0]).startswith("float32[2, 3] [[0. 1. 2.]")
    assert "shape [3], expected [2, 3]" in str(compare((np.zeros(3), value[1], value[2]), value, 1e-6, 1e-6))
    assert "max abs error 1" in str(compare(value[0] + 1, value[0], 1e-6, 1e-6))
    for bad in (object(), np.array(["a"]), np.array([object()], dtype=object)):
        with pytest.raises(NotPublishable):
            encode(bad)
