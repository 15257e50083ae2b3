"""Probes run inside the grading kernel. Each returns raw observations; the host decides the verdict.

The purity probe follows what worked without false positives on our samples (shared notes): a profile
hook attributes prints, NumPy/Python RNG and clock reads to the learner's lines during eager calls;
module globals and NumPy inputs are fingerprinted before and after; repeated eager calls must agree;
jit must agree with eager; ``checking_leaks`` on a fresh trace; numeric globals are bumped to see
whether jit froze them.
"""

from __future__ import annotations

import builtins
import contextlib
import logging
import random
import sys
import types
from typing import Any

from .context import GradeContext, describe_exception, learner_lines
from .guard import LEARNER_FILE
from .serialize import fingerprint

_CLOCK = {"time", "perf_counter", "monotonic", "time_ns", "perf_counter_ns", "monotonic_ns", "process_time"}


def trees_equal(a: Any, b: Any, rtol: float = 0.0, atol: float = 0.0) -> bool:
    import jax
    import numpy as np

    la, ta = jax.tree.flatten(a)
    lb, tb = jax.tree.flatten(b)
    if str(ta) != str(tb) or len(la) != len(lb):
        return False
    for x, y in zip(la, lb, strict=True):
        try:
            if isinstance(x, jax.Array) and jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key):
                x, y = jax.random.key_data(x), jax.random.key_data(y)
            xa, ya = np.asarray(x), np.asarray(y)
            if xa.shape != ya.shape:
                return False
            if xa.dtype.kind in "fc":
                if not np.allclose(xa, ya, rtol=rtol, atol=atol, equal_nan=True):
                    return False
            elif not np.array_equal(xa, ya):
                return False
        except Exception:
            if x is not y and x != y:
                return False
    return True


def _classify_c(fn: Any) -> str | None:
    import datetime
    import os

    import numpy as np

    if fn is builtins.print:
        return "print"
    if fn is builtins.input or fn is builtins.open:
        return "I/O (" + fn.__name__ + ")"
    owner = getattr(fn, "__self__", None)
    name = getattr(fn, "__name__", "?")
    if owner is not None:
        if owner is getattr(np.random, "mtrand", None) or owner is getattr(np.random.mtrand, "_rand", None):
            return f"numpy.random.{name}"
        mod = type(owner).__module__ or ""
        if mod.startswith("numpy.random"):
            return f"numpy.random ({type(owner).__name__}.{name})"
        if owner is getattr(random, "_inst", None) or isinstance(owner, random.Random):
            return f"random.{name}"
        if (owner is datetime.datetime or owner is datetime.date) and name in ("now", "today", "utcnow"):
            return f"datetime.{name}"
    mod = getattr(fn, "__module__", None) or ""
    if mod == "time" and name in _CLOCK:
        return f"time.{name}"
    if mod.startswith("numpy.random") and name in ("default_rng", "seed"):
        return f"numpy.random.{name}"
    if fn is os.urandom:
        return "os.urandom"
    return None


