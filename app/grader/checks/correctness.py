"""correctness: outputs equal the reference's on every hidden input (structure, shape, dtype, values)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from app.grader.checks.base import Evidence, phase_problem, result
from app.grader.checks.registry import Check, CheckConfig, CliDefault, CliOptions, Phase
from app.grader.compare import compare
from app.grader.explain import sentence
from app.grader.report import CheckResult

NAME = "correctness"


class CorrectnessCheck(CheckConfig):
    weight: float = 3.0
    rtol: float | None = Field(None, ge=0, description="Relative tolerance; default depends on the dtype.")
    atol: float | None = Field(None, ge=0, description="Absolute tolerance; default depends on the dtype.")
    dtype: Literal["exact", "canonical"] = Field(
        "exact",
        description="'exact': the output's dtype must be the reference's. 'canonical': the reference's NumPy "
        "outputs are first converted as JAX would (`jnp.asarray` under the lesson's x64 setting), so a float64 "
        "NumPy reference expects float32 when x64 is off (what `jaxtutor check` does).",
    )


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
    message = f"Outputs match the reference on all {len(calls)} {inputs}."
    containers = next(
        (
            (c["output"]["treedef"], want[c["seed"]]["output"]["treedef"])
            for c in calls
            if "output" in c
            and "output" in want.get(c["seed"], {})
            and c["output"]["treedef"] != want[c["seed"]]["output"]["treedef"]
        ),
        None,
    )
    if containers is None:
        return result(ev, NAME, "pass", message, inputs=len(calls))
    kinds = {"[": "a list", "(": "a tuple"}
    got_kind, want_kind = (kinds.get(t.removeprefix("PyTreeDef(")[:1], "") for t in containers)
    said = (
        f"you return {got_kind} where the reference returns {want_kind}"
        if got_kind and want_kind
        else ("your output has a list where the reference has a tuple (or the reverse)")
    )
    hint = (
        f"{said}: a list and a tuple of the same items count as the same answer, but code that maps over both "
        "(`jax.tree.map`) needs the same containers"
    )
    return result(ev, NAME, "pass", message, inputs=len(calls), hints=[hint])


def _reference_phases(cfg: dict[str, Any]) -> list[Phase]:
    # A reference whose outputs count "as JAX would see them" (`check`'s NumPy references) is canonicalised.
    return [Phase("calls", "run._calls", {"canonical": True})] if cfg.get("dtype") == "canonical" else []


def _cli(options: CliOptions) -> CliDefault:
    # The reference may be NumPy: compare against its output as JAX would hold it (float64 -> float32).
    return CliDefault({"weight": 3.0, "dtype": "canonical"})


CHECK = Check(
    name=NAME,
    config=CorrectnessCheck,
    evaluate=evaluate,
    reference_phases=_reference_phases,  # the calls phase itself runs in every grading
    judges=("calls", "ref:load", "ref:calls"),
    needs=(),
    cli=_cli,
)
