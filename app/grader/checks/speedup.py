"""speedup: measured, honestly, against the lesson's baseline."""

from __future__ import annotations

from app.grader.checks.base import Evidence, phase_problem, result
from app.grader.report import CheckResult

NAME = "speedup"


def evaluate(ev: Evidence, *, report_only: bool = False) -> CheckResult:
    problem = phase_problem(ev, NAME, "speedup", "Timing your function against the baseline")
    if problem:
        return problem
    d = ev.sub.data("speedup") or {}
    if d.get("skipped"):
        res = result(ev, NAME, "skip", "No baseline to compare against (define `baseline`).")
        res.applicable = False
        return res
    backend = "gpu" if d.get("backend") in ("gpu", "cuda", "rocm") else "cpu"
    threshold = float(ev.cfg.get(backend, 1.0))
    ratio = float(d.get("ratio", 0.0))
    figures = {
        "ratio": round(ratio, 2),
        "threshold": threshold,
        "backend": backend,
        "device": d.get("device"),
        "submission_ms": round(d.get("submission_ms", 0.0), 4),
        "baseline_ms": round(d.get("baseline_ms", 0.0), 4),
        "submission_compile_ms": round(d.get("submission_compile_ms", 0.0), 1),
        "baseline_compile_ms": round(d.get("baseline_compile_ms", 0.0), 1),
        "ratios": d.get("ratios"),
        "remeasured": d.get("remeasured"),
    }
    summary = (
        f"{ratio:.1f}x faster than the baseline ({figures['submission_ms']:.3f} ms vs "
        f"{figures['baseline_ms']:.3f} ms per call on {backend}, compile {figures['submission_compile_ms']} ms)"
    )
    if report_only:
        res = result(ev, NAME, "pass", f"Measured {summary}.", **figures)
        res.applicable = False
        return res
    if ratio < threshold and d.get("jit_requested") and not d.get("submission_jitted"):
        return result(
            ev,
            NAME,
            "fail",
            f"Your function could not be compiled with jax.jit, so it ran as plain Python: {summary}; the task "
            f"asks for at least {threshold:g}x. Make it work under jax.jit first (see the jit check).",
            **figures,
        )
    if ratio < threshold:
        return result(
            ev,
            NAME,
            "fail",
            f"Your function is {summary}; the task asks for at least {threshold:g}x. "
            "Remove Python loops and per-element work, keep the work inside one jitted function, and let "
            "XLA fuse it.",
            **figures,
        )
    return result(ev, NAME, "pass", f"{summary[0].upper()}{summary[1:]}; needed {threshold:g}x.", **figures)
