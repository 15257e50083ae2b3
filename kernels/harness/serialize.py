"""Turn a function's output (any pytree) into JSON the host can compare without executing anything.

Array leaves travel as raw little-endian bytes (base64) with dtype and shape; typed PRNG keys travel as
their key data; Python scalars as values; anything else only by its type name.
"""

from __future__ import annotations

import base64
from typing import Any

MAX_BYTES = 8 << 20


class TooLarge(Exception):
    pass


def describe(tree: Any, *, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    import jax
    import numpy as np

    leaves_with_path, treedef = jax.tree_util.tree_flatten_with_path(tree)
    total = 0
    leaves: list[dict[str, Any]] = []
    for path, leaf in leaves_with_path:
        entry: dict[str, Any] = {"path": jax.tree_util.keystr(path)}
        if isinstance(leaf, jax.Array) and jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key):
            leaf = jax.random.key_data(leaf)
            entry["prng_key"] = True
        if isinstance(leaf, bool | int | float | complex) and not isinstance(leaf, np.generic):
            entry.update(kind="scalar", pytype=type(leaf).__name__, value=_scalar(leaf))
        elif isinstance(leaf, jax.Array | np.ndarray | np.generic):
            try:
                arr = np.asarray(leaf)
            except Exception as exc:  # e.g. a tracer escaped
                entry.update(kind="object", pytype=type(leaf).__name__, error=str(exc)[:200])
                leaves.append(entry)
                continue
            if arr.dtype == object:
                entry.update(kind="object", pytype="object array")
            else:
                data = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
                total += len(data)
                if total > max_bytes:
                    raise TooLarge(f"output is larger than {max_bytes // (1 << 20)} MiB")
                entry.update(
                    kind="array",
                    dtype=str(arr.dtype),
                    shape=list(arr.shape),
                    weak_type=bool(getattr(leaf, "weak_type", False)),
                    data=base64.b64encode(data).decode("ascii"),
                )
        elif leaf is None:
            entry.update(kind="none")
        else:
            entry.update(kind="object", pytype=type(leaf).__name__)
        leaves.append(entry)
    return {"treedef": str(treedef), "leaves": leaves}


def _scalar(v: Any) -> Any:
    if isinstance(v, complex):
        return [v.real, v.imag]
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return repr(v)
    return v


def fingerprint(value: Any, depth: int = 0) -> Any:
    """A cheap, comparable fingerprint of a value, used to detect mutation of inputs and globals."""
    import hashlib

    import numpy as np

    if depth > 6:
        return ("deep", id(value))
    if isinstance(value, np.ndarray):
        h = hashlib.blake2b(np.ascontiguousarray(value).view(np.uint8).tobytes()[: 64 << 20], digest_size=16)
        return ("nd", value.shape, str(value.dtype), h.hexdigest())
    if isinstance(value, bool | int | float | complex | str | bytes | type(None)):
        return ("v", repr(value))
    if isinstance(value, list | tuple):
        return (
            type(value).__name__,
            id(value) if isinstance(value, list) else 0,
            tuple(fingerprint(v, depth + 1) for v in value[:1000]),
            len(value),
        )
    if isinstance(value, dict):
        return (
            "dict",
            tuple((repr(k), fingerprint(v, depth + 1)) for k, v in list(value.items())[:1000]),
            len(value),
        )
    if isinstance(value, set):
        return ("set", tuple(sorted(repr(v) for v in value))[:1000])
    try:
        import jax

        if isinstance(value, jax.Array):
            return ("jax", id(value))
    except ImportError:  # pragma: no cover
        pass
    state = getattr(value, "__dict__", None)
    if isinstance(state, dict) and depth < 3:
        return ("obj", type(value).__name__, fingerprint(state, depth + 1))
    return ("id", id(value))
