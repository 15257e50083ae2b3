"""Translate exceptions from learner code into what went wrong and how to fix it, in plain words.

Messages name the learner's line (and its code) but never echo hidden inputs.
"""

from __future__ import annotations

import re
from typing import Any


def where(exc: dict[str, Any] | None) -> str:
    if not exc or not exc.get("line"):
        return ""
    code = exc.get("code") or ""
    loc = f"Line {exc['line']}" + (f" (`{code.strip()}`)" if code else "")
    if exc.get("outer_line"):
        outer = exc.get("outer_code") or ""
        loc += f", reached from line {exc['outer_line']}" + (f" (`{outer.strip()}`)" if outer else "")
    return loc


def _has(exc: dict[str, Any], *names: str) -> bool:
    mro = exc.get("mro") or [exc.get("type", "")]
    return any(n in mro for n in names)


def explain(exc: dict[str, Any], *, under_jit: bool = False) -> tuple[str, str]:
    """(what went wrong, how to fix it)."""
    msg = exc.get("message", "")
    name = exc.get("type", "Exception")
    if exc.get("base_exception") or name in ("SystemExit", "KeyboardInterrupt", "GeneratorExit"):
        return (
            f"your code raised {name}, which would stop the grader itself",
            "do not call sys.exit()/exit() or raise BaseException subclasses; return a value instead",
        )
    if _has(exc, "TracerBoolConversionError"):
        return (
            "Python control flow (`if`, `while`, `and`/`or`, `bool()`, builtin `min`/`max`) depends on a traced "
            "array value, which is unknown while jax.jit traces the function",
            "use `jnp.where(cond, a, b)` for element-wise choices, `jax.lax.cond`/`lax.switch` for branches, "
            "`lax.while_loop`/`lax.fori_loop` for loops, or mark the argument static if it is configuration",
        )
    if _has(exc, "TracerIntegerConversionError"):
        return (
            "a traced value is used where Python needs an int (`range(n)`, list indexing, `int(...)`)",
            "loop with `jax.lax.fori_loop`, index arrays with `x[i]` (works with traced i), or make the "
            "argument static with static_argnums",
        )
    if _has(exc, "TracerArrayConversionError"):
        return (
            "a traced value was passed to NumPy (`np.*`, `np.asarray`), which needs concrete data",
            "use the `jax.numpy` (jnp) version of the function inside transformed code",
        )
    if _has(exc, "NonConcreteBooleanIndexError"):
        return (
            "boolean-mask indexing like `x[x > 0]` produces an array whose size depends on the data, which jit "
            "cannot compile",
            "keep the shape fixed: `jnp.where(mask, x, 0)`, `jnp.sum(x * mask)`, or `jnp.nonzero(mask, size=N)`",
        )
    if _has(exc, "UnexpectedTracerError"):
        return (
            "a traced value escaped the function (stored in a global, a list, or an object attribute) and was "
            "used later",
            "return every value you need instead of storing it outside the function",
        )
    if _has(exc, "KeyReuseError"):
        return (
            "a PRNG key was used more than once, so two 'random' draws are identical",
            "split the key (`k1, k2 = jax.random.split(key)`) and use each subkey exactly once",
        )
    if _has(exc, "ConcretizationTypeError"):
        return (
            "the code needs a concrete (known) value from a traced array: `int()`, `float()`, `.item()`, "
            "`jnp.nonzero`/one-argument `jnp.where`/`jnp.unique` without `size=`, or `jnp.arange(traced)`",
            "keep shapes static: pass `size=`, use `jnp.where(cond, x, y)`, or make the argument static",
        )
    if name == "TypeError" and "Shapes must be 1D sequences of concrete values" in msg:
        return (
            "an array shape depends on a traced value (e.g. `x.reshape(n, -1)` or `jnp.zeros((n,))` with n traced)",
            "shapes must be known at trace time: derive them from `x.shape`, or make n a static argument",
        )
    if name == "IndexError" and "static" in msg.lower():
        return (
            "a slice bound depends on a traced value (`x[:n]`), so the result's size would be unknown",
            "use `jax.lax.dynamic_slice(x, (start,), (size,))` with a static size, or make n static",
        )
    if name == "TypeError" and ("immutable" in msg or "does not support item assignment" in msg):
        return (
            "the code assigns into a JAX array in place (`x[i] = v`); JAX arrays are immutable",
            "use the functional update `x = x.at[i].set(v)` (or `.add`, `.mul`, ...)",
        )
    if name == "ValueError" and "hashable" in msg.lower() and "Tracer" in msg:
        return (
            "a traced (changing) value is passed to a function that declares that argument static "
            "(static_argnums/static_argnames), so jit would need a new compilation for every value",
            "keep only configuration that rarely changes (sizes, modes, k) static; pass numbers that change per "
            "call, such as a temperature or learning rate, as ordinary traced arguments",
        )
    if name == "ValueError" and "hashable" in msg.lower():
        return (
            "a static argument is not hashable (a list, dict, array, or a mutable dataclass)",
            "pass static configuration as tuples, ints, strings or frozen dataclasses",
        )
    if name == "TypeError" and "as an abstract array" in msg:
        kind = re.search(r"of type <class '([\w.]+)'>", msg)
        path = re.search(r"at path (?:a|args)\[(\d+)\]", msg)
        what = f"a Python `{kind.group(1)}`" if kind else "a value that is not an array"
        arg = f"argument {int(path.group(1)) + 1}" if path else "an argument"
        static = f"static_argnums=({int(path.group(1))},)" if path else "static_argnums=..."
        return (
            f"{arg} is {what}, which jax.jit cannot trace as an array",
            f"declare configuration arguments such as modes and names static: `jax.jit(f, {static})` or "
            "`static_argnames=(...)` (with `jaxtutor check`, `--static-argnums`), or pass numbers as arrays",
        )
    if "incompatible shapes" in msg or "shapes must" in msg.lower() or "dot_general requires" in msg:
        return (
            f"array shapes do not line up: {msg.splitlines()[0][:200]}",
            "check which axes you combine; use `x[:, None]`/`jnp.expand_dims` to broadcast explicitly, and "
            "`chex.assert_shape` to pin shapes down while debugging",
        )
    if name == "FloatingPointError" or ("nan" in msg.lower() and "debug_nans" in msg):
        return (
            "the computation produced NaN or Inf",
            "guard divisions and logs (`jnp.where`, `eps`), clip inputs",
        )
    if "RESOURCE_EXHAUSTED" in msg or name == "MemoryError":
        return (
            "the computation ran out of memory",
            "use smaller intermediates, `jax.checkpoint`, or batching",
        )
    if name in ("ModuleNotFoundError", "ImportError"):
        return (
            f"an import failed: {msg[:200]}",
            "use only the installed packages (jax, flax, optax, numpy, ...)",
        )
    if name == "NameError":
        return (f"{msg[:200]}", "define the name (or import it) before using it")
    first = msg.splitlines()[0][:300] if msg else ""
    return (f"{name}: {first}", "read the message above; fix the line it points to")


def sentence(exc: dict[str, Any], prefix: str = "", under_jit: bool = False) -> str:
    what, fix = explain(exc, under_jit=under_jit)
    loc = where(exc)
    if not loc:
        what = what[:1].upper() + what[1:]
    lead = f"{prefix}{loc}: " if loc else prefix
    return f"{lead}{what}. Fix: {fix}."
