"""From the harness's raw observations to the report: prerequisites, each check's verdict, output.

Every verdict is decided here, on the host; the kernel only reports what it observed. Which checks exist, in
which order, what blocks each and how each is judged come from the registry (``app.grader.checks.registry``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from app.grader.checks.base import Evidence, time_limit_message, time_limit_result
from app.grader.checks.registry import Registry, default_registry
from app.grader.driver import HarnessRun
from app.grader.explain import explain, sentence
from app.grader.report import CheckResult, Report


def fill_report(
    report: Report,
    run: HarnessRun,
    checks: dict[str, dict[str, Any]],
    ref: dict[str, Any] | None,
    static: tuple[int, ...],
    *,
    report_only: Collection[str] = (),
    source: str = "",
    hidden_inputs: bool = True,
    output_limit: int = 2000,
    registry: Registry | None = None,
) -> None:
    """Append one result per enabled check (``checks``: name -> its config table), in registry order.

    ``ref``: the reference's observations by phase (None: no reference). ``report_only``: checks measured
    and reported but not scored. A grading that could not start (tamper, a dead kernel, code that does not
    load) sets ``report.error`` and gives every check ``error``."""
    registry = registry or default_registry()
    report.output = _clean_output(run.output, output_limit)
    report.timings.update({f"phase_{k.replace(':', '_')}_s": v for k, v in run.phase_seconds.items()})
    report.timings.update(
        {f"phase_{k.replace(':', '_')}_compile_s": secs for k, (n, secs) in run.phase_compiles.items() if n}
    )
    report.timings.update({f"phase_{k.replace(':', '_')}_compiles": n for k, (n, _) in run.phase_compiles.items() if n})
    # The kernel's start-up calibration: how much slower than the reference machine, how busy, exact clock.
    cal = run.calibration
    report.timings.update({f"calibration_{k}": float(cal[k]) for k in ("cpu_s", "load", "scale") if k in cal})
    if "exact_clock" in cal:
        report.timings["calibration_exact_clock"] = float(bool(cal["exact_clock"]))
    if run.tamper is not None or run.forged:
        parts: list[str] = []
        if run.tamper:
            parts += [f"changed `{c}`" for c in run.tamper.get("changed", [])[:3]]
            parts += list(run.tamper.get("blocked", []))[:3]
        if run.forged:
            parts.append("sent messages pretending to come from the grader")
        report.error = (
            "Grading stopped: your code interfered with the grader (" + "; ".join(parts) + "). "
            "Submissions must not monkeypatch jax/time/builtins, inspect frames, or fake results."
        )
        all_error(report, checks, "Not graded: the grader detected tampering.", registry)
        return
    if run.died is not None:
        phase = run.current_phase or "start-up"
        report.error = f"The kernel died while grading ({phase}): {run.died[1]}"
        all_error(report, checks, f"Not graded: the kernel died ({run.died[0].value}).", registry)
        return
    load_err = run.error("load")
    load = run.data("load") or {}
    load_limit = run.time_limit("load") or run.time_limit("startup")
    if load_limit is not None:
        report.error = (
            "Loading your code took longer than the time limit (an infinite loop at module level?). "
            + time_limit_message(load_limit)
        )
        all_error(report, checks, "Not graded: the code did not load within the time limit.", registry)
        return
    if load_err is not None:
        what, fix = explain(load_err)
        if load_err["type"] == "SyntaxError":
            caret = " " * max(0, (load_err.get("offset") or 1) - 1) + "^"
            report.error = (
                f"Syntax error on line {load_err.get('line')}: {load_err['message']}\n"
                f"    {load_err.get('text', '')}\n    {caret}"
            )
        else:
            loc = f" (line {load_err['line']})" if load_err.get("line") else ""
            report.error = f"Your code failed while loading{loc}: {what}. Fix: {fix}."
        all_error(report, checks, "Not graded: the code did not load.", registry)
        return
    if "load" in run.results and not load.get("entry_found"):
        name = load.get("entry") or "f"
        report.error = f"Your code does not define `{name}`: define a function named `{name}` (the task calls it)."
        all_error(report, checks, "Not graded: the function is missing.", registry)
        return
    if "load" in run.results and not load.get("entry_callable", True):
        report.error = "The name the task asks for is not a function."
        all_error(report, checks, "Not graded: the function is missing.", registry)
        return
    if load.get("example_args_found") is False:
        report.error = "Your file must define `example_args(seed=0)` returning a tuple of arguments."
        all_error(report, checks, "Not graded: no example arguments.", registry)
        return
    escape = _base_exception(run)
    if escape is not None:
        loc = f" on line {escape['line']}" if escape.get("line") else ""
        report.error = (
            f"Grading stopped: your code raised {escape['type']}{loc}, which would stop the grader "
            "itself (sys.exit(), exit(), KeyboardInterrupt or another BaseException). Return a value "
            "or raise an ordinary Exception instead."
        )
        all_error(report, checks, "Not graded: the code tried to stop the grader.", registry)
        return
    calls_problem, jit_problem = _prerequisites(run)
    explained_in = None  # the check that carries the whole call error; later ones point to it
    calls_limit = run.time_limit("calls")
    # No enabled check judges the calls (no correctness check here): the first check carries their time limit.
    calls_unjudged = not any("calls" in registry[n].judges for n in checks if n in registry)
    for name, check in registry.checks.items():
        if name not in checks:
            continue
        ev = Evidence(
            cfg=checks[name],
            sub=run,
            ref=ref,
            static_argnums=static,
            source=source,
            hidden_inputs=hidden_inputs,
            report_only=name in report_only,
        )
        # A phase out of time is an `error` of the check it serves, never a failure of another one.
        limited = next((run.time_limit(p) for p in check.judges if run.time_limit(p)), None)
        if limited is None and calls_limit is not None and explained_in is None and calls_unjudged:
            limited = calls_limit
        if limited is not None:
            explained_in = explained_in or (name if limited is calls_limit else None)
            report.checks.append(time_limit_result(ev, name, limited))
            continue
        blocker = None
        if check.explains_call_error is not None and check.explains_call_error(run):
            explained_in = explained_in or name  # e.g. evaluate_jit fails with the call's tracing error
        elif "calls" in check.needs and calls_problem:
            blocker = calls_problem
            if explained_in is not None and calls_problem.startswith(CALL_RAISED):
                blocker = f"{CALL_RAISED} (see the {explained_in} check)."
            elif explained_in is not None and calls_limit is not None:
                blocker = f"{CALLS_TIME_LIMIT} (see the {explained_in} check)."
            explained_in = explained_in or name
        elif "jit" in check.needs and jit_problem:
            blocker = jit_problem
        else:
            blocker = check.blocked_after(report.checks)
        if blocker:
            skipped = CheckResult(
                name=name, status="skip", message=blocker, weight=float(checks[name].get("weight", 1.0))
            )
            skipped.applicable = name not in report_only  # a measurement only: not scored
            report.checks.append(skipped)
            continue
        report.checks.append(check.evaluate(ev))
    if not run.done and not run.timed_out_phase:
        report.error = "Grading did not finish."


def _base_exception(run: HarnessRun) -> dict[str, Any] | None:
    for name in run.order:
        err = run.error(name)
        if err and err.get("base_exception"):
            return err
    for call in (run.data("calls") or {}).get("calls", []):
        if call.get("error", {}).get("base_exception"):
            return dict(call["error"])
    return None


CALL_RAISED = "Not checked: calling your function raised an error"
CALLS_TIME_LIMIT = "Not checked: blocked by the time limit on calling your function"


def _prerequisites(run: HarnessRun) -> tuple[str | None, str | None]:
    """Why checks that need a working call (or a working jit) cannot be judged, in plain words."""
    calls_problem = None
    if run.time_limit("calls"):
        calls_problem = f"{CALLS_TIME_LIMIT} (see the correctness check)."
    for call in (run.data("calls") or {}).get("calls", []):
        if "arity_error" in call:
            calls_problem = (
                f"Not checked: your function cannot be called with the {call['n_args']} argument(s) "
                f"the task passes ({call['arity_error']})."
            )
        elif "error" in call:
            calls_problem = sentence(call["error"], prefix=f"{CALL_RAISED}. ")
        if calls_problem:
            break
    jit_problem = None
    jit_err = run.error("jit")
    if run.time_limit("jit"):
        jit_problem = "Not checked: blocked by the time limit on compiling your function (see the jit check)."
    elif jit_err is not None:
        jit_problem = "Not checked: your function must work under jax.jit first (see the jit check)."
    return calls_problem, jit_problem


def all_error(
    report: Report, checks: dict[str, dict[str, Any]], message: str, registry: Registry | None = None
) -> None:
    for name in (registry or default_registry()).names:
        if name in checks:
            report.checks.append(
                CheckResult(name=name, status="error", message=message, weight=float(checks[name].get("weight", 1.0)))
            )


def _clean_output(text: str, limit: int) -> str:
    """ANSI codes and host paths out; the last ``limit`` characters (``grade_output_limit_chars``) kept."""
    import re

    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text or "")
    text = re.sub(r"(/[\w.\-]+)+/([\w.\-]+)", r"\2", text)
    return text[-limit:] if limit > 0 else ""
