"""Run the in-kernel harness and collect its signed observations.

The harness source (``kernels/harness``) travels in the bootstrap cell, so nothing of the project
needs to be visible inside the sandbox. Only display messages of the channel's MIME type that carry a
valid HMAC under this kernel's key, in sequence, are believed; printed text never is. Each ``phase``
message arms that phase's deadline; when it passes, the kernel is killed and the phase is reported as
timed out. A kernel that dies is reported with its reason; the caller turns that into an ``error``.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from kernels.harness.channel import MIME, sign
from kernels.outcomes import Output, Reason
from kernels.runtime import Deadline, ExecuteOptions, KernelHandle

HARNESS_MODULES = (
    "guard",
    "channel",
    "serialize",
    "context",
    "probes",
    "keys",
    "purity",
    "program",
    "transforms",
    "timing",
    "run",
)


def harness_sources() -> dict[str, str]:
    pkg = resources.files("kernels.harness")
    return {name: (pkg / f"{name}.py").read_text(encoding="utf-8") for name in HARNESS_MODULES}


@functools.cache
def harness_digest() -> str:
    """Changes whenever the harness changes: part of the reference cache key."""
    digest = hashlib.sha256(json.dumps(harness_sources(), sort_keys=True).encode())
    return digest.hexdigest()[:12]


def bootstrap_cell(plan: dict[str, Any]) -> str:
    sources = json.dumps(harness_sources())
    return (
        "def _jt_boot():\n"
        "    import json, sys, types\n"
        f"    srcs = json.loads({sources!r})\n"
        "    pkg = types.ModuleType('_jt'); pkg.__path__ = []; pkg.__package__ = '_jt'\n"
        "    sys.modules['_jt'] = pkg\n"
        f"    for name in {list(HARNESS_MODULES)!r}:\n"
        "        mod = types.ModuleType('_jt.' + name); mod.__package__ = '_jt'\n"
        "        sys.modules['_jt.' + name] = mod\n"
        "        exec(compile(srcs[name], '<jaxtutor-harness/' + name + '.py>', 'exec'), mod.__dict__)\n"
        f"    sys.modules['_jt.run'].main(json.loads({json.dumps(plan)!r}))\n"
        "try:\n"
        "    _jt_boot()\n"
        "finally:\n"
        "    del _jt_boot\n"
    )


@dataclass
class PhaseBudgets:
    load_s: float
    phase_s: float
    compile_s: float
    total_s: float

    def for_phase(self, name: str) -> float:
        base = name.removeprefix("ref:")
        if base == "load":
            return self.load_s
        if base in ("jit", "program", "baseline_program"):
            return self.compile_s + 5.0
        if base in ("speedup", "purity", "retrace"):
            return self.phase_s + self.compile_s
        return self.phase_s


@dataclass
class HarnessRun:
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    timed_out_phase: str | None = None
    tamper: dict[str, Any] | None = None
    forged: int = 0
    died: tuple[Reason, str] | None = None
    current_phase: str | None = None
    done: bool = False
    output: str = ""
    phase_seconds: dict[str, float] = field(default_factory=dict)
    phase_compiles: dict[str, tuple[int, float]] = field(default_factory=dict)

    def data(self, name: str) -> dict[str, Any] | None:
        r = self.results.get(name)
        return None if r is None else r.get("data")

    def error(self, name: str) -> dict[str, Any] | None:
        r = self.results.get(name)
        return None if r is None else r.get("error")


async def run_harness(kernel: KernelHandle, plan: dict[str, Any], budgets: PhaseBudgets) -> HarnessRun:
    run = HarnessRun()
    key = kernel.channel_key.encode()
    expected_seq = [0]
    deadline = Deadline(budgets.load_s + 10.0)  # the bootstrap itself, until the first phase message
    total_end = time.monotonic() + budgets.total_s
    phase_started = [time.monotonic()]

    def arm(seconds: float) -> None:
        deadline.set(min(seconds, max(0.1, total_end - time.monotonic())))

    def on_output(out: Output) -> None:
        payload = out.data.get(MIME) if out.kind in ("display", "result") else None
        if payload is None:
            return
        if not _valid(key, payload, expected_seq[0]):
            run.forged += 1
            return
        expected_seq[0] += 1
        kind = payload["kind"]
        body = json.loads(payload["body"])
        if kind == "phase":
            run.current_phase = body["name"]
            phase_started[0] = time.monotonic()
            arm(budgets.for_phase(body["name"]))
        elif kind == "result":
            run.results[body["name"]] = body
            run.order.append(body["name"])
            run.output = body.get("output", run.output)
            run.phase_seconds[body["name"]] = time.monotonic() - phase_started[0]
            run.phase_compiles[body["name"]] = (int(body.get("compiles", 0)), float(body.get("compile_s", 0.0)))
            run.current_phase = None
            arm(budgets.phase_s)  # until the next phase message
        elif kind == "tamper":
            run.tamper = body
        elif kind == "done":
            run.done = True

    result = await kernel.execute(
        bootstrap_cell(plan),
        ExecuteOptions(
            timeout=deadline,
            output_limit=200_000,
            on_output=on_output,
            kill_on_timeout=True,
            budget_streams_only=True,
        ),
    )
    if result.reason is Reason.TIMEOUT:
        run.timed_out_phase = run.current_phase or "startup"
    elif result.kernel_lost:
        run.died = (result.reason, result.message)
    elif result.reason is Reason.RAISED and not run.done and run.tamper is None:
        # The harness itself was broken into (e.g. learner code deleted what it needs).
        ename = result.error.ename if result.error else "error"
        run.tamper = {
            "phase": run.current_phase,
            "changed": [],
            "blocked": [f"the grader stopped with {ename}"],
        }
    return run


def _valid(key: bytes, payload: Any, seq: int) -> bool:
    if not isinstance(payload, dict):
        return False
    try:
        expected = sign(key, int(payload["seq"]), str(payload["kind"]), str(payload["body"]))
    except (KeyError, TypeError, ValueError):
        return False
    return hmac.compare_digest(expected, str(payload.get("mac", ""))) and int(payload["seq"]) == seq
