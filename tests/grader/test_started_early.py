"""``StartedEarly``: the kernel `jaxtutor check` starts before it checks the sandbox (no kernel needed)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from app.grader.kernel_source import StartedEarly
from kernels.launcher import KernelConfig
from kernels.runtime import KernelHandle


class RecordingSource:
    """Hands out numbered stand-in kernels after a short start; records what was acquired and released."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.acquired: list[tuple[int, str]] = []
        self.released: list[int] = []

    async def acquire(self, config: KernelConfig) -> KernelHandle:
        await asyncio.sleep(0.01)
        if self.fail:
            raise RuntimeError("no kernel")
        n = len(self.acquired)
        self.acquired.append((n, config.purpose))
        return cast(KernelHandle, n)

    async def release(self, kernel: Any) -> None:
        self.released.append(int(kernel))


async def test_the_start_begins_before_anyone_asks_and_the_same_config_gets_that_kernel() -> None:
    inner = RecordingSource()
    early = StartedEarly(inner, KernelConfig(purpose="grading"))
    await asyncio.sleep(0.05)  # the caller's own preparation
    assert inner.acquired == [(0, "grading")]  # already started
    kernel = await early.acquire(KernelConfig(purpose="grading"))
    assert kernel == 0 and len(inner.acquired) == 1
    await early.release(kernel)
    await early.close()  # nothing left to shut down
    assert inner.released == [0]


async def test_another_config_or_a_second_request_starts_a_fresh_kernel_and_the_early_one_is_shut_down() -> None:
    inner = RecordingSource()
    early = StartedEarly(inner, KernelConfig(purpose="grading"))
    kernel = await early.acquire(KernelConfig(purpose="grading", device_count=2))
    assert kernel == 1 and inner.released == [0]
    assert await early.acquire(KernelConfig(purpose="grading")) == 2  # the early one is spent


async def test_close_shuts_down_a_kernel_nobody_took() -> None:
    inner = RecordingSource()
    early = StartedEarly(inner, KernelConfig())
    await early.close()
    assert inner.released == [0]


async def test_a_failed_early_start_surfaces_when_grading_asks_and_close_swallows_it() -> None:
    early = StartedEarly(RecordingSource(fail=True), KernelConfig())
    with pytest.raises(RuntimeError, match="no kernel"):
        await early.acquire(KernelConfig())
    await StartedEarly(RecordingSource(fail=True), KernelConfig()).close()


async def test_check_refuses_after_starting_early_and_shuts_the_unused_kernel_down(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """`jaxtutor check` starts its kernel before the sandbox check: a refusal still grades nothing (no learner
    code reaches a kernel) and the kernel started meanwhile is shut down."""
    import argparse

    from app.cli import grading_cmds
    from app.config import Settings
    from app.grader import kernel_source, pipeline

    inner = RecordingSource()
    monkeypatch.setattr(kernel_source, "default_source", lambda settings: inner)
    monkeypatch.setattr(grading_cmds, "_sandbox_refusal", lambda settings, share=True: "bwrap is missing")

    async def must_not_grade(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("graded although the sandbox check refused")

    monkeypatch.setattr(pipeline, "grade_free_code", must_not_grade)
    settings = Settings(data_dir=tmp_path / "data", runtime_dir=tmp_path / "run")
    args = argparse.Namespace(entry="f", min_speedup=None, json=False)
    assert await grading_cmds._check_started_early(args, settings, "def f(x):\n    return x\n", ()) == 2
    assert "refusing to run untrusted code: bwrap is missing" in capsys.readouterr().err
    assert inner.acquired == [(0, "grading")] and inner.released == [0]


def test_the_command_line_starts_without_the_database_layer() -> None:
    """`jaxtutor check` starts its kernel only once the command line is parsed: importing the database layer
    there (SQLAlchemy, the models: ~0.4 s of CPU) delayed every check. Commands that need it import it."""
    import subprocess
    import sys

    probe = (
        "import sys, app.cli; app.cli.build_parser(); "
        "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'app.models') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]", out.stdout
