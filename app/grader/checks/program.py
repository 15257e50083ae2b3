"""vectorization (no unrolled or needless sequential loops) and structure (lesson requirements on the program)."""

from __future__ import annotations

import ast
import re
from typing import Any

from app.grader.checks.base import Evidence, phase_problem, result
from app.grader.report import CheckResult

CALLBACKS = ("pure_callback", "io_callback", "debug_callback", "callback", "debug_print")


def evaluate_vectorization(ev: Evidence) -> CheckResult:
    name = "vectorization"
    problem = phase_problem(ev, name, "program", "Tracing your function")
    if problem:
        return problem
    d = ev.sub.data("program") or {}
    eqns = int(d.get("equations", 0))
    loops = d.get("loops", {})
    ref = (ev.ref or {}).get("program")
    max_ratio = float(ev.cfg.get("max_ratio", 4.0))
    figures = {"equations": eqns, "loops": loops}
    in_loops = _eqns_from_python_loops(d, ev.source)
    if in_loops is not None:
        figures["equations_from_python_loops"] = in_loops
    if ref is not None:
        ref_eqns = max(1, int(ref.get("equations", 1)))
        figures["reference_equations"] = ref_eqns
        excess = eqns - ref_eqns
        # A big program is only blamed on unrolling when most of the excess comes from the learner's own
        # Python loops: library functions (`jnp.nonzero(size=...)`, `jnp.interp`) expand to many operations.
        if eqns > max_ratio * ref_eqns and excess > 30 and (in_loops is None or 2 * in_loops >= excess):
            return result(
                ev,
                name,
                "fail",
                f"Your traced program has {eqns} operations where a vectorised version "
                f"needs about {ref_eqns}: a Python loop is being unrolled, one copy per iteration. Replace "
                "the loop with array operations (broadcasting, `jax.vmap`) or `lax.scan`.",
                **figures,
            )
        if loops and not ref.get("loops") and not ev.cfg.get("allow_loops", False):
            kind = ", ".join(_loop_names(loops, ev.source))
            return result(
                ev,
                name,
                "fail",
                f"Your program runs a sequential loop ({kind}) where the reference solution does the same work "
                "without any loop, all elements at once. Steps run one after another on the device, which is "
                "much slower: express the computation with array operations (e.g. `jnp.cumsum`, broadcasting, "
                "reductions) or `jax.vmap` instead.",
                **figures,
            )
    elif eqns > 400 and (in_loops is None or 2 * in_loops >= eqns):
        return result(
            ev,
            name,
            "fail",
            f"Your traced program has {eqns} operations, which usually means a Python "
            "loop is unrolled. Vectorise it or use `lax.scan`.",
            **figures,
        )
    ops = "operation" if eqns == 1 else "operations"
    return result(ev, name, "pass", f"Vectorised: {eqns} {ops} in the traced program.", **figures)


# How the loop primitives of a jaxpr are written in learner code (`fori_loop` lowers to `scan` or `while`).
_LOOP_SPELLINGS = {"scan": ("scan", "fori_loop", "lax.map"), "while": ("while_loop", "fori_loop")}


def _loop_names(loops: dict[str, Any], source: str) -> list[str]:
    """The loops as the learner wrote them (`lax.fori_loop`), not as jax names them (`scan`)."""
    names: list[str] = []
    for prim in loops:
        written = [w for w in _LOOP_SPELLINGS.get(prim, ()) if re.search(rf"\b{re.escape(w)}\s*\(", source)]
        names += [f"`{w}`" if w.startswith("lax.") else f"`lax.{w}`" for w in written] or [f"`{prim}`"]
    return list(dict.fromkeys(names))


def python_loop_lines(source: str) -> set[int]:
    """Lines inside the learner's Python loops and comprehensions (which jit unrolls)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    lines: set[int] = set()
    loops = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    for node in ast.walk(tree):
        if isinstance(node, loops):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def _eqns_from_python_loops(d: dict[str, object], source: str) -> int | None:
    """How many traced operations came from a line inside a Python loop (on any learner frame of the
    call stack, so helpers called from a loop count); None when the harness recorded no origins."""
    line_eqns = d.get("line_eqns")
    if not isinstance(line_eqns, dict) or not line_eqns or not source:
        return None
    loop_lines = python_loop_lines(source)
    total = 0
    for key, count in line_eqns.items():
        lines = {int(x) for x in str(key).split(",") if x.isdigit()}
        if lines & loop_lines:
            total += int(count)
    return total


def evaluate_structure(ev: Evidence) -> CheckResult:
    name = "structure"
    problem = phase_problem(ev, name, "program", "Tracing your function")
    if problem:
        return problem
    d = ev.sub.data("program") or {}
    prims = d.get("primitives", {})
    cfg = ev.cfg
    figures = {
        "equations": d.get("equations"),
        "memory": d.get("memory"),
        "donation": d.get("donation"),
        "hlo_instructions": d.get("hlo_instructions"),
        "primitives": dict(sorted(prims.items(), key=lambda kv: -kv[1])[:25]),
    }
    for p in cfg.get("require_primitives", []):
        if p not in prims:
            return result(
                ev,
                name,
                "fail",
                f"The task asks for `{p}` in the compiled program, and your function "
                f"does not use it (e.g. `jax.lax.{p}`).",
                **figures,
            )
    for p in cfg.get("forbid_primitives", []):
        if p in prims:
            return result(ev, name, "fail", f"Your program uses `{p}`, which this task rules out.", **figures)
    if cfg.get("no_host_callbacks") and any(any(c in p for c in CALLBACKS) for p in prims):
        found = [p for p in prims if any(c in p for c in CALLBACKS)]
        return result(
            ev,
            name,
            "fail",
            f"Your program calls back into Python on the host ({', '.join(found)}); "
            "remove `jax.debug.print`/`pure_callback`/`io_callback` from the hot path.",
            **figures,
        )
    max_eq = cfg.get("max_equations")
    if max_eq and int(d.get("equations", 0)) > int(max_eq):
        return result(
            ev,
            name,
            "fail",
            f"Your program has {d.get('equations')} operations; the task allows at most {max_eq}.",
            **figures,
        )
    if cfg.get("require_donation") and not d.get("donation"):
        return result(
            ev,
            name,
            "fail",
            "The compiled program does not reuse (donate) an input buffer for the "
            "output. Use `jax.jit(..., donate_argnums=...)` for arguments you no longer need.",
            **figures,
        )
    ratio = cfg.get("max_temp_ratio")
    if ratio:
        base = ev.sub.data("baseline_program") or {}
        sub_temp = (d.get("memory") or {}).get("temp_size_in_bytes")
        base_temp = (base.get("memory") or {}).get("temp_size_in_bytes")
        figures["baseline_temp_bytes"] = base_temp
        if sub_temp is None or not base_temp:
            return result(ev, name, "error", "Memory figures of the compiled programs are unavailable.", **figures)
        if sub_temp > ratio * base_temp:
            return result(
                ev,
                name,
                "fail",
                f"Your compiled program needs {sub_temp:,} bytes of temporary memory, "
                f"more than {ratio:.0%} of the baseline's {base_temp:,}. Rematerialise activations "
                "(`jax.checkpoint`) instead of keeping them.",
                **figures,
            )
    return result(ev, name, "pass", "The compiled program meets the task's structural requirements.", **figures)
