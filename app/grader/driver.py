"""Run the in-kernel harness and collect its signed observations.

The harness source (``kernels/harness``) travels in the bootstrap cell, so nothing of the project
needs to be visible inside the sandbox. Only display messages of the channel's MIME type that carry a
valid HMAC under this kernel's key, in sequence, are believed; printed text never is. Each ``phase``
message arms that phase's deadline; when it passes, the kernel is killed and the phase is reported as
timed out. A kernel that dies is reported with its reason; the caller turns that into an ``error``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from kernels.harness.channel import MIME, sign
from kernels.harness.limits import phase_budget
from kernels.outcomes import Output, Reason
from kernels.runtime import Deadline, ExecuteOptions, KernelHandle

#: The harness modules in load order (each may import those before it). Any other module of the package
#: (say, a new check's probe) is loaded after them and before ``run``: adding one needs no change here.
_ORDERED_MODULES = (
    "guard",
    "channel",
    "limits",
    "serialize",
    "context",
    "cluster",
    "probes",
    "keys",
    "purity",
    "program",
    "transforms",
    "timing",
)


def _harness_modules() -> tuple[str, ...]:
    found = {p.name[:-3] for p in resources.files("kernels.harness").iterdir() if p.name.endswith(".py")}
    extra = sorted(found - {*_ORDERED_MODULES, "run", "__init__"})
    return (*_ORDERED_MODULES, *extra, "run")


HARNESS_MODULES = _harness_modules()


def harness_sources() -> dict[str, str]:
    pkg = resources.files("kernels.harness")
    return {name: (pkg / f"{name}.py").read_text(encoding="utf-8") for name in HARNESS_MODULES}


@functools.cache
def harness_digest() -> str:
    """Changes whenever the harness changes: part of the reference cache key."""
    digest = hashlib.sha256(json.dumps(harness_sources(), sort_keys=True).encode())
    return digest.hexdigest()[:12]


@functools.cache
def _packed_sources() -> str:
    """The harness's sources as one compressed literal: the kernel handles the cell's text several times
    (decoding, echoing it, IPython's transforms), and 130 KB of source cost ~30 ms more there than 30 KB."""
    return base64.b64encode(zlib.compress(json.dumps(harness_sources()).encode(), 6)).decode()


def bootstrap_cell(plan: dict[str, Any]) -> str:
    return (
        "def _jt_boot():\n"
        "    import base64, json, sys, types, zlib\n"
        f"    srcs = json.loads(zlib.decompress(base64.b64decode({_packed_sources()!r})))\n"
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
    """Seconds per phase on the machine the budgets were set for. The kernel enforces them itself (scaled by
    its calibration, measured without CPU wait: ``kernels.harness.limits``); the host's deadlines are a
    backstop ``backstop_ratio`` times longer in wall time."""

    load_s: float
    phase_s: float
    compile_s: float
    total_s: float
    backstop_ratio: float = 3.0
    calibration_s: float = 0.0
    max_scale: float = 1.0

    def for_phase(self, name: str) -> float:
        return phase_budget(name, self.load_s, self.phase_s, self.compile_s)

    def to_plan(self) -> dict[str, float]:
        return {
            "load_s": self.load_s,
            "phase_s": self.phase_s,
            "compile_s": self.compile_s,
            "calibration_s": self.calibration_s,
            "max_scale": self.max_scale,
        }


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
    calibration: dict[str, Any] = field(default_factory=dict)  # the kernel's start-up calibration
    time_limits: dict[str, dict[str, Any]] = field(default_factory=dict)  # phase -> what was running

    def time_limit(self, name: str) -> dict[str, Any] | None:
        """What ran out of time in phase ``name`` (stopped by the kernel, or killed by the host), or None."""
        return self.time_limits.get(name)

    def data(self, name: str) -> dict[str, Any] | None:
        r = self.results.get(name)
        return None if r is None else r.get("data")

    def error(self, name: str) -> dict[str, Any] | None:
        r = self.results.get(name)
        return None if r is None else r.get("error")


#: Told the name of each phase as the harness enters it (live grading progress); must not raise or block long.
PhaseCallback = Callable[[str], None]


def notify(on_phase: PhaseCallback | None, name: str) -> None:
    """Progress is a courtesy: a failing callback never fails the grading."""
    if on_phase is None:
        return
    try:
        on_phase(name)
    except Exception:  # reporting progress must not change the verdict
        return


async def run_harness(
    kernel: KernelHandle, plan: dict[str, Any], budgets: PhaseBudgets, on_phase: PhaseCallback | None = None
) -> HarnessRun:
    run = HarnessRun()
    plan = {**plan, "limits": budgets.to_plan()}
    key = kernel.channel_key.encode()
    expected_seq = [0]
    deadline = Deadline(budgets.load_s + 10.0)  # the bootstrap itself, until the first phase message
    started = time.monotonic()
    total_end = [started + budgets.total_s]
    phase_started = [started]
    scale = [1.0]  # the kernel's calibration: how much slower than the reference machine
    load = [1.0]  # ... and how busy (wall over CPU time), at start

    def arm(seconds: float) -> None:
        deadline.set(min(seconds, max(0.1, total_end[0] - time.monotonic())))

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
        if kind == "calibration":
            run.calibration = body
            scale[0] = min(budgets.max_scale, max(1.0, float(body.get("scale", 1.0))))
            # The backstop is wall time: on a machine that was busy at start it allows for the load too.
            load[0] = min(budgets.max_scale, max(1.0, float(body.get("load", 1.0))))
            total_end[0] = started + budgets.total_s * scale[0] * load[0]
        elif kind == "phase":
            run.current_phase = body["name"]
            phase_started[0] = time.monotonic()
            notify(on_phase, str(body["name"]))
            arm(budgets.for_phase(body["name"]) * scale[0] * load[0] * budgets.backstop_ratio)
        elif kind == "result":
            run.results[body["name"]] = body
            run.order.append(body["name"])
            run.output = body.get("output", run.output)
            run.phase_seconds[body["name"]] = time.monotonic() - phase_started[0]
            run.phase_compiles[body["name"]] = (int(body.get("compiles", 0)), float(body.get("compile_s", 0.0)))
            if isinstance(body.get("time_limit"), dict):
                run.time_limits[body["name"]] = body["time_limit"]
            run.current_phase = None
            arm(budgets.phase_s * scale[0] * load[0] * budgets.backstop_ratio)  # until the next phase message
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
        over_total = time.monotonic() >= total_end[0] - 0.5
        budget = budgets.total_s if over_total else budgets.for_phase(run.timed_out_phase)
        run.time_limits[run.timed_out_phase] = {
            "phase": run.timed_out_phase,
            "killed": True,  # the kernel did not stop the phase itself: the host's backstop did
            "whole_grading": over_total,
            "budget_s": round(budget * scale[0], 2),
            "wall_s": round(time.monotonic() - phase_started[0], 2),
        }
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