class SideEffectProfiler:
    """sys.setprofile hook that records calls made directly from the learner's file."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []

    def __call__(self, frame: types.FrameType, event: str, arg: Any) -> None:
        if event == "c_call":
            if frame.f_code.co_filename == LEARNER_FILE:
                what = _classify_c(arg)
                if what:
                    self.events.append((what, frame.f_lineno))
        elif event == "call":
            back = frame.f_back
            if back is not None and back.f_code.co_filename == LEARNER_FILE:
                mod = frame.f_globals.get("__name__", "") or ""
                if mod in ("random", "secrets") or mod.startswith("numpy.random"):
                    self.events.append((f"{mod}.{frame.f_code.co_name}", back.f_lineno))

    def __enter__(self) -> SideEffectProfiler:
        sys.setprofile(self)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(None)


def _global_fingerprints(module: types.ModuleType) -> dict[str, Any]:
    out = {}
    for name, value in list(vars(module).items()):
        if name.startswith("__") or isinstance(value, types.ModuleType | type) or callable(value):
            continue
        try:
            out[name] = fingerprint(value)
        except Exception:
            out[name] = ("id", id(value))
    return out


def _referenced_globals(fn: Any, module: types.ModuleType) -> set[str]:
    seen: set[int] = set()
    names: set[str] = set()

    def visit_code(code: types.CodeType) -> None:
        for n in code.co_names:
            names.add(n)
            value = module.__dict__.get(n)
            value = getattr(value, "__wrapped__", value)
            if isinstance(value, types.FunctionType) and value.__module__ == module.__name__ and id(value) not in seen:
                seen.add(id(value))
                visit_code(value.__code__)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                visit_code(const)

    fn = getattr(fn, "__wrapped__", fn)
    code = getattr(fn, "__code__", None)
    if isinstance(code, types.CodeType):
        visit_code(code)
    return {n for n in names if n in module.__dict__}


def _bumped(value: Any) -> Any | None:
    import jax
    import numpy as np

    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value + 1 if value == 0 else value * 1.5 + 1
    if isinstance(value, np.ndarray | jax.Array) and np.asarray(value).dtype.kind in "fiu" and value.size <= 1_000_000:
        return value + 1
    return None


def purity(ctx: GradeContext) -> dict[str, Any]:
    import jax
    import numpy as np

    assert ctx.entry is not None and ctx.module is not None
    f = ctx.entry
    seed = ctx.seeds[0]
    result: dict[str, Any] = {}
    # Arguments are built first: whatever the argument builder does (seeding NumPy, counters) is not
    # the function's doing, so the snapshots below must only see the function's calls.
    arg_sets = [ctx.fresh_args(seed) for _ in range(2)]
    before = _global_fingerprints(ctx.module)
    np_state = np.random.get_state()
    py_state = random.getstate()
    prof = SideEffectProfiler()
    # A learner-jitted entry runs its Python body only while tracing: disable jit so side effects show on
    # every call. Otherwise call it as written: library internals stay compiled (disabling jit would run
    # e.g. the PRNG's hundreds of primitives one by one, compiling each).
    eager = jax.disable_jit if ctx.is_jitted(f) else contextlib.nullcontext
    outs = []
    mutated: list[int] = []
    eager_prints = 0
    for args in arg_sets:
        arg_prints = [fingerprint(a) if isinstance(a, np.ndarray | list | dict) else None for a in args]
        buf = __import__("io").StringIO()
        with eager(), prof:
            outs.append(ctx.call(f, args, capture=buf))
        eager_prints += buf.getvalue().count("\n")
        for i, (a, fp) in enumerate(zip(args, arg_prints, strict=True)):
            if fp is not None and fingerprint(a) != fp and i not in mutated:
                mutated.append(i)
    after = _global_fingerprints(ctx.module)
    result["global_writes"] = sorted(n for n in after if before.get(n, after[n]) != after[n] or n not in before)
    result["input_mutations"] = mutated
    result["numpy_rng_state_changed"] = not _np_states_equal(np_state, np.random.get_state())
    result["python_rng_state_changed"] = random.getstate() != py_state
    result["side_effects"] = learner_lines(prof.events)
    result["eager_prints"] = eager_prints
    result["nondeterministic"] = not trees_equal(outs[0], outs[1])

    # Prints under a fresh jit: a Python print runs at trace time only, jax.debug.print on every call.
    if ctx.is_jitted(f):
        # Their own jit already traced during the calls phase: a fresh jit of the body sees trace-time prints.
        def fresh(*a: Any) -> Any:
            return ctx.unwrapped(f)(*a)

        jitted = ctx.p["jit"](fresh, static_argnums=ctx.static)
    else:
        jitted = ctx.shared_jit()  # its first trace: later phases reuse this compilation
    per_call = []
    jit_out = None
    result["leak"] = None
    jit_args = [ctx.fresh_args(seed) for _ in range(3)]
    try:
        for i in range(3):
            buf = __import__("io").StringIO()
            if i == 0:
                # First call traces: check for tracer leaks on this fresh trace.
                try:
                    with jax.checking_leaks():
                        out = ctx.call(jitted, jit_args[i], capture=buf)
                except Exception as exc:
                    info = describe_exception(exc)
                    if "leak" in info["message"].lower() or info["type"] == "UnexpectedTracerError":
                        result["leak"] = info
                        break
                    raise
            else:
                out = ctx.call(jitted, jit_args[i], capture=buf)
            jit_out = out if jit_out is None else jit_out
            per_call.append(buf.getvalue().count("\n"))
        result["jit_prints_per_call"] = per_call
        if jit_out is not None:
            result["jit_matches_eager"] = trees_equal(jit_out, outs[0], rtol=1e-4, atol=1e-5)
    except Exception as exc:
        result["jit_error"] = describe_exception(exc)

    # Globals frozen by jit: bump each numeric global the function reads.
    stale: list[dict[str, Any]] = []
    if "jit_error" not in result and jit_out is not None:
        for name in sorted(_referenced_globals(f, ctx.module)):
            original = ctx.module.__dict__[name]
            bumped = _bumped(original)
            if bumped is None:
                continue
            try:
                eager_args, jit_args2 = ctx.fresh_args(seed), ctx.fresh_args(seed)  # before the bump
                ctx.module.__dict__[name] = bumped
                with eager():
                    eager_new = ctx.call(f, eager_args)
                jit_new = ctx.call(jitted, jit_args2)
            except Exception:  # noqa: S112 - a bumped value the function cannot take proves nothing
                continue
            finally:
                ctx.module.__dict__[name] = original
            if not trees_equal(eager_new, outs[0]) and trees_equal(jit_new, jit_out):
                stale.append({"name": name, "constant_style": name.isupper()})
    result["stale_globals"] = stale
    return result


def _np_states_equal(a: Any, b: Any) -> bool:
    import numpy as np

    return a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2:] == b[2:]


def prng(ctx: GradeContext, key_args: list[int]) -> dict[str, Any]:
    import jax
    import numpy as np

    assert ctx.entry is not None
    f = ctx.entry
    seed = ctx.seeds[0]
    result: dict[str, Any] = {"reuse": None}
    args0 = ctx.fresh_args(seed)
    if not key_args:
        key_args = [
            i
            for i, a in enumerate(args0)
            if any(
                isinstance(leaf, jax.Array) and jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key)
                for leaf in jax.tree.leaves(a)
            )
        ]
    result["key_args"] = key_args
    static_verdict = _static_key_reuse(ctx, f, args0)
    if static_verdict is not None:
        result["reuse"] = static_verdict or None
    else:
        _eager_key_reuse(ctx, f, seed, result)
    if key_args and len(ctx.seeds) > 1:
        try:
            other = ctx.fresh_args(ctx.seeds[1])
            base = ctx.fresh_args(seed)
            mixed = tuple(other[i] if i in key_args else a for i, a in enumerate(ctx.fresh_args(seed)))
            out_a = ctx.call(f, base)
            out_b = ctx.call(f, mixed)
            result["ignores_key"] = trees_equal(out_a, out_b)
        except Exception as exc:
            result.setdefault("errors", []).append(describe_exception(exc))
    _ = np
    return result


def _static_key_reuse(ctx: GradeContext, f: Any, args: tuple[Any, ...]) -> dict[str, Any] | None:
    """Key reuse found by tracing alone (no compilation): ``{}`` when none, the error when found, ``None``
    when the function cannot be traced (Python control flow on values, ...) and must run eagerly.

    Eager checking with ``jax_debug_key_reuse`` recompiles every operation (the flag is part of the
    compilation cache key); the static checker applies the same per-primitive rules to the jaxpr.
    """
    from jax.errors import KeyReuseError
    from jax.experimental.key_reuse._core import check_key_reuse

    static = {i: a for i, a in enumerate(args) if i in ctx.static}
    dynamic = [a for i, a in enumerate(args) if i not in ctx.static]

    def closed(*dyn: Any) -> Any:
        it = iter(dyn)
        return f(*(static[i] if i in static else next(it) for i in range(len(args))))

    try:
        with ctx.learner():
            check_key_reuse(closed, *dynamic)
    except KeyReuseError as exc:
        info = describe_exception(exc)
        info["mode"] = "traced"
        return info
    except Exception:
        return None
    return {}


def _eager_key_reuse(ctx: GradeContext, f: Any, seed: int, result: dict[str, Any]) -> None:
    import jax

    jax.config.update("jax_debug_key_reuse", True)
    try:
        ctx.call(f, ctx.fresh_args(seed))
    except Exception as exc:
        info = describe_exception(exc)
        if info["type"] == "KeyReuseError":
            info["mode"] = "eager"
            result["reuse"] = info
        else:
            result.setdefault("errors", []).append(info)
    finally:
        jax.config.update("jax_debug_key_reuse", False)


class _LogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.messages) < 50:
            try:
                self.messages.append(record.getMessage()[:800])
            except Exception:
                pass


def signature(args: tuple[Any, ...], static: tuple[int, ...]) -> str:
    import jax

    parts = []
    for i, a in enumerate(args):
        if i in static:
            parts.append(f"static={a!r}"[:80])
        else:
            leaves = jax.tree.leaves(a)
            parts.append(
                ",".join(f"{getattr(x, 'dtype', type(x).__name__)}{list(getattr(x, 'shape', ()))}" for x in leaves[:8])
            )
    return "; ".join(parts)


def retrace(ctx: GradeContext) -> dict[str, Any]:
    """Compilations per call over successive realistic calls, as written and under jit."""
    import jax

    assert ctx.entry is not None
    f = ctx.entry
    own = ctx.is_jitted(f)
    # "As written" recompilation is measured by the calls phase (the first, realistic pass over the seeds).
    # Our jit may have been compiled for the first seed's shapes by an earlier phase: only calls after the
    # first are judged.
    scenarios = {"jit": f if own else ctx.shared_jit()}
    handler = _LogCapture()
    jax_logger = logging.getLogger("jax")
    jax_logger.addHandler(handler)
    jax.config.update("jax_explain_cache_misses", True)
    out: dict[str, Any] = {"own_jit": own}
    try:
        for label, target in scenarios.items():
            calls = []
            for seed in ctx.seeds:
                args = ctx.fresh_args(seed)
                ctx.compile_events = []
                before = ctx.traces
                handler.messages.clear()
                try:
                    ctx.call(target, args)
                except Exception as exc:
                    out[f"error_{label}"] = describe_exception(exc)
                    break
                events = ctx.compile_events or []
                calls.append(
                    {
                        "signature": signature(args, ctx.static),
                        "traces": (ctx.traces - before) if (label == "jit" and not own) else events.count("trace"),
                        "compiles": events.count("compile"),
                        "explanations": [
                            m for m in handler.messages if "cache miss" in m.lower() or "tracing" in m.lower()
                        ][:5],
                    }
                )
            out["calls" if label == "jit" else "calls_as_written"] = calls
    finally:
        ctx.compile_events = None
        jax.config.update("jax_explain_cache_misses", False)
        jax_logger.removeHandler(handler)
    return out


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


def vmap_probe(ctx: GradeContext, in_axes: list[Any], batch: int) -> dict[str, Any]:
    import jax

    assert ctx.entry is not None
    f = ctx.entry
    seeds = (ctx.seeds + [1000 + i for i in range(batch)])[:batch]
    arg_sets = [ctx.fresh_args(s) for s in seeds]
    axes = tuple(None if a == "none" else int(a) for a in in_axes)
    if len(axes) != len(arg_sets[0]):
        return {
            "error": {
                "type": "ConfigError",
                "message": "in_axes length does not match the arguments",
                "line": None,
                "code": "",
                "mro": [],
                "module": "",
                "base_exception": False,
            }
        }
    batched = []
    for i, ax in enumerate(axes):
        if ax is None:
            batched.append(arg_sets[0][i])
        else:
            batched.append(jax.tree.map(lambda *xs, ax=ax: _stack(xs, ax), *[s[i] for s in arg_sets]))
    per_example = []
    for s in arg_sets:
        call_args = tuple(s[i] if ax is not None else arg_sets[0][i] for i, ax in enumerate(axes))
        per_example.append(ctx.call(f, call_args))
    expected = jax.tree.map(lambda *xs: _stack(xs, 0), *per_example)
    got = jit_first(ctx, jax.vmap(ctx.unwrapped(f), in_axes=axes), tuple(batched))
    return {"matches": trees_equal(got, expected, rtol=1e-4, atol=1e-5)}


def _stack(xs: tuple[Any, ...], axis: int) -> Any:
    """Stack on the host: eager ``jnp.stack`` would compile a program per shape."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    if all(isinstance(x, np.ndarray | np.generic | int | float | bool) for x in xs) or all(
        isinstance(x, jax.Array) and not jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key) for x in xs
    ):
        return jnp.asarray(np.stack([np.asarray(x) for x in xs], axis=axis))
    return jnp.stack(xs, axis=axis)  # typed PRNG keys and anything else


