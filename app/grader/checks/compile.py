"""jit (traces and compiles, agrees with eager) and retrace (no recompilation on realistic calls)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from app.grader.checks import purity, retrace_config
from app.grader.checks.base import Evidence, phase_problem, result
from app.grader.checks.registry import Check, CheckConfig, CliDefault, CliOptions, Phase
from app.grader.driver import HarnessRun
from app.grader.explain import sentence
from app.grader.report import CheckResult

# Errors that only tracing raises (a traced value used where Python needs a concrete one, or a leak).
TRACING_ERRORS = {
    "ConcretizationTypeError",
    "TracerBoolConversionError",
    "TracerIntegerConversionError",
    "TracerArrayConversionError",
    "NonConcreteBooleanIndexError",
    "UnexpectedTracerError",
}


def calls_tracing_error(run: HarnessRun) -> dict[str, Any] | None:
    """The first call's error when it is one that only tracing raises."""
    for call in (run.data("calls") or {}).get("calls", []):
        err = call.get("error")
        if err is not None:
            return dict(err) if TRACING_ERRORS & set(err.get("mro") or [err.get("type")]) else None
    return None


def evaluate_jit(ev: Evidence) -> CheckResult:
    name = "jit"
    run = ev.sub
    if run.timed_out_phase == "jit":
        return result(
            ev,
            name,
            "fail",
            "Compiling your function under jax.jit took longer than the limit. A Python "
            "loop over array elements is unrolled into thousands of operations when traced: vectorise it or "
            "use `lax.scan`/`lax.fori_loop`.",
            timed_out=True,
        )
    # A call that failed while being traced (its own @jax.jit, or jit/vmap/scan inside) failed under jit.
    err = run.error("jit") or calls_tracing_error(run)
    if err is not None:
        return result(
            ev,
            name,
            "fail",
            sentence(err, prefix="Your function does not work under jax.jit. ", under_jit=True),
            exception=err["type"],
            line=err.get("line"),
        )
    problem = phase_problem(ev, name, "jit", "Compiling")
    if problem:
        return problem
    d = run.data("jit") or {}
    figures = {"trace_ms": round(d.get("trace_ms", 0), 1), "compile_ms": round(d.get("compile_ms", 0), 1)}
    if d.get("matches_eager") is False:
        purity_data = run.data("purity") or {}
        in_callback = purity.random_in_callback(purity_data, ev.source)
        if purity_data.get("input_mutations"):
            why = (
                "It changes its input in place (see purity): called directly the change happens, under jit the "
                "input is a traced value and the change is lost or refused. Build new arrays instead "
                "(`jnp.sort(x)`, `x.at[i].set(v)`)."
            )
        elif in_callback:
            why = "A host callback it calls returns something different on every call (see purity)."
        elif dict_order := purity.unsorted_dict_note(run):
            why = dict_order
        else:
            why = (
                "It depends on something jit freezes at trace time (a global, the clock, Python randomness): "
                "pass that in as an argument."
            )
        return result(
            ev,
            name,
            "fail",
            f"Under jax.jit your function returns a different result than when called directly. {why}",
            **figures,
        )
    return result(
        ev,
        name,
        "pass",
        # The grader compiles with XLA's optimisations mostly off here (kernels/harness/xla_options.py): say so,
        # so that the figure is not read as what the learner's own jax.jit costs.
        f"Traces and compiles under jax.jit (a quick, unoptimised compile for this check: {figures['compile_ms']} ms).",
        **figures,
    )


_LEAF = re.compile(r"(\w+)\[([^\]]*)\]")


def _changed_argument(before: str, after: str, params: list[str]) -> str:
    """Which argument's shape, dtype or static value changed between two calls, and the fix for that kind
    of change, in words (no values)."""
    old, new = before.split("; "), after.split("; ")
    for i, (a, b) in enumerate(zip(old, new, strict=False)):
        if a == b:
            continue
        name = f"`{params[i]}`" if i < len(params) else f"number {i + 1}"
        if a.startswith("static=") or b.startswith("static="):
            return (
                f"The static argument {name} had a new value, and every new static value means a new compilation. "
                "Make it a traced (non-static) argument if it is a number that changes, or keep it to a few values."
            )
        changed = f"Argument {name} changed from {a} to {b} between calls."
        la, lb = _LEAF.findall(a), _LEAF.findall(b)
        if len(la) != len(lb):
            return (
                f"{changed} Keep the same structure on every call (tuples or dicts with fixed keys, not lists "
                "that grow)."
            )
        dtypes = {(x[0], y[0]) for x, y in zip(la, lb, strict=True) if x[0] != y[0]}
        if dtypes & {("int", "float"), ("float", "int")}:
            return (
                f"{changed} A Python `int` and a Python `float` are different types to jit: pass the same kind "
                "every time (`1.0`, not `1`), or an array of a fixed dtype."
            )
        if dtypes:
            return (
                f"{changed} Keep dtypes fixed: convert once, before calling (e.g. `x.astype(jnp.float32)`), so "
                "every call sees the same dtype."
            )
        return f"{changed} Keep shapes fixed: pad or bucket inputs to a few sizes, so jit compiles once per size."
    return "The arguments changed between calls."


def _after_first(calls: list[dict[str, Any]], key: str) -> int:
    return sum(int(c.get(key, 0)) for c in calls[1:])


