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
        self.loop_kinds: list[dict[str, Any]] = []  # per learner loop: does its carry make it sequential?

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
            if not library and len(self.loop_kinds) < 20:
                kind = classify_loop(eqn)
                if kind is not None:
                    self.loop_kinds.append({"primitive": name, "line": lines[0] if lines else None, **kind})


LOOP_PRIMITIVES = ("scan", "while")
#: Operations that pass a value through unchanged in substance (a carry converted or copied is the carry).
_TRANSPARENT = ("convert_element_type", "copy", "copy_p", "squeeze", "reshape", "broadcast_in_dim")
_WRITES = ("scatter", "dynamic_update_slice", "scatter-add", "scatter_add")


def classify_loop(eqn: Any) -> dict[str, Any] | None:
    """How a loop's carry flows from one step to the next, from its body's dataflow.

    Each carry is a ``counter`` (i + 1), ``passthrough`` (unchanged), ``none`` (its new value ignores the
    carries), ``writes`` (the carry is a buffer written at the step's index with a value that ignores the
    carries: a per-element loop), ``accumulate`` (carry + something that ignores the carries: a reduction),
    or ``recurrence`` (its new value depends on the carries through anything else: genuinely sequential).
    The loop is sequential when any carry is a recurrence. Nested loops and calls count as recurrences
    (conservative: never call a genuinely sequential loop vectorisable).
    """
    params = eqn.params
    if eqn.primitive.name == "scan":
        body = getattr(params.get("jaxpr"), "jaxpr", None)
        nc, ncarry = int(params.get("num_consts", 0)), int(params.get("num_carry", 0))
        if body is None:
            return None
        carry_in, carry_out = body.invars[nc : nc + ncarry], body.outvars[:ncarry]
    else:
        body = getattr(params.get("body_jaxpr"), "jaxpr", None)
        if body is None:
            return None
        nc = int(params.get("body_nconsts", 0))
        carry_in, carry_out = body.invars[nc:], body.outvars
    if not carry_in:
        return {"sequential": False, "carries": [], "kind": "none"}
    defined: dict[Any, Any] = {}
    for e in body.eqns:
        for v in e.outvars:
            defined[v] = e

    def source(v: Any) -> Any:
        """Follow transparent operations back to the value they pass on."""
        seen = 0
        while _is_var(v) and v in defined and defined[v].primitive.name in _TRANSPARENT and seen < 20:
            v = defined[v].invars[0]
            seen += 1
        return v

    kinds: list[str] = [""] * len(carry_in)
    for k, out in enumerate(carry_out):
        if source(out) is carry_in[k]:
            kinds[k] = "passthrough"
            continue
        e = defined.get(out) if _is_var(out) else None
        if e is not None and e.primitive.name == "add":
            srcs = [source(v) for v in e.invars]
            others = [v for v in srcs if v is not carry_in[k]]
            if len(others) == 1 and not _is_var(others[0]):
                kinds[k] = "counter"
    trivial = {k for k, kind in enumerate(kinds) if kind in ("counter", "passthrough")}
    deps: dict[Any, frozenset[int]] = {v: frozenset([k]) for k, v in enumerate(carry_in) if k not in trivial}
    for e in body.eqns:
        d: frozenset[int] = frozenset()
        for v in e.invars:
            if _is_var(v):
                d |= deps.get(v, frozenset())
        for v in e.outvars:
            deps[v] = d
    for k, out in enumerate(carry_out):
        if kinds[k]:
            continue
        mine = deps.get(out, frozenset()) if _is_var(out) else frozenset()
        if not mine:
            kinds[k] = "none"
            continue
        src = source(out)
        e = defined.get(src) if _is_var(src) else None
        name = e.primitive.name if e is not None else ""
        if e is None:
            kinds[k] = "recurrence"
            continue
        ins = [source(v) for v in e.invars]
        if name in _WRITES and ins and ins[0] is carry_in[k] and not any(_deps(deps, v) for v in e.invars[1:]):
            kinds[k] = "writes"
        elif name in ("add", "sub") and any(x is carry_in[k] for x in ins):
            rest = [v for v, s in zip(e.invars, ins, strict=True) if s is not carry_in[k]]
            kinds[k] = "recurrence" if any(_deps(deps, v) for v in rest) or len(rest) != 1 else "accumulate"
        else:
            kinds[k] = "recurrence"
    sequential = "recurrence" in kinds
    order = ("recurrence", "writes", "accumulate", "none", "counter", "passthrough")
    kind = next((x for x in order if x in kinds), "none")
    return {"sequential": sequential, "carries": kinds[:16], "kind": kind}


def _is_var(v: Any) -> bool:
    return not hasattr(v, "val")  # jax Literals carry .val; Vars do not


def _deps(deps: dict[Any, frozenset[int]], v: Any) -> frozenset[int]:
    return deps.get(v, frozenset()) if _is_var(v) else frozenset()


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
        "loop_kinds": origins.loop_kinds,
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