def jit_first(ctx: GradeContext, fn: Any, args: tuple[Any, ...]) -> Any:
    """``fn(*args)`` compiled as one program (one compilation instead of one per operation); called as
    written when it cannot be jitted (e.g. ``grad`` through Python control flow on values), so the
    result and any error are those of the transformation itself."""
    try:
        return ctx.call(ctx.p["jit"](fn), args)
    except Exception:
        return ctx.call(fn, args)


def grad_probe(ctx: GradeContext, fn: Any, argnums: list[int]) -> dict[str, Any]:
    import jax
    import jax.numpy as jnp
    import numpy as np

    from .serialize import describe

    args = ctx.fresh_args(ctx.seeds[0])
    target = ctx.unwrapped(fn)

    def scalar(*dyn: Any) -> Any:
        full = list(args)
        for pos, value in zip(argnums, dyn, strict=True):
            full[pos] = value
        out = target(*full)
        return sum(jnp.sum(jnp.asarray(leaf, dtype=jnp.float32)) for leaf in jax.tree.leaves(out))

    g = jax.grad(scalar, argnums=tuple(range(len(argnums))))
    grads = jit_first(ctx, g, tuple(args[i] for i in argnums))
    leaves = jax.tree.leaves(grads)
    finite = all(bool(np.all(np.isfinite(np.asarray(leaf)))) for leaf in leaves)
    return {"grads": describe(grads), "finite": finite}
