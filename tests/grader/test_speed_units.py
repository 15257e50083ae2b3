"""Speedup verdicts on synthetic evidence (no kernel): the interval, compile-counting totals, per-backend
skips, prerequisites, and the `lessons check` proof that a starter does not earn the speed check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from app.grader.checks import speedup
from app.grader.checks.base import Evidence
from app.grader.checks.speedup import SpeedupCheck
from app.grader.driver import HarnessRun
from app.grader.lessons_check import starter_speedup_problem
from app.grader.report import CheckResult, Report
from app.lessons.model import Lesson, LessonMeta


def _run(**phases: dict[str, Any]) -> HarnessRun:
    run = HarnessRun()
    for name, data in phases.items():
        run.results[name] = {"name": name, "data": data, "error": None}
        run.order.append(name)
    return run


def test_median_interval_covers_the_median_with_order_statistics() -> None:
    ratios = [10.0, 1.0, 9.0, 2.0, 8.0, 3.0, 7.0, 4.0, 6.0]  # median 6
    mid, low, high = speedup.median_interval(ratios)
    assert mid == 6.0 and (low, high) == (2.0, 9.0)  # 2nd and 8th of 9: P(Binomial(9, 1/2) <= 1) < 2.5%
    assert speedup.median_interval([3.0, 5.0]) == (4.0, 3.0, 5.0)
    wide = speedup.median_interval([float(i) for i in range(1, 26)])
    assert wide[0] == 13.0 and wide[1] < 13.0 < wide[2]


def _data(**over: Any) -> dict[str, Any]:
    data = {
        "ratios": [0.2, 0.25, 0.3, 0.22, 0.27],
        "submission_ms": 0.2,
        "baseline_ms": 5.0,
        "submission_compile_ms": 2000.0,
        "baseline_compile_ms": 0.0,
        "compile_counts": True,
        "calls": 100,
        "baseline_mode": "eager",
        "backend": "cpu",
        "device": "cpu",
        "jit_requested": True,
        "submission_jitted": True,
    }
    return {**data, **over}


def test_compile_counting_fails_an_unrolled_loop_and_reports_every_figure() -> None:
    res = speedup.evaluate(Evidence({"cpu": 8.0}, _run(speedup=_data()), None))
    assert res.status == "fail"
    assert "compile + 100 x run" in res.message and "2000.0 ms" in res.message and "interval" in res.message
    assert "unrolled Python loop is slow to trace and compile" in res.message
    assert res.details["interval"] == [0.2, 0.3] and res.details["threshold"] == 8.0
    assert res.details["device"] == "cpu" and res.details["baseline_mode"] == "eager"
    fast = _data(ratios=[15.0, 16.0, 14.0], submission_compile_ms=19.0)
    ok = speedup.evaluate(Evidence({"cpu": 8.0}, _run(speedup=fast), None))
    assert ok.status == "pass" and "15.0x faster than the baseline run eagerly" in ok.message
    stream = speedup.evaluate(Evidence({"cpu": 2.0}, _run(speedup=_data(stream=4)), None))
    assert "new input shape is a new program" in stream.message


def test_backend_skip_is_not_scored_and_says_why() -> None:
    run = _run(speedup={"skipped_backend": "bfloat16 is emulated on CPU", "backend": "cpu", "device": "cpu"})
    res = speedup.evaluate(Evidence({"cpu": 2.0, "skip": {"cpu": "bfloat16 is emulated on CPU"}}, run, None))
    assert res.status == "skip" and not res.applicable and "bfloat16 is emulated on CPU" in res.message


def test_speed_is_not_awarded_without_correctness_or_jit() -> None:
    assert speedup.CHECK.blocked_after([CheckResult("correctness", "pass", ""), CheckResult("jit", "pass", "")]) is None
    why = speedup.CHECK.blocked_after([CheckResult("correctness", "fail", ""), CheckResult("jit", "pass", "")])
    assert why is not None and "passes correctness" in why
    assert "passes jit" in (speedup.CHECK.blocked_after([CheckResult("jit", "error", "")]) or "")
    no_reference = CheckResult("correctness", "skip", "", applicable=False)
    assert speedup.CHECK.blocked_after([no_reference]) is None


def _lesson(**speed: Any) -> Lesson:
    meta = LessonMeta.model_validate(
        {"id": "demo", "title": "Demo", "step": 3, "checks": {"speedup": {"baseline": "eager", **speed}}}
    )
    return Lesson(meta=meta, path=Path("."), instructions="", starter="", solution="", inputs="", baseline="")


def test_lessons_check_proves_the_starter_does_not_earn_speed() -> None:
    passing = Report(checks=[CheckResult("speedup", "pass", "", details={"ratio": 21.0, "threshold": 8.0})])
    problem = starter_speedup_problem(_lesson(), passing)
    assert problem is not None and "21.0x" in problem and "starter_passes" in problem
    assert starter_speedup_problem(_lesson(starter_passes="the starter is already vectorised"), passing) is None
    failing = Report(checks=[CheckResult("speedup", "fail", "")])
    assert starter_speedup_problem(_lesson(), failing) is None
    skipped = Report(checks=[CheckResult("speedup", "skip", "", applicable=False)])
    assert starter_speedup_problem(_lesson(), skipped) is None


def test_a_speed_check_declares_its_baseline() -> None:
    with pytest.raises(ValidationError):
        SpeedupCheck.model_validate({"cpu": 2.0})
    with pytest.raises(ValidationError):
        SpeedupCheck.model_validate({"baseline": "eager", "skip": {"tpu": "no"}})
    cfg = SpeedupCheck.model_validate({"baseline": "jit", "compile_counts": True, "calls": 100})
    assert cfg.calls == 100 and cfg.skip == {}


def test_a_report_only_speedup_that_is_not_awarded_is_not_scored() -> None:
    from app.grader.report import Report
    from app.grader.verdicts import fill_report

    wrong = {"seed": 0, "output": {"treedef": "PyTreeDef(*)", "leaves": [{"path": "", "kind": "scalar", "value": 1}]}}
    right = {"seed": 0, "output": {"treedef": "PyTreeDef(*)", "leaves": [{"path": "", "kind": "scalar", "value": 2}]}}
    run = _run(load={"entry_found": True}, calls={"calls": [wrong]}, jit={}, speedup=_data())
    run.done = True
    checks = {"correctness": {"weight": 3.0}, "jit": {}, "speedup": {"cpu": 1.0}}
    for report_only in (True, False):
        report = Report()
        fill_report(
            report, run, checks, {"calls": {"calls": [right]}}, (), report_only=("speedup",) if report_only else ()
        )
        speed = next(c for c in report.checks if c.name == "speedup")
        assert speed.status == "skip" and "Not awarded" in speed.message
        assert speed.applicable is not report_only


def test_the_timing_stops_early_only_when_every_pair_is_far_from_the_threshold() -> None:
    from kernels.harness.timing import clearly_decided

    assert not clearly_decided([50.0] * 4, 5.0)  # too few pairs to be sure
    assert clearly_decided([50.0, 12.0, 10.0, 30.0, 11.0], 5.0)  # every ratio at least 2x the threshold
    assert not clearly_decided([50.0, 12.0, 9.9, 30.0, 11.0], 5.0)  # one pair is not: measure on
    assert clearly_decided([0.9, 1.0, 1.1, 0.8, 2.4], 5.0)  # every ratio below half of it: a clear fail
    assert not clearly_decided([0.9, 1.0, 1.1, 0.8, 2.6], 5.0)


def test_quick_compiles_change_xla_options_only_while_most_optimisations_are_off() -> None:
    """Phases that only run a program compile it cheaply; the ones that measure compile it as a learner's
    own jax.jit does (``kernels.harness.xla_options``)."""
    jax = pytest.importorskip("jax")
    from jax._src import compiler
    from jax._src.interpreters import mlir

    from kernels.harness import xla_options

    original = compiler.get_compile_options
    saved = (mlir.make_ir_context, mlir.lower_jaxpr_to_module)
    cpu = jax.devices("cpu")[0].client
    mine = {"xla_cpu_use_fusion_emitters": True}  # an option the caller passed itself
    try:
        xla_options.install()
        wrapper = compiler.get_compile_options
        xla_options.install()
        assert compiler.get_compile_options is wrapper  # installed once, not wrapped twice
        jax.config.update("jax_disable_most_optimizations", True)
        try:
            fast = dict(compiler.get_compile_options(1, 1, backend=cpu).env_option_overrides)
            given = compiler.get_compile_options(1, 1, env_options_overrides=mine, backend=cpu)
            fast_mine = dict(given.env_option_overrides)
        finally:
            jax.config.update("jax_disable_most_optimizations", False)
        full = dict(compiler.get_compile_options(1, 1, backend=cpu).env_option_overrides)
    finally:
        compiler.get_compile_options = original
        mlir.make_ir_context, mlir.lower_jaxpr_to_module = saved
    assert fast == xla_options.FAST_CPU_OPTIONS
    assert fast_mine["xla_cpu_use_fusion_emitters"] is True  # the caller's own choice wins
    assert full == {}  # fully optimised compiles (structure, speedup) are untouched


def test_eager_operations_share_one_mlir_context_and_larger_programs_do_not() -> None:
    """A fresh MLIR context per eager operation cost ~4 ms of its first call; a program with constants or
    several operations still gets its own, so that a large closed-over array is not kept alive."""
    jax = pytest.importorskip("jax")
    import numpy as np
    from jax._src.interpreters import mlir

    from kernels.harness import xla_options

    saved = (mlir.make_ir_context, mlir.lower_jaxpr_to_module)
    big = np.arange(1000.0, dtype=np.float32)
    x = jax.numpy.ones(1000)
    try:
        xla_options._share_eager_contexts()
        xla_options._share_eager_contexts()  # idempotent
        sin = jax.jit(jax.numpy.sin).lower(x).compiler_ir()
        cos = jax.jit(jax.numpy.cos).lower(x).compiler_ir()
        closes_over = jax.jit(lambda v: v + big).lower(x).compiler_ir()
        several = jax.jit(lambda v: jax.numpy.sin(v) * 2 + 1).lower(x).compiler_ir()
        again = jax.numpy.tanh(x)  # eager, in the shared context
    finally:
        mlir.make_ir_context, mlir.lower_jaxpr_to_module = saved
    assert sin.context is cos.context
    assert closes_over.context is not sin.context
    assert several.context is not sin.context
    assert np.allclose(np.asarray(again), np.tanh(1.0))
