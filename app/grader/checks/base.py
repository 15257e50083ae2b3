"""What every check receives: the lesson's config for it and the evidence the harness gathered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.grader.driver import HarnessRun
from app.grader.explain import sentence
from app.grader.report import CheckResult, Status


@dataclass
class Evidence:
    cfg: dict[str, Any]  # this check's table from lesson.toml (or the CLI's defaults)
    sub: HarnessRun  # the submission's harness run
    ref: dict[str, Any] | None  # reference observations by phase name (None: no reference available)
    static_argnums: tuple[int, ...] = ()
    source: str = ""  # the learner's code (for static hints such as where its Python loops are)
    hidden_inputs: bool = True  # lesson inputs are hidden; `jaxtutor check` uses the learner's example_args
    report_only: bool = False  # measured and reported, not scored (`jaxtutor check`'s speedup without a threshold)

    def weight(self) -> float:
        return float(self.cfg.get("weight", 1.0))


def result(ev: Evidence, name: str, status: Status, message: str, **details: Any) -> CheckResult:
    return CheckResult(
        name=name,
        status=status,
        message=message,
        details=details,
        weight=ev.weight(),
    )


PHASE_WORDS = {
    "load": "Loading your code",
    "calls": "Calling your function",
    "purity": "Probing your function for side effects",
    "prng": "Checking PRNG key use",
    "jit": "Compiling your function under jax.jit",
    "retrace": "Calling your jitted function repeatedly",
    "program": "Tracing and compiling your program",
    "baseline_program": "Compiling the baseline",
    "speedup": "Timing your function against the baseline",
    "vmap": "Running your function under jax.vmap",
    "grad": "Differentiating your function",
}


def time_limit_message(info: dict[str, Any]) -> str:
    """A phase that ran out of time, in words: which step, its budget, and what was running then."""
    phase = str(info.get("phase") or "")
    what = (
        "Running the reference solution" if phase.startswith("ref:") else PHASE_WORDS.get(phase, f"The '{phase}' step")
    )
    if info.get("killed"):
        scope = "the whole grading's" if info.get("whole_grading") else "its"
        return (
            f"Time limit: {what} ran past {scope} budget ({info.get('budget_s')} s) and did not respond, so the "
            f"grader stopped it after {info.get('wall_s')} s: an infinite loop, a long sleep, or one enormous "
            "computation. This is a time limit, not a verdict on this check: make it faster and submit again."
        )
    at = f" on line {info['line']} (`{info.get('code', '')}`)" if info.get("line") else ""
    compiles, compile_s = int(info.get("compiles") or 0), float(info.get("compile_s") or 0.0)
    many = f" ({compiles} XLA compilations, {compile_s:.1f} s, in this step)" if compiles else ""
    note = str(info.get("note") or "")
    if info.get("doing") == "compiling" or note.startswith("compiling"):
        doing = f"it was {note or 'compiling'}{at}{many}"
        advice = (
            "A Python loop is unrolled into one copy of its body per iteration, which compiles slowly: use "
            "`lax.scan`/`lax.fori_loop`, or vectorise"
        )
    elif info.get("doing") == "tracing":
        doing = f"it was tracing your function{at}{many}"
        advice = "A long Python loop is traced step by step: use `lax.scan`/`lax.fori_loop`, or vectorise"
    else:
        doing = f"it was running{at}" + (" one operation at a time" if at else "") + many
        advice = (
            "An infinite loop, or a Python loop over array elements (each element costs a dispatched operation): "
            "vectorise it, or use `lax.scan`/`lax.fori_loop`"
        )
    return (
        f"Time limit: {what} used its whole budget ({info.get('budget_s')} s, not counting time spent waiting for "
        f"a busy CPU) and was stopped; {doing}. {advice}. This is a time limit, not a verdict on this check."
    )


def time_limit_result(ev: Evidence, name: str, info: dict[str, Any]) -> CheckResult:
    return result(ev, name, "error", time_limit_message(info), time_limit=info)


def phase_problem(ev: Evidence, name: str, phase: str, what: str) -> CheckResult | None:
    """A failed/timed-out/missing phase, as this check's result; None when the phase ran fine."""
    run = ev.sub
    limited = run.time_limit(phase)
    if limited is not None:
        return time_limit_result(ev, name, limited)
    err = run.error(phase)
    if err is not None:
        return result(
            ev,
            name,
            "fail",
            sentence(err, prefix=f"{what} failed. "),
            exception=err["type"],
            line=err.get("line"),
        )
    if phase not in run.results:
        return result(ev, name, "skip", f"Not run: {_why_not_run(run)}")
    return None


def _why_not_run(run: HarnessRun) -> str:
    if run.timed_out_phase:
        return f"grading stopped when the '{run.timed_out_phase}' phase ran out of time."
    if run.died:
        return "the kernel died before this check."
    if run.tamper:
        return "grading stopped after interference with the grader."
    return "an earlier step failed."
