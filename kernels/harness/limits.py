"""Phase time limits inside the grading kernel, measured so that load on the machine does not move them.

A phase's budget is the seconds it may take on the machine the budgets were set for, times ``scale``:
the start-up calibration (a fixed CPU workload, timed in this thread's CPU time before any learner code
runs) scales budgets up on a slower machine. What a phase has used is its wall time minus the time the
kernel's main thread waited for a CPU (run-queue wait, ``/proc/self/task/<tid>/schedstat``): two
CPU-burning processes beside the grader make the phase slower in wall time, not in used time, so a
program reaches the same verdict on a busy machine. Where schedstat is missing, wall time is divided by
the load factor measured at start.

A watchdog thread compares used time with the budget. When the budget is spent it interrupts the main
thread (``_thread.interrupt_main``): the handler raises ``PhaseTimeLimit`` there, describing what was
running (an XLA compilation, a trace, a line of the learner's code run op by op). The phase then ends
with that description instead of an error; the host's own deadline, a multiple of the budget in wall
time, stays the backstop for code the interrupt cannot reach (a long sleep, one huge compilation).
"""

from __future__ import annotations

import _thread
import linecache
import os
import signal
import threading
import time
import types
from collections.abc import Callable
from typing import Any

from .guard import LEARNER_FILE

_perf = time.perf_counter
_thread_time = time.thread_time
_SIGNAL = signal.SIGUSR1
POLL_S = 0.05
REFIRE_S = 0.5  # learner code that swallows the interrupt (a bare `except:`) gets it again
CALIBRATION_ROUNDS = 3


def phase_budget(name: str, load_s: float, phase_s: float, compile_s: float) -> float:
    """Seconds (before scaling) that phase ``name`` may use; the host arms its backstop from the same numbers."""
    base = name.removeprefix("ref:")
    if base == "load":
        return load_s
    if base in ("jit", "program", "baseline_program"):
        return compile_s + 5.0
    if base in ("speedup", "purity", "retrace"):
        return phase_s + compile_s
    return phase_s


class PhaseTimeLimit(BaseException):
    """Raised in the main thread when a phase has used its budget; ``info`` says what was running."""

    def __init__(self, info: dict[str, Any]) -> None:
        super().__init__("time limit")
        self.info = info


def _calibration_workload() -> int:
    acc = 0
    for i in range(150_000):
        acc = (acc + i * i) % 1_000_003
    return acc


def calibrate(reference_s: float, max_scale: float) -> dict[str, Any]:
    """Time a fixed workload: CPU seconds (machine speed; load barely moves it) and wall seconds.

    ``scale``: how much slower than the reference machine this one is (at least 1, at most max_scale).
    ``load``: wall over CPU time of the same rounds, the share of time this thread got a CPU.
    """
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(CALIBRATION_ROUNDS):
        c0, w0 = _thread_time(), _perf()
        _calibration_workload()
        cpu.append(_thread_time() - c0)
        wall.append(_perf() - w0)
    cpu_s = sorted(cpu)[len(cpu) // 2]
    load = max(1.0, sum(wall) / max(sum(cpu), 1e-9))
    scale = min(max_scale, max(1.0, cpu_s / reference_s)) if reference_s > 0 else 1.0
    return {"cpu_s": round(cpu_s, 5), "load": round(load, 3), "scale": round(scale, 3)}


class RunClock:
    """Seconds of the main thread's time that load cannot inflate: wall time minus run-queue wait."""

    def __init__(self, load: float) -> None:
        self.load = load
        try:
            self._fd: int | None = os.open(f"/proc/self/task/{threading.get_native_id()}/schedstat", os.O_RDONLY)
        except OSError:
            self._fd = None
        if self._wait_s() is None:
            self._fd = None

    @property
    def exact(self) -> bool:
        return self._fd is not None

    def _wait_s(self) -> float | None:
        if self._fd is None:
            return None
        try:
            fields = os.pread(self._fd, 128, 0).split()
            return int(fields[1]) / 1e9
        except (OSError, IndexError, ValueError):
            return None

    def now(self) -> float:
        wait = self._wait_s()
        return _perf() - wait if wait is not None else _perf() / self.load


class Watchdog:
    """Arms one phase's budget at a time and interrupts the main thread when it is spent."""

    def __init__(self, clock: RunClock, compile_stats: Callable[[], tuple[int, float]]) -> None:
        self.clock = clock
        self.compile_stats = compile_stats
        self.main = threading.get_ident()
        self.phase = ""
        self.budget = 0.0
        self.note = ""  # what the phase is doing, set by phases before long steps ("compiling 5000 operations")
        self._start = 0.0
        self._armed = False
        self._fired_at: float | None = None
        self._lock = threading.Lock()
        signal.signal(_SIGNAL, self._on_signal)
        threading.Thread(target=self._loop, name="jaxtutor-watchdog", daemon=True).start()

    def arm(self, phase: str, budget: float) -> None:
        with self._lock:
            self.phase, self.budget, self.note = phase, budget, ""
            self._start = self.clock.now()
            self._fired_at = None
            self._armed = True

    def disarm(self) -> float:
        """Stop watching (idempotent); the seconds the phase used. The first statement disarms: a signal
        handled after it is a no-op, and one fire is followed by no other for REFIRE_S."""
        self._armed = False
        return self.clock.now() - self._start

    def _loop(self) -> None:
        while True:
            time.sleep(POLL_S)
            with self._lock:
                if not self._armed:
                    continue
                now = self.clock.now()
                due = now - self._start > self.budget
                if due and (self._fired_at is None or now - self._fired_at > REFIRE_S):
                    self._fired_at = now
                    _thread.interrupt_main(_SIGNAL)

    def _on_signal(self, signum: int, frame: types.FrameType | None) -> None:
        if not self._armed or self._fired_at is None:
            return  # the phase ended meanwhile: nothing to stop
        used = self.clock.now() - self._start
        raise PhaseTimeLimit(self.describe(frame, used))

    def describe(self, frame: types.FrameType | None, used: float) -> dict[str, Any]:
        compiles, compile_s = self.compile_stats()
        info: dict[str, Any] = {
            "phase": self.phase,
            "budget_s": round(self.budget, 2),
            "used_s": round(used, 2),
            "compiles": compiles,
            "compile_s": round(compile_s, 2),
            "note": self.note,
        }
        info.update(_activity(frame))
        return info


_COMPILING = ("backend_compile", "compile_or_get_cached", "_cached_compilation", "from_hlo")
_TRACING = ("trace_to_jaxpr", "trace_to_subjaxpr", "_create_pjit_jaxpr", "make_jaxpr")


def _activity(frame: types.FrameType | None) -> dict[str, Any]:
    """What the main thread was doing: compiling, tracing, or running Python (and the learner's line)."""
    doing = "running"
    line = None
    depth = 0
    while frame is not None and depth < 200:
        name = frame.f_code.co_name
        if doing == "running" and any(name.startswith(c) for c in _COMPILING):
            doing = "compiling"
        elif doing == "running" and any(name.startswith(t) for t in _TRACING):
            doing = "tracing"
        if line is None and frame.f_code.co_filename == LEARNER_FILE:
            line = frame.f_lineno
        frame = frame.f_back
        depth += 1
    out: dict[str, Any] = {"doing": doing, "line": line}
    if line is not None:
        out["code"] = linecache.getline(LEARNER_FILE, line).strip()[:200]
    return out
