"""The purity probe: does the function depend on, or change, anything but its arguments?

It follows what worked without false positives on our samples (shared notes): a profile hook attributes
prints, NumPy/Python RNG and clock reads to the learner's lines during eager calls; module globals and
NumPy inputs are fingerprinted before and after; repeated eager calls must agree; jit must agree with
eager; ``checking_leaks`` on a fresh trace; numeric globals are bumped to see whether jit froze them.
"""

from __future__ import annotations

import builtins
import random
import sys
import types
from typing import Any

from .context import GradeContext, describe_exception, learner_lines
from .guard import LEARNER_FILE
from .probes import trees_equal
from .serialize import fingerprint

_CLOCK = {"time", "perf_counter", "monotonic", "time_ns", "perf_counter_ns", "monotonic_ns", "process_time"}


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


CALLBACK = " [callback]"


def _in_callback(frame: types.FrameType | None) -> str:
    """``CALLBACK`` when the frame runs inside a host callback (``jax.debug.callback``, ``jax.pure_callback``,
    ``io_callback``): it then runs on every call at run time, not once while tracing."""
    for _ in range(60):
        if frame is None:
            return ""
        if (frame.f_globals.get("__name__") or "") in ("jax._src.callback", "jax._src.debugging"):
            return CALLBACK
        frame = frame.f_back
    return ""


def _reads_environment(frame: types.FrameType, mod: str, name: str) -> bool:
    """``os.environ[...]``, ``os.getenv``, ``os.environ.get`` or ``in os.environ``, called by the learner."""
    import os

    if mod == "os" and name in ("getenv", "__getitem__"):
        return True
    return name in ("get", "__contains__") and frame.f_locals.get("self") is os.environ


class SideEffectProfiler:
    """sys.setprofile hook that records calls made directly from the learner's file."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []

    def __call__(self, frame: types.FrameType, event: str, arg: Any) -> None:
        if event == "c_call":
            if frame.f_code.co_filename == LEARNER_FILE:
                what = _classify_c(arg)
                if what:
                    self.events.append((what + _in_callback(frame), frame.f_lineno))
        elif event == "call":
            back = frame.f_back
            if back is not None and back.f_code.co_filename == LEARNER_FILE:
                mod = frame.f_globals.get("__name__", "") or ""
                name = frame.f_code.co_name
                if mod in ("random", "secrets") or mod.startswith("numpy.random"):
                    self.events.append((f"{mod}.{name}{_in_callback(back)}", back.f_lineno))
                elif mod == "logging" or mod.startswith("logging."):
                    self.events.append((f"print (logging: {name})", back.f_lineno))
                elif _reads_environment(frame, mod, name):
                    self.events.append(("os.environ", back.f_lineno))

    def __enter__(self) -> SideEffectProfiler:
        sys.setprofile(self)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(None)


def _global_fingerprints(module: types.ModuleType) -> dict[str, Any]:
    """Data globals by name, and the data attributes of the learner's own functions and classes as
    ``name.attr`` (``f.calls += 1`` and ``Counter.n += 1`` are module-level state too)."""
    out = {}
    for name, value in list(vars(module).items()):
        if name.startswith("__") or isinstance(value, types.ModuleType):
            continue
        if isinstance(value, type) or callable(value):
            if getattr(value, "__module__", None) == module.__name__:
                # A class's private names are left out: libraries (Flax, dataclasses) cache on classes.
                private = "_" if isinstance(value, type) else "__"
                for attr, item in list(getattr(value, "__dict__", {}).items())[:100]:
                    if attr.startswith(private) or callable(item):
                        continue
                    if not isinstance(item, classmethod | staticmethod | property):
                        out[f"{name}.{attr}"] = _fingerprint(item)
            continue
        out[name] = _fingerprint(value)
    return out


def _fingerprint(value: Any) -> Any:
    try:
        return fingerprint(value)
    except Exception:
        return ("id", id(value))


def referenced_globals(fn: Any, module: types.ModuleType) -> set[str]:
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


def _bumped(value: Any, depth: int = 0) -> Any | None:
    """A copy of ``value`` with its numbers changed (inside dicts and plain objects too); None if it has none."""
    import copy

    import jax
    import numpy as np

    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value + 1 if value == 0 else value * 1.5 + 1
    if isinstance(value, np.ndarray | jax.Array) and np.asarray(value).dtype.kind in "fiu" and value.size <= 1_000_000:
        return value + 1
    if depth >= 2:
        return None
    if isinstance(value, dict):
        items = {k: _bumped(v, depth + 1) for k, v in list(value.items())[:200]}
        if all(v is None for v in items.values()):
            return None
        return {k: (value[k] if items.get(k) is None else items[k]) for k in value}
    state = getattr(value, "__dict__", None)
    if isinstance(state, dict) and not callable(value) and type(value).__module__ == "submission":
        # A config object of the learner's own class (``cfg.weight_decay``).
        changes = {k: _bumped(v, depth + 1) for k, v in list(state.items())[:200]}
        changes = {k: v for k, v in changes.items() if v is not None}
        if not changes:
            return None
        try:
            clone = copy.copy(value)
            for k, v in changes.items():
                setattr(clone, k, v)
        except Exception:
            return None
        return clone
    return None


def global_fingerprints(module: types.ModuleType, names: set[str] | None = None) -> dict[str, Any]:
    """Fingerprints of the module's data globals (all, or just ``names``)."""
    fps = _global_fingerprints(module)
    return fps if names is None else {n: fps[n] for n in names if n in fps}


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
    outs = []
    mutated: list[int] = []
    mutated_kinds: dict[str, str] = {}
    eager_prints = 0
    nnx_entry = (type(f).__module__ or "").startswith("flax.nnx")  # NNX transforms carry updates by design
    for args in arg_sets:
        arg_prints = [_input_print(a, nnx_entry) for a in args]
        buf = __import__("io").StringIO()
        with prof:
            outs.append(ctx.call(ctx.as_written(f), args, capture=buf))
        eager_prints += buf.getvalue().count("\n")
        for i, (a, fp) in enumerate(zip(args, arg_prints, strict=True)):
            if fp is not None and _input_print(a, nnx_entry) != fp and i not in mutated:
                mutated.append(i)
                mutated_kinds[str(i)] = _input_kind(a)
    after = _global_fingerprints(ctx.module)
    writes = {n for n in after if before.get(n, after[n]) != after[n] or n not in before}
    result["global_writes"] = sorted(writes | ctx.calls_global_writes)  # the calls phase's writes too (caches)
    result["input_mutations"] = mutated
    result["input_mutation_kinds"] = mutated_kinds
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
        for name in sorted(referenced_globals(f, ctx.module)):
            original = ctx.module.__dict__[name]
            bumped = _bumped(original)
            if bumped is None:
                continue
            try:
                eager_args, jit_args2 = ctx.fresh_args(seed), ctx.fresh_args(seed)  # before the bump
                ctx.module.__dict__[name] = bumped
                eager_new = ctx.call(ctx.as_written(f), eager_args)
                jit_new = ctx.call(jitted, jit_args2)
            except Exception:  # noqa: S112 - a bumped value the function cannot take proves nothing
                continue
            finally:
                ctx.module.__dict__[name] = original
            if not trees_equal(eager_new, outs[0]) and trees_equal(jit_new, jit_out):
                # A constant-style name is only a hint, unless the calls showed that it does change.
                changes = name in ctx.globals_changed_between_calls
                stale.append({"name": name, "constant_style": name.isupper() and not changes, "changes": changes})
    result["stale_globals"] = stale
    return result


