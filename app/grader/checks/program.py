"""vectorization (no unrolled or needless sequential loops) and structure (lesson requirements on the program)."""

from __future__ import annotations

import ast
import re
from typing import Any

from pydantic import Field

from app.grader.checks.base import Evidence, phase_problem, result
from app.grader.checks.compile import JIT_PHASE
from app.grader.checks.registry import Check, CheckConfig, CliDefault, CliOptions, Phase
from app.grader.report import CheckResult

CALLBACKS = ("pure_callback", "io_callback", "debug_callback", "callback", "debug_print")


def evaluate_vectorization(ev: Evidence) -> CheckResult:
    """Judged against the reference only where the reference was traced (its program is known); loops are
    judged on the learner's own program: a loop whose carry feeds the next step is sequential and fine."""
    name = "vectorization"
    problem = phase_problem(ev, name, "program", "Tracing your function")
    if problem:
        return problem
    d = ev.sub.data("program") or {}
    eqns = int(d.get("equations", 0))
    loops = d.get("loops", {})
    kinds: list[dict[str, Any]] = list(d.get("loop_kinds") or [])
    ref = traced_reference(ev.ref)
    max_ratio = float(ev.cfg.get("max_ratio", 4.0))
    figures: dict[str, Any] = {"equations": eqns, "loops": loops, "loop_kinds": kinds[:5]}
    in_loops = _eqns_from_python_loops(d, ev.source)
    if in_loops is not None:
        figures["equations_from_python_loops"] = in_loops
    py_loop = _busiest_python_loop(d, ev.source)
    where_py = f" (the Python loop on line {py_loop})" if py_loop else ""
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
                f"needs about {ref_eqns}: a Python loop{where_py} is being unrolled, one copy per iteration. "
                "Replace the loop with array operations (broadcasting, `jax.vmap`) or `lax.scan`.",
                **figures,
            )
    elif eqns > 400 and (in_loops is None or 2 * in_loops >= eqns):
        return result(
            ev,
            name,
            "fail",
            f"Your traced program has {eqns} operations, which usually means a Python loop{where_py} is "
            "unrolled, one copy per iteration. Vectorise it (array operations, `jax.vmap`) or, if each step "
            "needs the previous one, use `lax.scan`.",
            **figures,
        )
    if loops and not ev.cfg.get("allow_loops", False):
        needless = [k for k in kinds if not k.get("sequential")]
        if needless:
            return result(ev, name, "fail", _needless_loop(needless[0], ev.source), **figures)
        if ref is not None and not ref.get("loops") and not kinds:
            kind = ", ".join(_loop_names(loops, ev.source))
            return result(
                ev,
                name,
                "fail",
                f"Your program runs a sequential loop ({kind}) where the reference solution does the same work "
                "without any loop, all elements at once. Express the computation with array operations "
                "(broadcasting, reductions) or `jax.vmap` instead.",
                **figures,
            )
    ops = "operation" if eqns == 1 else "operations"
    if kinds and all(k.get("sequential") for k in kinds):
        first = kinds[0]
        at = f" on line {first['line']}" if first.get("line") else ""
        return result(
            ev,
            name,
            "pass",
            f"{eqns} {ops} in the traced program; its loop ({_spelling(first, ev.source)}{at}) carries a "
            "dependency from each step to the next, so it is genuinely sequential.",
            **figures,
        )
    return result(ev, name, "pass", f"Vectorised: {eqns} {ops} in the traced program.", **figures)


def traced_reference(ref: dict[str, Any] | None) -> dict[str, Any] | None:
    """The reference's program statistics, only when the reference was really traced. A NumPy or host
    reference cannot be traced (its program phase failed or is empty): then nothing is known about it."""
    prog = (ref or {}).get("program")
    return prog if isinstance(prog, dict) and "equations" in prog else None


def _spelling(kind: dict[str, Any], source: str) -> str:
    return ", ".join(_loop_names({str(kind.get("primitive", "scan")): 1}, source))


