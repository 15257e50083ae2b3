"""Time limits as their own outcome (no kernel): the in-kernel watchdog and clock, and how fill_report
turns a phase out of time into an `error` of the check it serves, with the checks it blocks skipped."""

from __future__ import annotations

import signal
import time
from typing import Any

import pytest

from app.grader.driver import HarnessRun, PhaseBudgets
from app.grader.report import Report
from app.grader.verdicts import fill_report
from kernels.harness import limits

CHECKS: dict[str, dict[str, Any]] = {n: {} for n in ("correctness", "purity", "prng", "jit", "retrace")}
CALL = {"seed": 0, "n_args": 1, "signature": "float32[3]", "compiles": 1, "traces": 1}
AGAIN = {**CALL, "seed": 1, "compiles": 0, "traces": 0}


def _run(time_limits: dict[str, dict[str, Any]], **phases: dict[str, Any]) -> HarnessRun:
    run = HarnessRun(done=True)
    for name, data in {"load": {"entry": "f", "entry_found": True}, **phases}.items():
        run.results[name] = {"name": name, "data": data, "error": None}
        run.order.append(name)
    for name, info in time_limits.items():
        run.results[name] = {"name": name, "data": {}, "error": None, "time_limit": info}
        run.order.append(name)
    run.time_limits = dict(time_limits)
    return run


def test_a_slow_probe_is_an_error_of_its_own_check_and_fails_nothing_else() -> None:
    info = {
        "phase": "purity",
        "budget_s": 40.0,
        "used_s": 40.1,
        "compiles": 523,
        "compile_s": 31.0,
        "doing": "compiling",
    }
    run = _run(
        {"purity": info},
        calls={"calls": [CALL, AGAIN]},
        prng={"reuse": None, "key_args": []},
        jit={"trace_ms": 1.0, "compile_ms": 2.0, "matches_eager": True},
        retrace={"calls": [CALL, AGAIN]},
    )
    report = Report()
    fill_report(report, run, CHECKS, None, (), report_only=("speedup",), hidden_inputs=False)
    status = {c.name: c.status for c in report.checks}
    assert status == {"correctness": "skip", "purity": "error", "prng": "pass", "jit": "pass", "retrace": "pass"}
    purity = next(c for c in report.checks if c.name == "purity")
    assert purity.message.startswith("Time limit: Probing your function for side effects")
    assert "523 XLA compilations" in purity.message and "not a verdict" in purity.message
    assert report.status == "error"
    assert "1 could not be judged (purity)" in report.message()


def test_calls_out_of_time_block_the_other_checks_which_say_so() -> None:
    info = {"phase": "calls", "budget_s": 3.0, "used_s": 3.0, "doing": "running", "line": 9, "code": "acc = acc + x[i]"}
    report = Report()
    fill_report(report, _run({"calls": info}), CHECKS, {"calls": {"calls": []}}, (), report_only=("speedup",))
    by = {c.name: c for c in report.checks}
    assert by["correctness"].status == "error" and "line 9 (`acc = acc + x[i]`) one operation at a time" in (
        by["correctness"].message
    )
    for name in ("purity", "prng", "jit", "retrace"):
        assert by[name].status == "skip" and "blocked by the time limit" in by[name].message
    message = report.message()
    assert message.startswith("1 could not be judged (correctness); 4 not checked (purity, prng, jit, retrace)")
    assert "failed" not in message.split(". First")[0]  # skips are not counted as failures


def test_without_correctness_the_first_check_carries_the_calls_time_limit() -> None:
    report = Report()
    info = {"phase": "calls", "killed": True, "budget_s": 3.0, "wall_s": 9.0}
    fill_report(report, _run({"calls": info}), {"purity": {}, "jit": {}}, None, (), report_only=("speedup",))
    assert [(c.name, c.status) for c in report.checks] == [("purity", "error"), ("jit", "skip")]
    assert "did not respond" in report.checks[0].message and "see the purity check" in report.checks[1].message


def test_report_message_tells_failed_from_skipped() -> None:
    from app.grader.report import CheckResult

    r = Report(checks=[CheckResult("correctness", "fail", "wrong"), CheckResult("jit", "skip", "blocked")])
    assert r.message() == "1 failed (correctness); 1 not checked (jit). First: wrong"
    assert r.counts()["skip"] == ["jit"]


def test_watchdog_stops_the_main_thread_and_says_where() -> None:
    previous = signal.getsignal(signal.SIGUSR1)
    try:
        watchdog = limits.Watchdog(limits.RunClock(1.0), lambda: (7, 1.5))
        watchdog.arm("calls", 0.2)
        started = time.perf_counter()
        with pytest.raises(limits.PhaseTimeLimit) as caught:
            while True:
                pass
        used = watchdog.disarm()
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert 0.2 <= used < 5 and time.perf_counter() - started < 30
    info = caught.value.info
    assert info["phase"] == "calls" and info["compiles"] == 7 and info["doing"] == "running"
    watchdog.disarm()  # idempotent


def test_clock_does_not_count_waiting_for_a_cpu_and_calibration_is_bounded() -> None:
    clock = limits.RunClock(2.0)
    t0, w0 = clock.now(), time.perf_counter()
    time.sleep(0.05)  # sleeping is not waiting for a CPU: it counts
    assert clock.now() - t0 >= 0.04 and time.perf_counter() - w0 >= 0.05
    slow = limits.calibrate(reference_s=1e-6, max_scale=3.0)
    assert slow["scale"] == 3.0 and slow["load"] >= 1.0 and slow["cpu_s"] > 0
    assert limits.calibrate(reference_s=100.0, max_scale=3.0)["scale"] == 1.0
    assert limits.calibrate(reference_s=0.0, max_scale=3.0)["scale"] == 1.0


def test_budgets_per_phase_travel_to_the_kernel() -> None:
    b = PhaseBudgets(
        load_s=15, phase_s=20, compile_s=10, total_s=120, backstop_ratio=3, calibration_s=0.01, max_scale=2
    )
    assert b.for_phase("load") == 15 and b.for_phase("jit") == 15 and b.for_phase("ref:program") == 15
    assert b.for_phase("purity") == 30 and b.for_phase("calls") == 20
    assert b.to_plan() == {"load_s": 15, "phase_s": 20, "compile_s": 10, "calibration_s": 0.01, "max_scale": 2}
