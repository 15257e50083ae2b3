"""Probes run inside the grading kernel: PRNG key use and recompilation. Each returns raw observations;
the host decides the verdict. (Purity, program structure and transformations have their own modules.)
"""

from __future__ import annotations

import logging
from typing import Any

from .context import GradeContext, describe_exception


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


def prng(ctx: GradeContext, key_args: list[int]) -> dict[str, Any]:
    import jax

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
    if key_args:
        try:
            base = ctx.fresh_args(seed)
            # A different key, everything else equal. Not the next seed's key: a caller may pass the same
            # base key on every call (and vary e.g. a step number folded into it).
            mixed = tuple(_other_keys(a) if i in key_args else a for i, a in enumerate(ctx.fresh_args(seed)))
            out_a = ctx.call(f, base)
            out_b = ctx.call(f, mixed)
            result["ignores_key"] = trees_equal(out_a, out_b)
        except Exception as exc:
            result.setdefault("errors", []).append(describe_exception(exc))
    return result


def _other_keys(tree: Any) -> Any:
    """The same pytree with every PRNG key replaced by a different, fixed one (raw uint32 keys too)."""
    import jax
    import numpy as np

    salt = np.uint32(0x9E3779B9)

    def other(leaf: Any) -> Any:
        if isinstance(leaf, jax.Array) and jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key):
            data = np.asarray(jax.random.key_data(leaf)) ^ salt
            return jax.random.wrap_key_data(jax.numpy.asarray(data), impl=jax.random.key_impl(leaf))
        if isinstance(leaf, np.ndarray | jax.Array) and np.asarray(leaf).dtype == np.uint32:
            flipped = np.asarray(leaf) ^ salt
            return flipped if isinstance(leaf, np.ndarray) else jax.numpy.asarray(flipped)
        return leaf

    return jax.tree.map(other, tree)


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
