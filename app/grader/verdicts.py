"""From the harness's raw observations to the report: prerequisites, each check's verdict, output.

Every verdict is decided here, on the host; the kernel only reports what it observed.
"""

from __future__ import annotations

from typing import Any

from app.grader.checks import compile as compile_checks
from app.grader.checks import correctness, prng, program, purity, speedup, transforms
from app.grader.checks.base import Evidence
from app.grader.driver import HarnessRun
from app.grader.explain import explain, sentence
from app.grader.report import CheckResult, Report
from app.lessons.model import CHECK_NAMES


def fill_report(
    report: Report,
    run: HarnessRun,
    checks: dict[str, dict[str, Any]],
    ref: dict[str, Any] | None,
    static: tuple[int, ...],
    *,
    report_only_speedup: bool,
    source: str = "",
    hidden_inputs: bool = True,
) -> None:
    report.output = _clean_output(run.output)
    report.timings.update({f"phase_{k.replace(':', '_')}_s": v for k, v in run.phase_seconds.items()})
    report.timings.update(
        {f"phase_{k.replace(':', '_')}_compile_s": secs for k, (n, secs) in run.phase_compiles.items() if n}
    )
    report.timings.update({f"phase_{k.replace(':', '_')}_compiles": n for k, (n, _) in run.phase_compiles.items() if n})
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
        all_error(report, checks, "Not graded: the grader detected tampering.")
        return
    if run.died is not None:
        phase = run.current_phase or "start-up"
        report.error = f"The kernel died while grading ({phase}): {run.died[1]}"
        all_error(report, checks, f"Not graded: the kernel died ({run.died[0].value}).")
        return
    load_err = run.error("load")
    load = run.data("load") or {}
    if run.timed_out_phase in ("load", "startup"):
        report.error = "Loading your code took longer than the time limit (an infinite loop at module level?)."
        all_error(report, checks, "Not graded: the code did not load.")
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
        all_error(report, checks, "Not graded: the code did not load.")
        return
    if "load" in run.results and not load.get("entry_found"):
        report.error = "Your code does not define the function the task asks for (check its name)."
        all_error(report, checks, "Not graded: the function is missing.")
        return
    if "load" in run.results and not load.get("entry_callable", True):
        report.error = "The name the task asks for is not a function."
        all_error(report, checks, "Not graded: the function is missing.")
        return
    if load.get("example_args_found") is False:
        report.error = "Your file must define `example_args(seed=0)` returning a tuple of arguments."
        all_error(report, checks, "Not graded: no example arguments.")
        return
    escape = _base_exception(run)
    if escape is not None:
        loc = f" on line {escape['line']}" if escape.get("line") else ""
        report.error = (
            f"Grading stopped: your code raised {escape['type']}{loc}, which would stop the grader "
            "itself (sys.exit(), exit(), KeyboardInterrupt or another BaseException). Return a value "
            "or raise an ordinary Exception instead."
        )
        all_error(report, checks, "Not graded: the code tried to stop the grader.")
        return
    calls_problem, jit_problem = _prerequisites(run)
    tracing_error = compile_checks.calls_tracing_error(run)
    explained_in = None  # the check that carries the whole call error; later ones point to it
    for name in CHECK_NAMES:
        if name not in checks:
            continue
        blocker = None
        if name == "jit" and tracing_error is not None:
            explained_in = explained_in or name  # evaluate_jit fails with the call's tracing error
        elif name != "correctness" and calls_problem:
            blocker = calls_problem
            if explained_in is not None and calls_problem.startswith(CALL_RAISED):
                blocker = f"{CALL_RAISED} (see the {explained_in} check)."
            explained_in = explained_in or name
        elif name in ("vectorization", "structure") and jit_problem:
            blocker = jit_problem
        if blocker:
            report.checks.append(
                CheckResult(name=name, status="skip", message=blocker, weight=float(checks[name].get("weight", 1.0)))
            )
            continue
        ev = Evidence(
            cfg=checks[name], sub=run, ref=ref, static_argnums=static, source=source, hidden_inputs=hidden_inputs
        )
        report.checks.append(_evaluate(name, ev, report_only_speedup))
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


def _prerequisites(run: HarnessRun) -> tuple[str | None, str | None]:
    """Why checks that need a working call (or a working jit) cannot be judged, in plain words."""
    calls_problem = None
    if run.timed_out_phase == "calls":
        calls_problem = (
            "Not checked: calling your function took longer than the time limit (an infinite loop, "
            "or a very slow Python loop)."
        )
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
    if run.timed_out_phase == "jit":
        jit_problem = "Not checked: your function did not compile under jax.jit within the time limit."
    elif jit_err is not None:
        jit_problem = "Not checked: your function must work under jax.jit first (see the jit check)."
    return calls_problem, jit_problem


def _evaluate(name: str, ev: Evidence, report_only_speedup: bool) -> CheckResult:
    if name == "correctness":
        return correctness.evaluate(ev)
    if name == "purity":
        return purity.evaluate(ev)
    if name == "prng":
        return prng.evaluate(ev)
    if name == "jit":
        return compile_checks.evaluate_jit(ev)
    if name == "retrace":
        return compile_checks.evaluate_retrace(ev)
    if name == "vectorization":
        return program.evaluate_vectorization(ev)
    if name == "structure":
        return program.evaluate_structure(ev)
    if name == "vmap":
        return transforms.evaluate_vmap(ev)
    if name == "grad":
        return transforms.evaluate_grad(ev)
    return speedup.evaluate(ev, report_only=report_only_speedup)


def all_error(report: Report, checks: dict[str, dict[str, Any]], message: str) -> None:
    for name in CHECK_NAMES:
        if name in checks:
            report.checks.append(
                CheckResult(name=name, status="error", message=message, weight=float(checks[name].get("weight", 1.0)))
            )


def _clean_output(text: str) -> str:
    import re

    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text or "")
    text = re.sub(r"(/[\w.\-]+)+/([\w.\-]+)", r"\2", text)
    return text[-2000:]
