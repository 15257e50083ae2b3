"""The PRNG key probe: is a key used twice, and does the key drive the randomness?

Three views, cheapest first. Key reuse by *use*: ``jax.experimental.key_reuse``'s rules applied to the
traced program (eager ``jax_debug_key_reuse`` only when the function cannot be traced). Key reuse by
*value*, which those rules cannot see: the concrete keys the learner's own lines hand to ``jax.random``'s
samplers during one eager call (``KeyDraws``): two draws from equal key data (``fold_in(key, 0)`` twice,
``split`` of the same key twice) and draws inside ``jax.vmap`` from a key shared by every example (every
example gets the same numbers). Ignored keys: the same output for a different key. Arithmetic on a key
(``key + i``): what typed keys refuse.

Only this phase runs with ``jax_enable_custom_prng``: legacy ``PRNGKey`` keys built here (the arguments
and the keys the function makes) are typed keys, which the reuse rules track and which refuse arithmetic.
Every other phase computes with legacy keys as plain JAX does: uint32 arrays.
"""

from __future__ import annotations

import itertools
import re
import sys
import types
from typing import Any

from .context import GradeContext, describe_exception, learner_lines
from .guard import LEARNER_FILE
from .probes import trees_equal

# jax.random's samplers (a key in, random numbers out); split, fold_in and the key constructors are not draws.
_DRAWS = frozenset(
    [
        "bits",
        "uniform",
        "randint",
        "permutation",
        "choice",
        "normal",
        "multivariate_normal",
        "truncated_normal",
        "bernoulli",
        "beta",
        "cauchy",
        "dirichlet",
        "exponential",
        "gamma",
        "loggamma",
        "gumbel",
        "categorical",
        "laplace",
        "logistic",
        "poisson",
        "pareto",
        "orthogonal",
        "generalized_normal",
        "ball",
        "rayleigh",
        "wald",
        "geometric",
        "triangular",
        "lognormal",
        "maxwell",
        "double_sided_maxwell",
        "weibull_min",
        "t",
        "chisquare",
        "f",
        "binomial",
        "rademacher",
        "multinomial",
    ]
)


def prng(ctx: GradeContext, key_args: list[int]) -> dict[str, Any]:
    import jax

    jax.config.update("jax_enable_custom_prng", True)  # legacy keys become typed keys, for this phase only
    try:
        result = _prng(ctx, key_args)
    finally:
        jax.config.update("jax_enable_custom_prng", False)
    errors = result.get("errors", [])
    arithmetic = [e for e in errors if e.get("key_arithmetic")]
    if arithmetic:
        result["key_arithmetic"] = arithmetic[0]
    elif errors:
        # Valid legacy-key code that reads the key's uint32 data (`key[0]`) cannot run on typed keys: probe it
        # as plain JAX runs it (reuse by value and ignored keys still apply to uint32 keys).
        result = _prng(ctx, key_args or list(result.get("key_args", [])))
        result["legacy_keys"] = True
    return result


_KEY_ARITHMETIC = re.compile(r"^(\w+) does not accept dtypes? key<")


def key_arithmetic(info: dict[str, Any]) -> dict[str, Any]:
    """``info`` (a described exception) marked when it is arithmetic on a typed key (``key + i``, ``key * c``),
    with the operation's name."""
    found = _KEY_ARITHMETIC.match(str(info.get("message") or ""))
    if found and info.get("type") == "TypeError":
        info["key_arithmetic"] = found.group(1)
    return info


def _prng(ctx: GradeContext, key_args: list[int]) -> dict[str, Any]:
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
    if result["reuse"] is None:
        try:
            result.update(_draws_by_value(ctx, f, seed))
        except Exception as exc:
            result.setdefault("errors", []).append(key_arithmetic(describe_exception(exc)))
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
            result.setdefault("errors", []).append(key_arithmetic(describe_exception(exc)))
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
            result.setdefault("errors", []).append(key_arithmetic(info))
    finally:
        jax.config.update("jax_debug_key_reuse", False)


class KeyDraws:
    """``sys.setprofile`` hook: the concrete keys that the learner's own lines hand to ``jax.random``'s
    samplers (traced keys are left to the static checker), and the lines that draw inside ``jax.vmap``
    with a key that is not batched while the learner's values are."""

    def __init__(self) -> None:
        self.draws: list[tuple[int, Any]] = []
        self.shared_in_vmap: list[int] = []

    def __call__(self, frame: types.FrameType, event: str, arg: Any) -> None:
        if event != "call" or frame.f_code.co_name not in _DRAWS:
            return
        back = frame.f_back
        if back is None or back.f_code.co_filename != LEARNER_FILE:
            return
        if not (frame.f_globals.get("__name__") or "").startswith("jax._src.random"):
            return
        from jax.core import Tracer

        key = frame.f_locals.get("key")
        if key is None or isinstance(key, Tracer):
            return
        self.draws.append((back.f_lineno, key))
        if _batched(back.f_locals.values()):
            self.shared_in_vmap.append(back.f_lineno)

    def __enter__(self) -> KeyDraws:
        sys.setprofile(self)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(None)


def _batched(values: Any) -> bool:
    """Is any of these values (or an item of a list, tuple or dict among them) batched by ``jax.vmap``?"""
    from jax._src.interpreters.batching import BatchTracer

    for v in values:
        items = v.values() if isinstance(v, dict) else v if isinstance(v, list | tuple) else (v,)
        if any(isinstance(item, BatchTracer) for item in itertools.islice(items, 100)):
            return True
    return False


def _key_bytes(key: Any) -> bytes | None:
    import jax
    import numpy as np

    try:
        if isinstance(key, jax.Array) and jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
            key = jax.random.key_data(key)
        return bytes(np.asarray(key).tobytes())
    except Exception:
        return None


def _draws_by_value(ctx: GradeContext, f: Any, seed: int) -> dict[str, Any]:
    """One eager call: two draws from equal key data, and draws from a key shared across ``jax.vmap``."""

    recorder = KeyDraws()
    args = ctx.fresh_args(seed)
    with recorder:  # concrete keys
        ctx.call(ctx.as_written(f), args)
    out: dict[str, Any] = {}
    first: dict[bytes, int] = {}
    for line, key in recorder.draws:
        data = _key_bytes(key)
        if data is None:
            continue
        if data in first:
            out["same_key_draws"] = learner_lines([("draw", first[data]), ("draw", line)])
            break
        first[data] = line
    if recorder.shared_in_vmap:
        out["vmap_shared_key"] = learner_lines([("draw", recorder.shared_in_vmap[0])])[0]
    return out
