"""Compare serialized pytrees (from ``kernels.harness.serialize``) on the host, with NumPy only.

Mismatches are explained by path, structure, shape and dtype, never by printing hidden values.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from app.grader import diagnose

DEFAULT_TOLERANCES = {
    "float64": (1e-7, 1e-9),
    "complex128": (1e-7, 1e-9),
    "float32": (1e-4, 1e-5),
    "complex64": (1e-4, 1e-5),
    "float16": (1e-2, 1e-3),
    "bfloat16": (2e-2, 1e-2),
}


def to_array(leaf: dict[str, Any]) -> np.ndarray | None:
    if leaf.get("kind") != "array":
        return None
    dtype = leaf["dtype"]
    raw = base64.b64decode(leaf["data"])
    if dtype == "bfloat16":
        u16 = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return u16.view(np.float32).reshape(leaf["shape"])
    return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).reshape(leaf["shape"])


def _sequences_alike(treedef: str) -> str:
    """A treedef's text with lists written as tuples: ``[*, *]`` and ``(*, *)`` (and ``[*]``, ``(*,)``) read
    the same."""
    return treedef.replace("[", "(").replace("]", ")").replace(",)", ")")


def same_structure(got: str, want: str) -> bool:
    """Whether two outputs' treedefs are the same containers, a list and a tuple of the same items counting as
    one: ``lax.top_k`` returns a list where a task's signature says tuple, and no JAX transformation or
    caller tells them apart by their values."""
    return got == want or _sequences_alike(got) == _sequences_alike(want)


def compare(got: dict[str, Any], want: dict[str, Any], rtol: float | None, atol: float | None) -> str | None:
    """None when equal; otherwise one plain sentence saying what differs."""
    if not same_structure(got["treedef"], want["treedef"]):
        if want["treedef"] == "PyTreeDef(*)" and got["treedef"] == "PyTreeDef(None)":
            return "your function returned None; did you forget a `return`?"
        return (
            f"the output's structure differs: expected {want['treedef']}, got {got['treedef']}. "
            "Return the same containers (tuple/dict/list) in the same order as the task asks"
        )
    for g, w in zip(got["leaves"], want["leaves"], strict=True):
        where = f"output{g['path']}" if g["path"] else "the output"
        if w.get("kind") == "array":
            if g.get("kind") == "scalar":
                g = {
                    **g,
                    "kind": "array",
                    "dtype": w["dtype"],
                    "shape": [],
                    "data": base64.b64encode(np.asarray(g["value"], dtype=w["dtype"]).tobytes()).decode(),
                }
            if g.get("kind") != "array":
                kind = g.get("pytype", g.get("kind"))
                return f"{where} should be an array ({w['dtype']}{w['shape']}) but is a {kind}"
            if list(g["shape"]) != list(w["shape"]):
                why = diagnose.shape_relation(tuple(g["shape"]), tuple(w["shape"]))
                return f"{where} has shape {tuple(g['shape'])}, expected {tuple(w['shape'])}" + (
                    f": {why}" if why else ""
                )
            if g["dtype"] != w["dtype"]:
                hint = ""
                if "int" in g["dtype"] and "float" in w["dtype"]:
                    hint = (
                        " (an integer result where floats were expected: check `astype`/`dtype=`, `//`, or "
                        "integer inputs)"
                    )
                elif g["dtype"] == "float64":
                    hint = " (64-bit floats: keep computations in float32)"
                return f"{where} has dtype {g['dtype']}, expected {w['dtype']}{hint}"
            ga, wa = to_array(g), to_array(w)
            assert ga is not None and wa is not None
            if wa.dtype.kind in "fc":
                drt, dat = DEFAULT_TOLERANCES.get(w["dtype"], (1e-5, 1e-6))
                rt = drt if rtol is None else rtol
                at = dat if atol is None else atol
                bad = diagnose.nonfinite(ga, wa)
                if bad is not None:
                    return f"{where} contains {bad}"
                close = np.isclose(ga, wa, rtol=rt, atol=at, equal_nan=True)
                if not close.all():
                    frac = 1.0 - float(close.mean())
                    why = diagnose.relation(ga, wa, rt, at)
                    if why is not None:
                        return f"{where} differs from the expected values in {frac:.0%} of its elements: {why}"
                    return (
                        f"{where} differs from the expected values (beyond rtol={rt:g}, atol={at:g}): "
                        f"{diagnose.statistics(ga, wa, close)}{_float_hint(ga, wa)}"
                    )
            elif not np.array_equal(ga, wa):
                why = diagnose.relation(ga, wa, 0.0, 0.0) if wa.dtype.kind in "iu" else None
                if why is not None:
                    return f"{where} has different values than expected: {why}"
                return f"{where} has different values than expected{_exact_hint(ga, wa, w['dtype'])}"
        elif w.get("kind") == "scalar":
            if g.get("kind") == "array" and g.get("shape") == []:
                ga = to_array(g)
                assert ga is not None
                if not np.isclose(
                    float(ga),
                    float(w["value"]) if not isinstance(w["value"], str) else float("nan"),
                    rtol=rtol or 1e-5,
                    atol=atol or 1e-6,
                    equal_nan=True,
                ):
                    return f"{where} has a different value than expected"
            elif g.get("kind") != "scalar" or g.get("value") != w.get("value"):
                if (
                    g.get("kind") == "scalar"
                    and isinstance(g.get("value"), int | float)
                    and isinstance(w.get("value"), int | float)
                    and np.isclose(g["value"], w["value"], rtol=rtol or 1e-5, atol=atol or 1e-6)
                ):
                    continue
                return f"{where} has a different value than expected"
        elif g.get("kind") != w.get("kind") or g.get("pytype") != w.get("pytype"):
            return f"{where} is a {g.get('pytype', g.get('kind'))}, expected a {w.get('pytype', w.get('kind'))}"
    return None


def _float_hint(got: np.ndarray, want: np.ndarray) -> str:
    """A hint at the likely cause of a float mismatch, from its size (never the values themselves)."""
    with np.errstate(all="ignore"):
        if (np.isinf(got) & np.isfinite(want)).any():
            return (
                ": it contains Inf where the expected values are finite (overflow: subtract the max before "
                "`exp`, or compute in a wider dtype)"
            )
        finite = np.isfinite(got) & np.isfinite(want)
        if not finite.any():
            return ""
        rel = np.abs(got[finite] - want[finite]) / np.maximum(np.abs(want[finite]), 1e-30)
        if float(np.max(rel)) < 1e-2:
            return (
                ": the differences are small, a precision problem: look for cancellation (subtracting nearly "
                "equal numbers, e.g. E[x^2] - E[x]^2) or accumulation in low precision"
            )
    return ""


def has_nonfinite(tree: dict[str, Any]) -> bool:
    for leaf in tree["leaves"]:
        arr = to_array(leaf)
        if arr is not None and arr.dtype.kind in "fc" and not np.isfinite(arr).all():
            return True
    return False


def _exact_hint(got: Any, want: Any, dtype: str) -> str:
    """Why integer or boolean results differ, when the values say so: a different order, or overflow."""
    if got.size and np.array_equal(np.sort(got, axis=None), np.sort(want, axis=None)):
        return " (the same values in a different order: check the sort direction, the axis or the indexing)"
    if want.dtype.kind in "iu" and want.dtype.itemsize < 8:
        g64, w64 = got.astype(np.int64), want.astype(np.int64)
        flipped = (np.sign(g64) != np.sign(w64)) & (np.abs(w64) > 2**8)
        narrow = want.dtype.itemsize <= 2  # 8- and 16-bit integers overflow in everyday sums and products
        if narrow or (np.abs(w64) >= 2 ** (8 * want.dtype.itemsize - 2)).any() or flipped.any():
            return f" ({dtype} wraps around silently on overflow: compute in a wider dtype and cast at the end)"
    wrong = float(np.mean(got != want)) if got.shape == want.shape else 1.0
    return f" in {wrong:.0%} of its elements"
