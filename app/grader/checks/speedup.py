"""speedup: measured, honestly, against the lesson's declared baseline.

The ratio is the median over interleaved baseline/submission pairs, with a distribution-free interval for
that median (order statistics), so a learner can see how much the figure would move on another run. With
``compile_counts`` each pair compares totals, compile + N x run. Speed is only awarded to code that is
correct and compiles: a fast wrong answer earns nothing.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field

from app.grader.checks.base import Evidence, phase_problem, result
from app.grader.checks.compile import JIT_PHASE
from app.grader.checks.registry import Check, CheckConfig, CliDefault, CliOptions, Phase
from app.grader.report import CheckResult

NAME = "speedup"


def not_awarded(name: str) -> str:
    """Why speed is not awarded: ``name`` (correctness or jit, both judged before speedup) did not pass."""
    return f"Not awarded: speed only counts for code that passes {name} (see the {name} check); fix that first."


def median_interval(ratios: list[float], level: float = 0.95) -> tuple[float, float, float]:
    """The median of the pair ratios and a distribution-free interval for it (order statistics of a
    Binomial(n, 1/2)); with fewer than 6 pairs the interval is their full range."""
    xs = sorted(ratios)
    n = len(xs)
    if n == 0:
        return 0.0, 0.0, 0.0
    mid = xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2
    if n < 6:
        return mid, xs[0], xs[-1]
    tail = (1 - level) / 2
    k, cdf = 0, 0.0
    while True:
        p = math.comb(n, k) / 2**n
        if cdf + p > tail:
            break
        cdf += p
        k += 1
    k = max(k, 1)  # xs[k-1] .. xs[n-k] covers the median with probability >= level
    return mid, xs[k - 1], xs[n - k]


def evaluate(ev: Evidence) -> CheckResult:
    problem = phase_problem(ev, NAME, "speedup", "Timing your function against the baseline")
    if problem:
        return problem
    d = ev.sub.data("speedup") or {}
    if d.get("skipped"):
        res = result(ev, NAME, "skip", "No baseline to compare against (define `baseline`).")
        res.applicable = False
        return res
    backend = "gpu" if d.get("backend") in ("gpu", "cuda", "rocm") else "cpu"
    if d.get("skipped_backend"):
        res = result(
            ev,
            NAME,
            "skip",
            f"Not measured on {backend} ({d.get('device')}): {d['skipped_backend']}",
            backend=backend,
            device=d.get("device"),
        )
        res.applicable = False
        return res
    threshold = float(ev.cfg.get(backend, 1.0))
    ratios = [float(r) for r in d.get("ratios") or []] or [float(d.get("ratio", 0.0))]
    ratio, low, high = median_interval(ratios)
    figures: dict[str, Any] = {
        "ratio": round(ratio, 2),
        "interval": [round(low, 2), round(high, 2)],
        "pairs": len(ratios),
        "threshold": threshold,
        "backend": backend,
        "device": d.get("device"),
        "baseline_mode": d.get("baseline_mode", "eager"),
        "compile_counts": bool(d.get("compile_counts")),
        "calls": int(d.get("calls", 1)),
        "submission_ms": round(d.get("submission_ms", 0.0), 4),
        "baseline_ms": round(d.get("baseline_ms", 0.0), 4),
        "submission_compile_ms": round(d.get("submission_compile_ms", 0.0), 1),
        "baseline_compile_ms": round(d.get("baseline_compile_ms", 0.0), 1),
        "ratios": d.get("ratios"),
        "remeasured": d.get("remeasured"),
        "clock": "CPU time" if d.get("clock") == "cpu" else "wall time",
    }
    summary = _summary(figures)
    if ev.report_only:
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
        if d.get("stream"):
            advice = (
                "Compilation counts here, and every new input shape is a new program: keep shapes fixed (pad to "
                "a fixed size and mask), pass changing sizes as traced values, and compile once."
            )
        elif figures["compile_counts"]:
            advice = (
                "Compilation counts here: an unrolled Python loop is slow to trace and compile as well as to "
                "run. Replace it with array operations, `jax.vmap` or `lax.scan`."
            )
        else:
            advice = (
                "Remove Python loops and per-element work, keep the work inside one jitted function, and let "
                "XLA fuse it."
            )
        return result(
            ev,
            NAME,
            "fail",
            f"Your function is {summary}; the task asks for at least {threshold:g}x. {advice}",
            **figures,
        )
    return result(ev, NAME, "pass", f"{summary[0].upper()}{summary[1:]}; needed {threshold:g}x.", **figures)


def _summary(f: dict[str, Any]) -> str:
    base = "the jitted baseline" if f["baseline_mode"] == "jit" else "the baseline run eagerly"
    interval = f"interval {f['interval'][0]:.1f}-{f['interval'][1]:.1f}x over {f['pairs']} interleaved pairs"
    if f["compile_counts"]:
        n = f["calls"]
        what = (
            f"compile + {n} x run: yours {f['submission_compile_ms']} ms + {n} x {f['submission_ms']:.3f} ms, "
            f"baseline {f['baseline_compile_ms']} ms + {n} x {f['baseline_ms']:.3f} ms"
        )
    else:
        what = (
            f"per call: yours {f['submission_ms']:.3f} ms, baseline {f['baseline_ms']:.3f} ms; compile "
            f"{f['submission_compile_ms']} ms, not counted"
        )
    speed = f"{f['ratio']:.1f}x faster than {base}" if f["ratio"] >= 1 else f"{f['ratio']:.2f}x as fast as {base}"
    return f"{speed} ({what}; {interval}; {f['clock']} on {f['backend']}, {f['device']})"


class SpeedupCheck(CheckConfig):
    weight: float = 2.0
    cpu: float = Field(1.5, gt=0, description="Minimum speedup over the baseline on CPU.")
    gpu: float = Field(1.5, gt=0, description="Minimum speedup over the baseline on GPU.")
    jit_submission: bool = Field(True, description="Time the submission under jax.jit with the static args.")
    baseline: Literal["eager", "jit"] = Field(
        description="What baseline.py is timed as: 'eager' (called as written) or 'jit' (under jax.jit)."
    )
    compile_counts: bool = Field(
        False,
        description="Compare totals, compile + calls x run, instead of run time alone (compile cost vs runtime).",
    )
    calls: int = Field(1, ge=1, le=1_000_000, description="N in total = compile + N x run (with compile_counts).")
    stream_seeds: list[int] = Field(
        default_factory=list,
        max_length=16,
        description="Time a stream of requests, one call per seed in order (seeds not in `seeds`: first-seen inputs);"
        " the one-time cost of the first pass (compiles for new shapes) is the 'compile' part.",
    )
    skip: dict[Literal["cpu", "gpu"], str] = Field(
        default_factory=dict,
        description="Backends where no speedup is expected, each with the reason shown (the check is skipped there).",
    )
    starter_passes: str = Field(
        "",
        max_length=300,
        description="Why the starter may pass this check; otherwise `lessons check` proves that it fails it.",
    )


def _cli(options: CliOptions) -> CliDefault | None:
    """Measured when the file defines ``baseline``; scored only against ``--min-speedup``."""
    if "baseline" not in options.names:
        return None
    threshold = options.min_speedup if options.min_speedup is not None else 1.0
    cfg = {"weight": 2.0, "cpu": threshold, "gpu": threshold, "jit_submission": False}
    return CliDefault(cfg, scored=options.min_speedup is not None)


CHECK = Check(
    name=NAME,
    config=SpeedupCheck,
    evaluate=evaluate,
    # Timing measures fully optimised programs: last.
    phases=lambda cfg: [JIT_PHASE, Phase("speedup", "run._speedup", {"cfg": cfg}, last=True)],
    judges=("speedup",),
    after=("correctness", "jit"),
    after_message=not_awarded,
    cli=_cli,
    needs_baseline=lambda cfg: "checks.speedup is enabled, so a baseline.py is required",
)
