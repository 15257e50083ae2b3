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


def phase_problem(ev: Evidence, name: str, phase: str, what: str) -> CheckResult | None:
    """A failed/timed-out/missing phase, as this check's result; None when the phase ran fine."""
    run = ev.sub
    if run.timed_out_phase == phase:
        return result(
            ev,
            name,
            "fail",
            f"{what} took longer than the time limit and was stopped. This usually "
            "means an unrolled Python loop (slow to compile) or an infinite loop. Vectorise the loop or "
            "use `lax.scan`/`lax.fori_loop`.",
            timed_out=True,
        )
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
