"""correctness: outputs equal the reference's on every hidden input (structure, shape, dtype, values)."""

from __future__ import annotations

from app.grader.checks.base import Evidence, phase_problem, result
from app.grader.compare import compare
from app.grader.explain import sentence
from app.grader.report import CheckResult

NAME = "correctness"


def evaluate(ev: Evidence) -> CheckResult:
    if ev.ref is None:
        res = result(ev, NAME, "skip", "No reference solution to compare against (define `reference`).")
        res.applicable = False
        return res
    if ev.sub.timed_out_phase == "calls":
        return result(
            ev,
            NAME,
            "fail",
            "Calling your function took longer than the time limit, so its results could not be checked: "
            "an infinite loop, or a Python loop over array elements (vectorise it).",
            timed_out=True,
        )
    problem = phase_problem(ev, NAME, "calls", "Calling your function")
    if problem:
        return problem
    if "calls" not in ev.ref:
        return result(ev, NAME, "skip", "Not checked: the reference could not be run for comparison.")
    calls = (ev.sub.data("calls") or {}).get("calls", [])
    want = {c["seed"]: c for c in ev.ref["calls"].get("calls", [])}
    for i, call in enumerate(calls, start=1):
        if "arity_error" in call:
            return result(
                ev,
                NAME,
                "fail",
                f"Your function cannot be called with the {call['n_args']} argument(s) "
                f"the task passes: {call['arity_error']}. Match the signature given in the task.",
            )
        if "error" in call:
            return result(
                ev,
                NAME,
                "fail",
                sentence(call["error"], prefix=f"Test call {i} raised an error. "),
                line=call["error"].get("line"),
                exception=call["error"]["type"],
            )
        ref_call = want.get(call["seed"])
        if ref_call is None or "output" not in ref_call:
            continue
        diff = compare(call["output"], ref_call["output"], ev.cfg.get("rtol"), ev.cfg.get("atol"))
        if diff:
            which = (
                f"hidden test input {i} of {len(calls)}"
                if ev.hidden_inputs
                else f"`example_args(seed={call['seed']})` (call {i} of {len(calls)})"
            )
            return result(ev, NAME, "fail", f"On {which}, {diff}.", failed_input=i)
    if len(calls) < len(want):
        return result(ev, NAME, "fail", "Not every test input could be checked.")
    inputs = "hidden inputs" if ev.hidden_inputs else "inputs from `example_args`"
    return result(ev, NAME, "pass", f"Outputs match the reference on all {len(calls)} {inputs}.", inputs=len(calls))
