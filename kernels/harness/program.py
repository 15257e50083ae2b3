"""The program probe: statistics of the traced jaxpr and of the compiled program."""

from __future__ import annotations

from typing import Any

from .context import GradeContext
from .guard import LEARNER_FILE


def walk_jaxpr(jaxpr: Any, counts: dict[str, int], origins: Origins | None = None) -> int:
    n = 0
    for eqn in jaxpr.eqns:
        n += 1
        name = eqn.primitive.name
        counts[name] = counts.get(name, 0) + 1
        if origins is not None:
            origins.add(eqn)
        for value in eqn.params.values():
            for sub in value if isinstance(value, list | tuple) else (value,):
                inner = getattr(sub, "jaxpr", None)
                if inner is not None and hasattr(inner, "eqns"):
                    n += walk_jaxpr(inner, counts, origins)
                elif hasattr(sub, "eqns"):
                    n += walk_jaxpr(sub, counts, origins)
    return n


#: Where jax implements its library functions: a loop created in here (``jnp.interp`` -> ``searchsorted``
#: runs a ``scan``) is the library's choice, not the learner's.
_LIBRARY_PATHS = (
    "jax/_src/numpy/",
    "jax/_src/scipy/",
    "jax/_src/nn/",
    "jax/_src/random",
    "jax/_src/prng",
    "jax/_src/image/",
    "jax/_src/ops/",
    "jax/_src/lax/linalg",
    "jax/_src/lax/special",
)


class Origins:
    """Which learner lines each operation of the traced program came from, and whose loops they are."""

    def __init__(self) -> None:
        self.line_eqns: dict[str, int] = {}  # "12,30" (learner lines on the traceback, innermost first) -> count
        self.learner_loops: dict[str, int] = {}
        self.library_loops: dict[str, int] = {}

    def add(self, eqn: Any) -> None:
        tb = getattr(eqn.source_info, "traceback", None)
        lines: list[int] = []
        library = False
        for frame in getattr(tb, "frames", None) or ():  # innermost first
            if frame.file_name == LEARNER_FILE:
                lines.append(frame.line_num)
            elif not lines and any(p in frame.file_name for p in _LIBRARY_PATHS):
                library = True
        key = ",".join(map(str, lines))
        if key in self.line_eqns or len(self.line_eqns) < 300:
            self.line_eqns[key] = self.line_eqns.get(key, 0) + 1
        name = eqn.primitive.name
        if name in LOOP_PRIMITIVES:
            loops = self.library_loops if library else self.learner_loops
            loops[name] = loops.get(name, 0) + 1


LOOP_PRIMITIVES = ("scan", "while")
CALLBACK_PRIMITIVES = ("pure_callback", "io_callback", "debug_callback", "callback", "debug_print")


def program(ctx: GradeContext, fn: Any, with_compile: bool = True) -> dict[str, Any]:
    """jaxpr statistics and, optionally, the compiled program's statistics."""
    import jax

    args = ctx.fresh_args(ctx.seeds[0])
    counts: dict[str, int] = {}
    with ctx.learner():
        # The learner's own jax.jit knows its static arguments (static_argnames passed positionally too).
        # (Not NNX transforms: their ``trace`` is another API.)
        own = ctx.is_jitted(fn) and hasattr(fn, "trace") and not (type(fn).__module__ or "").startswith("flax")
        closed = fn.trace(*args).jaxpr if own else jax.make_jaxpr(fn, static_argnums=ctx.static)(*args)
    origins = Origins()
    eqns = walk_jaxpr(closed.jaxpr, counts, origins)
    out: dict[str, Any] = {
        "equations": eqns,
        "primitives": counts,
        "loops": origins.learner_loops,  # loops the learner wrote (lax.scan, fori_loop, ...)
        "library_loops": origins.library_loops,
        "line_eqns": origins.line_eqns,
        "callbacks": {p: c for p, c in counts.items() if any(cb in p for cb in CALLBACK_PRIMITIVES)},
        "effects": sorted(str(e) for e in getattr(closed, "effects", ()))[:10],
    }
    if with_compile:
        ctx.fast_compiles(False)  # structure and memory figures of the program as it would really be compiled
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