def evaluate_retrace(ev: Evidence) -> CheckResult:
    name = "retrace"
    problem = phase_problem(ev, name, "retrace", "Calling your jitted function repeatedly")
    if problem:
        return problem
    data = dict(ev.sub.data("retrace") or {})
    data["calls_as_written"] = (ev.sub.data("calls") or {}).get("calls", [])
    ref_data = dict((ev.ref or {}).get("retrace") or {})
    ref_data["calls_as_written"] = ((ev.ref or {}).get("calls") or {}).get("calls", [])
    calls: list[dict[str, Any]] = []
    sub_extra, ref_extra = 0, 0
    for key in ("calls", "calls_as_written"):
        these = data.get(key) or []
        if not these:
            continue
        extra = max(_after_first(these, "compiles"), _after_first(these, "traces"))
        rc = ref_data.get(key, [])
        r_extra = max(_after_first(rc, "compiles"), _after_first(rc, "traces"))
        if extra - r_extra > sub_extra - ref_extra or not calls:
            calls, sub_extra, ref_extra = these, extra, r_extra
    params = list((ev.sub.data("load") or {}).get("params") or [])
    design = retrace_config.lesson_design_problem(ev.cfg, ref_data, ev.hidden_inputs)
    if design is not None:
        return result(ev, name, "error", design)
    config = retrace_config.configuration_problem(
        data["calls_as_written"] or data.get("calls") or [], params, ev.cfg.get("expected_compiles") is None
    ) or retrace_config.configuration_problem(data.get("calls") or [], params, ev.cfg.get("expected_compiles") is None)
    if config is not None:
        return result(ev, name, "fail", config[0], **config[1])
    if not calls:
        return result(ev, name, "skip", "Not checked: your function could not be called repeatedly.")
    figures = {
        "calls": len(calls),
        "compiles_per_call": [c.get("compiles", 0) for c in calls],
        "traces_per_call": [c.get("traces", 0) for c in calls],
        "reference_recompiles": ref_extra,
    }
    if sub_extra > ref_extra:
        bad = next(i for i, c in enumerate(calls) if i > 0 and (c.get("compiles", 0) or c.get("traces", 0)))
        same_sig = calls[bad]["signature"] == calls[bad - 1]["signature"]
        reason = ""
        params = list((ev.sub.data("load") or {}).get("params") or [])
        changed = _changed_argument(calls[bad - 1]["signature"], calls[bad]["signature"], params)
        if same_sig and calls[bad].get("structure") != calls[bad - 1].get("structure"):
            reason = (
                "The arguments had the same shapes and dtypes but a different pytree structure: a static field "
                "(`pytree_node=False`, `meta_fields`) or the keys of a dict changed, and jit compiles again for "
                "every new structure. Keep static fields constant (make a changing number an array field) and "
                "dict keys fixed."
            )
        elif same_sig:
            reason = (
                "The arguments had the same shapes and dtypes, so the cause is inside your function: a new "
                "`jax.jit(...)` (or a new lambda/closure passed to jit) created on every call, or a static "
                "argument whose value changes each call. Create jitted functions once, at module level, and "
                "keep changing numbers as traced (non-static) arguments."
            )
        else:
            reason = changed
        detail = ""
        return result(
            ev,
            name,
            "fail",
            f"Your function was compiled again on call {bad + 1} of {len(calls)} "
            f"({sub_extra} extra compilation(s)). {reason}{detail}",
            **figures,
        )
    if "error_jit" in data:
        return result(
            ev,
            name,
            "skip",
            "Not checked under jax.jit: your function must work under jax.jit first "
            "(see the jit check). Called as written, it did not recompile.",
            **figures,
        )
    if sub_extra > 0:
        bad = next(i for i, c in enumerate(calls) if i > 0 and (c.get("compiles", 0) or c.get("traces", 0)))
        return result(
            ev,
            name,
            "pass",
            f"Recompiled on call {bad + 1} of {len(calls)}, as the reference solution does: those calls bring "
            "new shapes, dtypes or static configuration. Otherwise the compiled function was reused.",
            **figures,
        )
    return result(ev, name, "pass", f"Compiled once and reused for all {len(calls)} calls.", **figures)


#: Traces and compiles the submission under jax.jit: the jit check judges it, and every check that runs the
#: compiled function (retrace, vectorization, vmap, grad, structure, speedup) needs it before its own phases.
JIT_PHASE = Phase("jit", "run._jit")


class JitCheck(CheckConfig):
    pass


class RetraceCheck(CheckConfig):
    expected_compiles: int | None = Field(
        None,
        ge=1,
        description="Compilations the solution needs over the lesson's seeds (e.g. one per bucket); required "
        "when the solution recompiles across seeds.",
    )


def _cli(options: CliOptions) -> CliDefault:
    return CliDefault({})


JIT = Check(
    name="jit",
    config=JitCheck,
    evaluate=evaluate_jit,
    phases=lambda cfg: [JIT_PHASE],
    judges=("jit",),
    # A call that failed with an error only tracing raises is explained by the jit check, not blocked.
    explains_call_error=lambda run: calls_tracing_error(run) is not None,
    cli=_cli,
)

RETRACE = Check(
    name="retrace",
    config=RetraceCheck,
    evaluate=evaluate_retrace,
    phases=lambda cfg: [JIT_PHASE, Phase("retrace", "probes.retrace")],
    reference_phases=lambda cfg: [Phase("retrace", "probes.retrace")],
    judges=("retrace", "ref:retrace"),
    cli=_cli,
)
