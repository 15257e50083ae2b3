"""Probes run inside the grading kernel: recompilation, and the tree comparison the others share. Each
returns raw observations; the host decides the verdict. (PRNG keys, purity, program structure and
transformations have their own modules.)
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


def unsorted_dicts(args: tuple[Any, ...], static: tuple[int, ...], limit: int = 200) -> list[str]:
    """Where the (non-static) arguments hold a dict whose keys are not in sorted order, as ``arg 0['w']``
    paths. jax.jit flattens a dict in sorted-key order and rebuilds it that way for the traced function, so
    code that depends on a dict's order (``zip(leaves, d.values())``, ``list(d)[0]``) sees another order
    under jit than when called directly."""
    found: list[str] = []
    seen = 0

    def walk(x: Any, path: str) -> None:
        nonlocal seen
        seen += 1
        if seen > limit or len(found) >= 3:
            return
        if isinstance(x, dict):
            keys = list(x)
            try:
                if keys != sorted(keys):
                    found.append(path)
            except TypeError:
                return
            for k in keys[:50]:
                walk(x[k], f"{path}[{k!r}]")
        elif isinstance(x, list | tuple):
            for i, item in enumerate(x[:50]):
                walk(item, f"{path}[{i}]")

    for i, a in enumerate(args):
        if i not in static:
            walk(a, f"argument {i}")
    return found


def static_positions(ctx: GradeContext, fn: Any) -> tuple[int, ...]:
    """Positions of the static arguments: the task's ``static_argnums`` and the learner's own jax.jit's
    (``static_argnums`` and ``static_argnames``, by the wrapped function's signature)."""
    positions = set(ctx.static)
    info = getattr(fn, "_jit_info", None) if ctx.is_jitted(fn) else None
    if info is not None:
        positions.update(int(i) for i in getattr(info, "static_argnums", ()) or ())
        names = set(getattr(info, "static_argnames", ()) or ())
        sig = getattr(info, "fun_signature", None)
        if names and sig is not None:
            positions.update(i for i, p in enumerate(sig.parameters) if p in names)
    return tuple(sorted(positions))


def static_facts(args: tuple[Any, ...], positions: tuple[int, ...], keep: list[Any]) -> list[dict[str, Any]]:
    """What jit hashes for each static argument, without its value: its kind, whether it hashes by value,
    by identity, or not at all, and a digest that changes when jit would see a new static value.
    ``keep`` holds identity-hashed objects alive for the phase, so a later one cannot reuse a freed id."""
    import hashlib

    facts = []
    for i in positions:
        if i >= len(args):
            continue
        a = args[i]
        kind = _static_kind(a)
        try:
            hash(a)
        except TypeError:
            facts.append({"pos": i, "kind": kind, "hashing": "unhashable", "digest": None})
            continue
        identity = type(a).__hash__ is object.__hash__ and not isinstance(a, type)
        if identity:
            keep.append(a)
        token = f"id:{id(a)}" if identity else f"{type(a).__qualname__}:{a!r}"
        digest = hashlib.blake2b(token.encode(), digest_size=6).hexdigest()
        facts.append({"pos": i, "kind": kind, "hashing": "identity" if identity else "value", "digest": digest})
    return facts


def _static_kind(a: Any) -> str:
    if isinstance(a, bool) or a is None:
        return "flag"
    if isinstance(a, float):
        return "float"
    if isinstance(a, int):
        return "int"
    if isinstance(a, str):
        return "str"
    if hasattr(a, "shape") and hasattr(a, "dtype"):
        return "array"
    if isinstance(a, list | dict | set):
        return type(a).__name__
    if isinstance(a, tuple) and a and all(isinstance(x, int | float) and not isinstance(x, bool) for x in a):
        return "numbers" if any(isinstance(x, float) for x in a) else "ints"
    if isinstance(a, tuple):
        return "tuple"
    return "function" if callable(a) else "object"


def structure(args: tuple[Any, ...], static: tuple[int, ...]) -> str:
    """A short digest of the arguments' pytree structure: static dataclass fields and dict keys are part
    of what jit hashes, but not of ``signature``."""
    import hashlib

    import jax

    dynamic = tuple(a for i, a in enumerate(args) if i not in static)
    return hashlib.blake2b(str(jax.tree.structure(dynamic)).encode(), digest_size=6).hexdigest()


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
                        "static": static_facts(args, static_positions(ctx, target), ctx.keep_alive),
                        "signature": signature(args, ctx.static),
                        "structure": structure(args, ctx.static),
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
