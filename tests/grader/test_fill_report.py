"""fill_report in process (no kernel): synthetic harness observations in, one report out, for every status a
check can end in: passed, failed, error (a time limit, a dead kernel, code that does not load), skipped with
its reason, and blocked by another check or by a prerequisite."""

from __future__ import annotations

from typing import Any

from app.grader.driver import HarnessRun
from app.grader.report import Report
from app.grader.verdicts import fill_report
from kernels.outcomes import Reason

LOAD = {"entry": "f", "entry_found": True, "entry_callable": True, "params": ["x"]}
JIT_OK = {"trace_ms": 1.0, "compile_ms": 2.0, "matches_eager": True}


def _out(value: float) -> dict[str, Any]:
    return {"treedef": "PyTreeDef(*)", "leaves": [{"path": "", "kind": "scalar", "value": value}]}


def _call(seed: int, value: float) -> dict[str, Any]:
    return {"seed": seed, "n_args": 1, "signature": "float32[3]", "compiles": 1 - min(seed, 1), "traces": 1,
            "output": _out(value)}  # fmt: skip


RIGHT = {"calls": [_call(0, 2.0), _call(1, 3.0)]}
WRONG = {"calls": [_call(0, 2.0), _call(1, 30.0)]}


def _run(errors: dict[str, dict[str, Any]] | None = None, **phases: dict[str, Any]) -> HarnessRun:
    run = HarnessRun(done=True)
    for name, data in {"load": LOAD, **phases}.items():
        run.results[name] = {"name": name, "data": data, "error": (errors or {}).get(name)}
        run.order.append(name)
    return run


def _fill(run: HarnessRun, checks: dict[str, dict[str, Any]], ref: dict[str, Any] | None, **kw: Any) -> Report:
    report = Report()
    fill_report(report, run, checks, ref, (), **kw)
    return report


def _by_name(report: Report) -> dict[str, Any]:
    return {c.name: c for c in report.checks}


def test_passed_checks_in_registry_order_whatever_the_order_given() -> None:
    run = _run(calls=RIGHT, purity={}, jit=JIT_OK)
    checks: dict[str, dict[str, Any]] = {"jit": {}, "purity": {}, "correctness": {"weight": 3.0}}
    report = _fill(run, checks, {"calls": RIGHT})
    assert [(c.name, c.status) for c in report.checks] == [("correctness", "pass"), ("purity", "pass"), ("jit", "pass")]
    assert report.status == "pass" and report.score == 1.0 and report.message() == "All checks passed."
    assert report.checks[0].weight == 3.0 and report.error == ""


def test_a_failed_check_fails_alone_and_is_named_first() -> None:
    run = _run(calls=WRONG, purity={}, jit=JIT_OK)
    report = _fill(run, {"correctness": {"weight": 3.0}, "purity": {}, "jit": {}}, {"calls": RIGHT})
    by = _by_name(report)
    assert by["correctness"].status == "fail" and by["purity"].status == "pass" and by["jit"].status == "pass"
    assert report.status == "fail" and report.score == 0.4  # 2 of 5 weight
    assert report.message().startswith("1 failed (correctness). First: ")


def test_a_time_limit_is_an_error_of_the_check_whose_phase_it_was() -> None:
    info = {"phase": "jit", "budget_s": 25.0, "used_s": 25.2, "doing": "compiling", "note": "compiling a program",
            "compiles": 3, "compile_s": 20.0}  # fmt: skip
    run = _run(calls=RIGHT, purity={}, jit={})
    run.time_limits = {"jit": info}
    report = _fill(run, {"correctness": {}, "purity": {}, "jit": {}, "vectorization": {}}, {"calls": RIGHT})
    by = _by_name(report)
    assert by["jit"].status == "error" and by["jit"].message.startswith("Time limit: Compiling your function")
    assert by["jit"].details["time_limit"] == info and "not a verdict on this check" in by["jit"].message
    assert by["correctness"].status == "pass" and by["purity"].status == "pass"
    # vectorization needs a compiled program: it is not failed by jit's time limit, it says what blocked it.
    assert by["vectorization"].status == "skip" and "time limit on compiling" in by["vectorization"].message
    assert report.status == "error" and "1 could not be judged (jit)" in report.message()


def test_a_killed_phase_and_a_dead_kernel_are_errors() -> None:
    run = _run(calls=RIGHT)
    run.timed_out_phase = "purity"
    run.time_limits = {"purity": {"phase": "purity", "killed": True, "budget_s": 40.0, "wall_s": 120.0}}
    by = _by_name(_fill(run, {"correctness": {}, "purity": {}, "prng": {}}, {"calls": RIGHT}))
    assert by["purity"].status == "error" and "did not respond" in by["purity"].message
    assert by["prng"].status == "skip" and "ran out of time" in by["prng"].message  # never ran
    dead = _run()
    dead.died = (Reason.KILLED, "killed by signal 9 (out of memory?)")
    report = _fill(dead, {"correctness": {}, "purity": {}}, None)
    assert [c.status for c in report.checks] == ["error", "error"]
    assert "kernel died" in report.error and report.status == "error"


