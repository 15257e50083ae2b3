"""Fakes for the app's two seams: a kernel provider (Run kernels) and a grader.

One of each, shared by the in-process web tests, the scale-out replicas (via ``app_factory``) and the
web benchmark, so that a change to the seams' contracts breaks them all at once.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import json
import os
import re
import time
from typing import Any

from app.config import Settings
from kernels.outcomes import ErrorInfo, ExecutionResult, Output, Reason

EVENTS_FILE = "fake-grader-events.jsonl"
_SLEEP = re.compile(r"FAKE_SLEEP=([0-9]+(?:\.[0-9]+)?)")
_TICKS = re.compile(r"TICKS=([0-9]+)")


class FakeKernel:
    """Stands in for kernels.runtime.KernelHandle: echoes, raises, sleeps (until interrupted) or prints in pieces.

    ``cost_s``: every execution takes at least this long (the benchmark's fixed kernel cost)."""

    def __init__(self, cost_s: float = 0.0) -> None:
        self.cost_s = cost_s
        self.busy = False
        self.executed: list[str] = []
        self.interrupted = asyncio.Event()
        self.shut = False

    async def execute(self, code: str, options: Any = None) -> ExecutionResult:
        self.executed.append(code)
        self.busy = True
        self.interrupted.clear()
        started = time.monotonic()
        result = ExecutionResult(reason=Reason.OK)

        async def emit(out: Output) -> None:
            result.outputs.append(out)
            if options is not None and options.on_output is not None:
                options.on_output(out)

        try:
            if self.cost_s:
                await asyncio.sleep(self.cost_s)
            if "SLEEP" in code:
                await emit(Output(kind="stream", name="stdout", text="sleeping\n"))
                try:
                    await asyncio.wait_for(self.interrupted.wait(), 5)
                except TimeoutError:
                    pass
                result.reason = Reason.TIMEOUT
                result.message = "interrupted"
                return result
            if "RAISE" in code:
                result.reason = Reason.RAISED
                result.error = ErrorInfo("ValueError", "bad <value>", ["\x1b[31mTraceback line\x1b[0m"])
                await emit(Output(kind="error", name="ValueError", text="bad <value>"))
                return result
            ticks = _TICKS.search(code)
            if ticks:  # TICKS=<n>: a line every 50 ms carrying its wall-clock time (output latency benchmark)
                for _ in range(int(ticks.group(1))):
                    await emit(Output(kind="stream", name="stdout", text=f"tick {time.time():.4f}\n"))
                    await asyncio.sleep(0.05)
            if "PIECES" in code:  # one line flushed in two pieces, far enough apart to reach two polls
                await emit(Output(kind="stream", name="stdout", text="tick"))
                await asyncio.sleep(0.2)
                await emit(Output(kind="stream", name="stdout", text=" 2\n"))
            if "HTML" in code:
                await emit(Output(kind="display", data={"text/html": "<script>alert(1)</script><b>x</b>"}))
            await emit(Output(kind="stream", name="stdout", text=f"<ran> {len(code)} chars\n"))
            return result
        finally:
            result.duration_s = time.monotonic() - started
            self.busy = False

    async def interrupt(self) -> None:
        self.interrupted.set()

    async def restart(self) -> None:
        return None

    async def shutdown(self) -> None:
        self.shut = True

    async def status(self) -> str:
        return "busy" if self.busy else "idle"


class FakeProvider:
    """A kernel provider whose kernels are ``FakeKernel``s; records what it handed out and got back."""

    def __init__(self, cost_s: float = 0.0) -> None:
        self.cost_s = cost_s
        self.kernels: list[FakeKernel] = []
        self.released: list[FakeKernel] = []

    async def start(self) -> None:
        return None

    async def acquire(self, *, owner: str) -> FakeKernel:
        kernel = FakeKernel(self.cost_s)
        self.kernels.append(kernel)
        return kernel

    async def release(self, kernel: Any) -> None:
        await kernel.shutdown()
        self.released.append(kernel)

    async def close(self) -> None:
        return None


class FakeGrader:
    """A grader that runs no code: ``pass`` when the code contains ``x + 1``, else ``fail``.

    - ``cost_s``: each grading takes this long; a ``FAKE_SLEEP=<seconds>`` marker in the code overrides it
      (at most 60 s), so a multi-process test can hold one grading open.
    - ``raise_error``: the grader crashes (the app must turn that into an ``error`` report).
    - ``infra_failures``: the next that many gradings fail as a full disk does (``OSError(ENOSPC)``), and
      ``infra_reports`` that many return a report naming an infrastructure problem (no kernel could start):
      the app must retry those, never store them as the learner's ``error``.
    - ``record_events``: each grading appends ``start`` and ``finish`` JSON lines (``replica``, ``pid``,
      ``code_sha``) to ``<data_dir>/fake-grader-events.jsonl``, so a test can count exactly how many
      times each submission was graded, and where.
    """

    def __init__(self, *, cost_s: float = 0.0, record_events: bool = False) -> None:
        self.cost_s = cost_s
        self.record_events = record_events
        self.calls: list[tuple[str, str]] = []
        self.raise_error = False
        self.infra_failures = 0
        self.infra_reports = 0

    def _event(self, settings: Settings, event: str, code: str) -> None:
        if not self.record_events:
            return
        line = json.dumps(
            {
                "event": event,
                "replica": settings.replica_name(),
                "pid": os.getpid(),
                "code_sha": hashlib.sha256(code.encode()).hexdigest()[:16],
                "t": time.time(),
            }
        )
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with open(settings.data_dir / EVENTS_FILE, "a", encoding="utf-8") as f:  # one short append: atomic
            f.write(line + "\n")

    async def __call__(self, *, lesson: Any, code: str, settings: Settings, **_: Any) -> dict[str, Any]:
        self.calls.append((lesson.id, code))
        self._event(settings, "start", code)
        if self.raise_error:
            raise RuntimeError("grader exploded")
        if self.infra_failures > 0:
            self.infra_failures -= 1
            raise OSError(errno.ENOSPC, "No space left on device")
        if self.infra_reports > 0:
            self.infra_reports -= 1
            return {
                "version": 1,
                "status": "error",
                "score": 0.0,
                "message": "The grader could not start a kernel: the sandbox is unavailable",
                "checks": [],
                "timings": {},
                "infrastructure": "a grading kernel could not start",
            }
        match = _SLEEP.search(code)
        delay = min(float(match.group(1)), 60.0) if match else self.cost_s
        if delay:
            await asyncio.sleep(delay)
        ok = "x + 1" in code
        self._event(settings, "finish", code)
        return {
            "version": 1,
            "status": "pass" if ok else "fail",
            "score": 1.0 if ok else 0.25,
            "message": "All checks passed." if ok else "Some checks failed.",
            "checks": [
                {
                    "name": "correctness",
                    "status": "pass" if ok else "fail",
                    "message": "matches" if ok else "max abs error 1.0 > atol <1e-6>",
                    "details": {"max_abs_err": 0.0 if ok else 1.0},
                }
            ],
            "timings": {"total_s": 0.01},
        }
