"""vmap and grad probes: batched results against per-example results, and gradients."""

from __future__ import annotations

from typing import Any

from .context import GradeContext
from .probes import trees_equal


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
