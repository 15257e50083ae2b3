"""The program probe: statistics of the traced jaxpr and of the compiled program."""

from __future__ import annotations

from typing import Any

from .context import GradeContext


def walk_jaxpr(jaxpr: Any, counts: dict[str, int]) -> int:
    n = 0
    for eqn in jaxpr.eqns:
        n += 1
        name = eqn.primitive.name
        counts[name] = counts.get(name, 0) + 1
        for value in eqn.params.values():
            for sub in value if isinstance(value, list | tuple) else (value,):
                inner = getattr(sub, "jaxpr", None)
                if inner is not None and hasattr(inner, "eqns"):
                    n += walk_jaxpr(inner, counts)
                elif hasattr(sub, "eqns"):
                    n += walk_jaxpr(sub, counts)
    return n


LOOP_PRIMITIVES = ("scan", "while")
CALLBACK_PRIMITIVES = ("pure_callback", "io_callback", "debug_callback", "callback", "debug_print")


def program(ctx: GradeContext, fn: Any, with_compile: bool = True) -> dict[str, Any]:
    """jaxpr statistics and, optionally, the compiled program's statistics."""
    import jax

    args = ctx.fresh_args(ctx.seeds[0])
    counts: dict[str, int] = {}
    with ctx.learner():
        closed = jax.make_jaxpr(fn, static_argnums=ctx.static)(*args)
    eqns = walk_jaxpr(closed.jaxpr, counts)
    out: dict[str, Any] = {
        "equations": eqns,
        "primitives": counts,
        "loops": {p: counts[p] for p in LOOP_PRIMITIVES if p in counts},
        "callbacks": {p: c for p, c in counts.items() if any(cb in p for cb in CALLBACK_PRIMITIVES)},
        "effects": sorted(str(e) for e in getattr(closed, "effects", ()))[:10],
    }
    if with_compile:
        target = ctx.jit_target(fn)
        t0 = ctx.p["perf_counter"]()
        with ctx.learner():
            compiled = target.lower(*args).compile()
        out["compile_ms"] = (ctx.p["perf_counter"]() - t0) * 1000
        text = compiled.as_text() or ""
        out["hlo_fusions"] = text.count(" fusion(") + text.count("kind=kLoop") * 0
        out["hlo_instructions"] = sum(1 for line in text.splitlines() if " = " in line)
        out["donation"] = "input_output_alias" in text
        try:
            mem = compiled.memory_analysis()
            out["memory"] = {
                k: int(getattr(mem, k))
                for k in (
                    "argument_size_in_bytes",
                    "output_size_in_bytes",
                    "temp_size_in_bytes",
                    "alias_size_in_bytes",
                    "generated_code_size_in_bytes",
                )
                if hasattr(mem, k)
            }
            out["donation"] = out["donation"] or out["memory"].get("alias_size_in_bytes", 0) > 0
        except Exception:
            out["memory"] = None
    return out
