"""Encode, decode, summarise and compare the values of a lesson's PUBLIC examples (the "Try" button).

This module's source travels into two kernels as text: the sandboxed reference kernel (encodes the
inputs ``make_args(seed)`` and the reference's outputs for each public seed) and the learner's own Run
kernel (decodes those, calls the learner's ``f``, compares). The host imports it too, to summarise the
same values for the page, so the three always agree. Only NumPy and the standard library: it must not
import anything of the project. Arrays travel as ``.npy`` bytes (``allow_pickle=False``), never pickles.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np


class NotPublishable(TypeError):
    """A value that cannot be shown as a public example (a PRNG key, an object, a bfloat16 array...)."""


def encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return {"py": value}
    if isinstance(value, tuple | list):
        return {"seq": [encode(v) for v in value], "tuple": isinstance(value, tuple)}
    if isinstance(value, dict):
        return {"dict": [[str(k), encode(v)] for k, v in value.items()]}
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise NotPublishable(type(value).__name__) from exc
    if arr.dtype.kind not in "biufc":
        raise NotPublishable(f"an array of dtype {arr.dtype}")
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return {"npy": base64.b64encode(buf.getvalue()).decode("ascii")}


def decode(value: Any) -> Any:
    if "py" in value:
        return value["py"]
    if "seq" in value:
        items = [decode(v) for v in value["seq"]]
        return tuple(items) if value.get("tuple") else items
    if "dict" in value:
        return {k: decode(v) for k, v in value["dict"]}
    return np.load(io.BytesIO(base64.b64decode(value["npy"])), allow_pickle=False)


def as_jax(args: Any) -> Any:
    """NumPy arrays in ``args`` as jax.Array: how a lesson's entry receives them (its ``inputs_as``)."""
    import jax

    return jax.tree_util.tree_map(lambda x: jax.numpy.asarray(x) if isinstance(x, np.ndarray) else x, args)


def summary(value: Any, width: int = 72) -> str:
    """A short, one-line description: ``float32[64, 128] [[0.12 ... 3.4]]``."""
    if isinstance(value, tuple | list):
        inner = ", ".join(summary(v, width) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {summary(v, width)}" for k, v in value.items()) + "}"
    if value is None or isinstance(value, bool | int | float | str):
        return repr(value)
    arr = np.asarray(value)
    text = np.array2string(arr, threshold=6, edgeitems=2, precision=4, max_line_width=10_000)
    text = " ".join(text.split())
    if len(text) > width:
        text = text[: width - 1] + "…"
    shape = ", ".join(str(n) for n in arr.shape)
    return f"{arr.dtype}[{shape}] {text}"


def compare(got: Any, expected: Any, rtol: float, atol: float) -> str | None:
    """None when ``got`` matches ``expected`` (same structure, shapes, values within tolerance), else why not."""
    if isinstance(expected, tuple | list | dict):
        both_sequences = isinstance(got, tuple | list) and isinstance(expected, tuple | list)
        if type(got) is not type(expected) and not both_sequences:
            return f"expected a {type(expected).__name__}, got a {type(got).__name__}"
        if isinstance(expected, dict):
            if set(got) != set(expected):
                return f"expected keys {sorted(expected)}, got {sorted(got)}"
            pairs = [(got[k], expected[k]) for k in expected]
        else:
            if len(got) != len(expected):
                return f"expected {len(expected)} items, got {len(got)}"
            pairs = list(zip(got, expected, strict=True))
        for i, (g, e) in enumerate(pairs):
            why = compare(g, e, rtol, atol)
            if why is not None:
                return f"item {i}: {why}"
        return None
    try:
        g = np.asarray(got)
    except Exception:
        return f"expected an array, got {type(got).__name__}"
    e = np.asarray(expected)
    if g.shape != e.shape:
        return f"shape {list(g.shape)}, expected {list(e.shape)}"
    if e.dtype.kind in "biufc" and g.dtype.kind in "biufc":
        if np.allclose(g, e, rtol=rtol, atol=atol, equal_nan=True):
            return None
        err = float(np.max(np.abs(g.astype(np.float64) - e.astype(np.float64)))) if e.size else 0.0
        return f"values differ (max abs error {err:.3g}; tolerance rtol={rtol:g}, atol={atol:g})"
    return None if np.array_equal(g, e) else "values differ"