def _input_print(value: Any, nnx_entry: bool) -> Any:
    """A fingerprint of an argument that code could change in place (None: it cannot, or may by design):
    NumPy arrays, lists and dicts, and objects: the leaves of a pytree (a registered dataclass, an NNX
    module) or the attributes of a plain object. jax arrays are immutable."""
    import jax
    import numpy as np

    if isinstance(value, np.ndarray | list | dict):
        return fingerprint(value)
    if isinstance(value, jax.Array) or value is None or isinstance(value, bool | int | float | complex | str | tuple):
        return None
    if nnx_entry and _input_kind(value) == "nnx":
        return None
    try:
        leaves = jax.tree.leaves(value)
    except Exception:
        leaves = [value]
    if len(leaves) == 1 and leaves[0] is value:  # not a pytree: a plain object's attributes
        state = getattr(value, "__dict__", None)
        if not isinstance(state, dict) or callable(value):
            return None
        leaves = list(state.values())
    return fingerprint(tuple(_content(leaf) for leaf in leaves))  # a tuple: fingerprints know lists by id too


def _content(leaf: Any) -> Any:
    """A jax array as its values (``fingerprint`` knows jax arrays only by ``id``, which a freed array's
    replacement may reuse)."""
    import jax
    import numpy as np

    if isinstance(leaf, jax.Array) and leaf.size <= 1 << 22:
        try:
            if not jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key):
                return np.asarray(leaf)
        except Exception:  # a value that cannot be read is compared by identity
            pass
    return leaf


def _input_kind(value: Any) -> str:
    kind = type(value).__name__
    if kind in ("dict", "list", "ndarray"):
        return kind
    nnx = any((t.__module__ or "").startswith("flax.nnx") for t in type(value).__mro__)  # modules, optimizers
    return "nnx" if nnx else "object"


def _np_states_equal(a: Any, b: Any) -> bool:
    import numpy as np

    return a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2:] == b[2:]