def test_code_that_does_not_load_gives_every_check_an_error_and_says_why() -> None:
    err = {"type": "SyntaxError", "message": "invalid syntax", "line": 2, "offset": 5, "text": "def f(:"}
    report = _fill(_run(errors={"load": err}), {"correctness": {}, "jit": {}}, None)
    assert report.error.startswith("Syntax error on line 2") and "    ^" in report.error
    assert [(c.status, c.message) for c in report.checks] == [("error", "Not graded: the code did not load.")] * 2
    missing = _fill(_run(load={**LOAD, "entry_found": False}), {"jit": {}}, None)
    assert "does not define `f`" in missing.error and missing.checks[0].status == "error"


def test_skipped_with_the_reason_and_not_scored_where_it_cannot_count() -> None:
    run = _run(calls=RIGHT, jit=JIT_OK, speedup={"skipped": True})
    report = _fill(run, {"correctness": {}, "jit": {}, "speedup": {"cpu": 1.0}}, None)
    by = _by_name(report)
    # No reference at all: nothing to compare with, so correctness is skipped and does not count.
    assert by["correctness"].status == "skip" and "No reference solution" in by["correctness"].message
    assert not by["correctness"].applicable
    assert by["speedup"].status == "skip" and "define `baseline`" in by["speedup"].message
    assert report.status == "pass" and report.score == 1.0  # only jit counted
    # A phase that never ran (grading stopped): skipped, saying why.
    stopped = _run(calls=RIGHT)
    stopped.tamper = None
    by = _by_name(_fill(stopped, {"correctness": {}, "purity": {}}, {"calls": RIGHT}))
    assert by["purity"].status == "skip" and by["purity"].message == "Not run: an earlier step failed."


def test_blocked_by_another_checks_verdict() -> None:
    timing = {"ratio": 9.0, "backend": "cpu", "device": "cpu", "submission_ms": 1.0, "baseline_ms": 9.0,
              "submission_jitted": True, "jit_requested": True}  # fmt: skip
    run = _run(calls=WRONG, jit=JIT_OK, speedup=timing)
    checks = {"correctness": {"weight": 3.0}, "jit": {}, "speedup": {"weight": 2.0, "cpu": 2.0}}
    for only in ((), ("speedup",)):
        report = _fill(run, checks, {"calls": RIGHT}, report_only=only)
        speed = _by_name(report)["speedup"]
        assert speed.status == "skip" and speed.message.startswith("Not awarded: speed only counts for code that")
        assert "passes correctness" in speed.message and speed.applicable is (not only)
    # With correct results the same measurement is judged.
    passed = _by_name(_fill(_run(calls=RIGHT, jit=JIT_OK, speedup=timing), checks, {"calls": RIGHT}))["speedup"]
    assert passed.status == "pass" and passed.details["ratio"] == 9.0


def test_blocked_by_a_call_that_raised_points_to_the_check_that_explains_it() -> None:
    err = {"type": "ValueError", "message": "bad value", "line": 4, "code": "raise ValueError", "mro": ["ValueError"]}
    calls = {"calls": [{"seed": 0, "n_args": 1, "error": err}]}
    run = _run(calls=calls, purity={}, jit=JIT_OK)
    by = _by_name(_fill(run, {"purity": {}, "jit": {}, "retrace": {}}, None))
    assert by["purity"].status == "skip" and by["purity"].message.startswith("Not checked: calling your function")
    assert "Line 4" in by["purity"].message  # the first blocked check carries the whole error
    assert by["jit"].message == "Not checked: calling your function raised an error (see the purity check)."
    assert by["retrace"].status == "skip"
    # An error only tracing raises is the jit check's own failure, not a reason to skip it.
    traced = {"type": "TracerBoolConversionError", "message": "", "line": 3, "code": "if x > 0:",
              "mro": ["TracerBoolConversionError", "ConcretizationTypeError"]}  # fmt: skip
    run = _run(calls={"calls": [{"seed": 0, "n_args": 1, "error": traced}]}, jit={})
    by = _by_name(_fill(run, {"jit": {}, "retrace": {}}, None))
    assert by["jit"].status == "fail" and "does not work under jax.jit" in by["jit"].message
    assert by["retrace"].status == "skip" and "see the jit check" in by["retrace"].message
