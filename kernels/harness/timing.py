"""Honest speedup measurement inside the grading kernel.

Compile time is separated (ahead-of-time ``lower().compile()``), every timed call ends with
``block_until_ready``, baseline and submission alternate (A B B A ...) so that load on a shared
machine hits both alike, and the verdict uses the median of per-pair ratios. Near the threshold, or
below it, the measurement is repeated (at most twice, within the budget) and all pairs are judged
together. Clock and blocking functions are the pristine ones captured before learner code ran.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from .context import GradeContext

TARGET_SAMPLE_S = 0.004
MAX_INNER = 256


def _prepare(ctx: GradeContext, fn: Any, use_jit: bool, args: tuple[Any, ...]) -> tuple[Callable[[], Any], float, bool]:
    """A zero-argument callable running fn once, its compile time in ms, and whether it is compiled.

    When the function cannot be compiled it is timed as written, so the learner still sees a ratio.
    """
    perf = ctx.p["perf_counter"]
    if use_jit or ctx.is_jitted(fn):
        target = ctx.jit_target(fn)
        t0 = perf()
        try:
            with ctx.learner():
                compiled = target.lower(*args).compile()
        except Exception:
            return (lambda: fn(*args)), 0.0, False
        compile_ms = (perf() - t0) * 1000
        if not ctx.is_jitted(fn):
            dyn = ctx.dynamic_args(args)
            return (lambda: compiled(*dyn)), compile_ms, True
        return (lambda: target(*args)), compile_ms, True
    return (lambda: fn(*args)), 0.0, False


def _time(ctx: GradeContext, run: Callable[[], Any], inner: int) -> float:
    perf, block = ctx.p["perf_counter"], ctx.p["block_until_ready"]
    with ctx.learner():
        t0 = perf()
        for _ in range(inner):
            block(run())
        return (perf() - t0) / inner


def _calibrate(ctx: GradeContext, run: Callable[[], Any]) -> int:
    """Inner repetitions so that one timed sample lasts about TARGET_SAMPLE_S (doubling, bounded)."""
    inner = 1
    while inner < MAX_INNER:
        per_call = _time(ctx, run, inner)
        if per_call * inner >= TARGET_SAMPLE_S / 2:
            return max(1, min(MAX_INNER, int(TARGET_SAMPLE_S / max(per_call, 1e-9))))
        inner *= 2
    return MAX_INNER


def speedup(ctx: GradeContext, cfg: dict[str, Any], threshold: float, budget_s: float) -> dict[str, Any]:
    import jax

    assert ctx.entry is not None and ctx.baseline is not None
    ctx.fast_compiles(False)  # time fully optimised programs only
    perf = ctx.p["perf_counter"]
    start = perf()
    args = ctx.fresh_args(ctx.seeds[0])
    sub, sub_compile, sub_jitted = _prepare(ctx, ctx.entry, bool(cfg.get("jit_submission", True)), args)
    base_args = ctx.fresh_args(ctx.seeds[0])
    base, base_compile, _ = _prepare(ctx, ctx.baseline, bool(cfg.get("jit_baseline", False)), base_args)
    # warm up both (first calls may still do one-time work), then size each sample to ~TARGET_SAMPLE_S
    _time(ctx, sub, 2)
    _time(ctx, base, 2)
    inner_sub = _calibrate(ctx, sub)
    inner_base = _calibrate(ctx, base)
    ratios: list[float] = []
    sub_times: list[float] = []
    base_times: list[float] = []

    def pairs(n: int) -> None:
        for i in range(n):
            if perf() - start > budget_s * 0.8 and len(ratios) >= 3:
                return
            if i % 2 == 0:
                b = _time(ctx, base, inner_base)
                s = _time(ctx, sub, inner_sub)
            else:
                s = _time(ctx, sub, inner_sub)
                b = _time(ctx, base, inner_base)
            sub_times.append(s)
            base_times.append(b)
            ratios.append(b / max(s, 1e-9))

    pairs(9)
    remeasured = False
    ratio = statistics.median(ratios)
    # Near the threshold, or below it, measure again (bounded) and judge all pairs together: a failing
    # verdict must not come from one disturbed round (another process's burst on a shared machine).
    rounds = 1
    while rounds < 3 and (ratio < threshold or abs(ratio - threshold) / threshold < 0.25):
        if perf() - start > budget_s * 0.6:
            break
        remeasured = True
        pairs(8)
        rounds += 1
        ratio = statistics.median(ratios)
    dev = jax.devices()[0]
    return {
        "ratio": ratio,
        "ratios": [round(r, 3) for r in ratios],
        "submission_ms": statistics.median(sub_times) * 1000,
        "baseline_ms": statistics.median(base_times) * 1000,
        "submission_compile_ms": sub_compile,
        "baseline_compile_ms": base_compile,
        "remeasured": remeasured,
        "rounds": rounds,
        "submission_jitted": sub_jitted,
        "jit_requested": bool(cfg.get("jit_submission", True)),
        "backend": dev.platform,
        "device": getattr(dev, "device_kind", dev.platform),
        "pairs": len(ratios),
    }