def _needless_loop(kind: dict[str, Any], source: str) -> str:
    """Why this loop need not be a loop, and the fix, naming its line."""
    at = f" on line {kind['line']}" if kind.get("line") else ""
    loop = f"Your loop ({_spelling(kind, source)}{at})"
    what = kind.get("kind")
    if what == "writes":
        return (
            f"{loop} computes each element on its own and writes it into a buffer: no step needs the previous "
            "one, yet the steps run one after another. Compute all elements at once: write the per-element "
            "function and map it with `jax.vmap`, or use array operations over the whole axis."
        )
    if what == "accumulate":
        return (
            f"{loop} only adds each step's term to a running total: that is a reduction, not a recurrence. Use "
            "`jnp.sum` (or `jnp.cumsum` for the running totals) over the axis, which runs in parallel."
        )
    return (
        f"{loop} ignores its carry: no step depends on the previous one, yet the steps run one after another. "
        "Compute the steps at once with `jax.vmap` or array operations over the axis."
    )


def _busiest_python_loop(d: dict[str, Any], source: str) -> int | None:
    """The first line of the learner's Python loop that produced the most traced operations."""
    line_eqns = d.get("line_eqns")
    if not isinstance(line_eqns, dict) or not source:
        return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    kinds = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    spans = [(n.lineno, n.end_lineno or n.lineno) for n in ast.walk(tree) if isinstance(n, kinds)]
    best, best_count = None, 0
    for start, end in spans:
        count = 0
        for key, n in line_eqns.items():
            lines = {int(x) for x in str(key).split(",") if x.isdigit()}
            if any(start <= ln <= end for ln in lines):
                count += int(n)
        if count > best_count:
            best, best_count = start, count
    return best


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
        base = (ev.ref or {}).get("baseline_program") or {}  # measured once, in the reference kernel
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


class VectorizationCheck(CheckConfig):
    max_ratio: float = Field(4.0, gt=1, description="Allowed jaxpr size relative to the reference.")
    allow_loops: bool = Field(False, description="Sequential loop primitives (scan/while) are fine here.")


class StructureCheck(CheckConfig):
    require_primitives: list[str] = Field(default_factory=list, description="Each must appear in the jaxpr.")
    forbid_primitives: list[str] = Field(default_factory=list, description="None may appear in the jaxpr.")
    no_host_callbacks: bool = Field(False, description="No pure_callback/io_callback/debug_callback.")
    max_equations: int | None = Field(None, ge=1, description="Upper bound on jaxpr equations (nested counted).")
    require_donation: bool = Field(False, description="The compiled program aliases an input buffer to an output.")
    max_temp_ratio: float | None = Field(
        None, gt=0, description="Compiled temp bytes at most this fraction of the baseline's (remat lessons)."
    )


# The program phase is shared: vectorization reads its jaxpr, structure also compiles it (``with_compile``).
# Phases that measure compiled programs come last: they switch to fully optimised compilation.
def _structure_phases(cfg: dict[str, Any]) -> list[Phase]:
    return [JIT_PHASE, Phase("program", "run._program", {"with_compile": True}, last=True)]


def _structure_reference_phases(cfg: dict[str, Any]) -> list[Phase]:
    """The baseline's compiled memory (``max_temp_ratio``) is lesson code on fixed inputs: measured with the
    reference, cached with it, instead of compiling the baseline again in every grading."""
    return [Phase("baseline_program", "run._baseline_program", last=True)] if cfg.get("max_temp_ratio") else []


def _cli(options: CliOptions) -> CliDefault:
    return CliDefault({})


VECTORIZATION = Check(
    name="vectorization",
    config=VectorizationCheck,
    evaluate=evaluate_vectorization,
    phases=lambda cfg: [JIT_PHASE, Phase("program", "run._program", last=True)],
    reference_phases=lambda cfg: [Phase("program", "run._program")],
    judges=("program", "ref:program"),
    needs=("calls", "jit"),
    cli=_cli,
)

STRUCTURE = Check(
    name="structure",
    config=StructureCheck,
    evaluate=evaluate_structure,
    phases=_structure_phases,
    reference_phases=_structure_reference_phases,
    judges=("program", "ref:baseline_program"),
    needs=("calls", "jit"),
    needs_baseline=lambda cfg: (
        "checks.structure.max_temp_ratio compares against baseline.py, which is missing"
        if cfg.get("max_temp_ratio")
        else None
    ),
)
