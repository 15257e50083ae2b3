"""Why an output differs from the expected one, in words that teach without revealing hidden inputs.

Everything said here is about the *relation* between the learner's output and the expected output (where
they differ, how much, and which simple transformation of the expected output the learner's output is),
never a value of either: hidden test inputs must not leak through the report. Error magnitudes (max
abs/rel error), shares of elements and positions are allowed; element values are not.
"""

from __future__ import annotations

import numpy as np

# Tolerances for the detectors: a relation "holds" when it explains the output as well as the check's own
# tolerance would accept an equal one.
_SCALE_MIN_GAP = 1e-3  # a scale factor this close to 1 is a precision problem, not a scale


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and a.size > 0 and bool(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True).all())


def relation(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> str | None:
    """The simple transformation of the expected output that the learner's output is, with the usual cause;
    None when no detector matches. ``got`` and ``want`` have the same shape."""
    if want.size < 2 or not (np.isfinite(got).all() and np.isfinite(want).all()):
        return None
    g, w = got.astype(np.float64), want.astype(np.float64)
    if not np.any(w):
        return None
    if _close(g, -w, rtol, atol):
        return "it is the expected output with the sign flipped: check a subtraction's order or a missing minus"
    denom = float(np.sum(w * w))
    scale = float(np.sum(g * w) / denom) if denom > 0 else 0.0
    if scale != 0.0 and abs(scale - 1.0) > _SCALE_MIN_GAP and _close(g, scale * w, rtol, atol):
        return (
            f"it is the expected output times a constant factor of about {_fmt_factor(scale)}: look for a "
            "normalisation by the wrong count (mean vs sum, n vs n-1), a missing or doubled factor, or a "
            "wrong constant"
        )
    if g.ndim >= 2 and g.shape[-1] == g.shape[-2] and _close(g, np.swapaxes(w, -1, -2), rtol, atol):
        return "it is the transpose of the expected output: check the order of the axes (`x.T`, `einsum` indices)"
    for axis in range(g.ndim):
        n = g.shape[axis]
        if n < 3:
            continue
        head = [slice(None)] * g.ndim
        tail = [slice(None)] * g.ndim
        head[axis], tail[axis] = slice(1, None), slice(None, -1)
        where = f" along axis {axis}" if g.ndim > 1 else ""
        if _close(g[tuple(head)], w[tuple(tail)], rtol, atol):
            return (
                f"it is the expected output shifted by one step{where} (each result comes one position late): "
                "check an off-by-one in the indexing, or whether a scan emits the carry before or after the update"
            )
        if _close(g[tuple(tail)], w[tuple(head)], rtol, atol):
            return (
                f"it is the expected output shifted by one step{where} (each result comes one position early): "
                "check an off-by-one in the indexing, or whether a scan emits the carry before or after the update"
            )
    return None


def _fmt_factor(scale: float) -> str:
    for frac, text in ((0.5, "1/2"), (2.0, "2"), (-2.0, "-2"), (-0.5, "-1/2")):
        if abs(scale - frac) < 1e-3 * abs(frac):
            return text
    return f"{scale:.3g}"


def shape_relation(got_shape: tuple[int, ...], want_shape: tuple[int, ...]) -> str | None:
    """What a wrong shape suggests: an accidental broadcast, a kept or lost axis, or a transpose."""
    if len(got_shape) == len(want_shape) >= 2 and got_shape == want_shape[:-2] + want_shape[-2:][::-1]:
        return "the last two axes are swapped: the output looks transposed"
    if len(got_shape) == len(want_shape):
        off = [i for i, (g, w) in enumerate(zip(got_shape, want_shape, strict=True)) if g != w]
        if len(off) == 1 and abs(got_shape[off[0]] - want_shape[off[0]]) == 1:
            fewer = got_shape[off[0]] < want_shape[off[0]]
            return (
                f"axis {off[0]} has one element too {'few' if fewer else 'many'}: an off-by-one in a range, slice "
                "or window (`range(n - 1)`, `x[1:]` against `x[:-1]`, a convolution's mode or padding)"
            )
    if got_shape == (*want_shape, 1) or got_shape == (1, *want_shape):
        return "there is an extra axis of size 1: drop `keepdims=True` or `[:, None]`, or squeeze it"
    if want_shape == (*got_shape, 1) or want_shape == (1, *got_shape):
        return "an axis of size 1 is missing: keep it with `keepdims=True` or add it with `[:, None]`"
    if len(got_shape) > len(want_shape) or (
        len(got_shape) == len(want_shape) and int(np.prod(got_shape)) > int(np.prod(want_shape))
    ):
        try:
            broadcast = np.broadcast_shapes(got_shape, want_shape)
        except ValueError:
            return None
        if broadcast == tuple(got_shape):
            return (
                "the output is bigger than expected and the expected shape broadcasts to it: two arrays were "
                "combined with mismatched axes, e.g. a (n,) and a (n, 1) making (n, n). Align the axes "
                "explicitly (`[:, None]`, `keepdims=True`) and reduce over the intended axis"
            )
    return None


def statistics(got: np.ndarray, want: np.ndarray, close: np.ndarray) -> str:
    """Where and how much a float output differs: first differing position, the share, max abs/rel error,
    and which slices along the leading axis hold the differences."""
    bad = ~close
    frac = float(bad.mean())
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    pos = f"index {list(first)}" if got.ndim else "the value"
    parts = [f"{frac:.0%} of its elements differ, the first at {pos}"]
    with np.errstate(all="ignore"):
        finite = bad & np.isfinite(got) & np.isfinite(want)
        if finite.any():
            diff = np.abs(got[finite].astype(np.float64) - want[finite].astype(np.float64))
            rel = diff / np.maximum(np.abs(want[finite].astype(np.float64)), 1e-30)
            parts.append(f"max abs error {float(diff.max()):.2g}, max rel error {float(rel.max()):.2g}")
    if got.ndim >= 2:
        rows = bad.reshape(bad.shape[0], -1).any(axis=1)
        n_rows = int(rows.sum())
        if n_rows < rows.size:
            idx = np.flatnonzero(rows)
            span = f"{idx[0]}" if n_rows == 1 else f"{idx[0]}..{idx[-1]}"
            parts.append(f"only {n_rows} of {rows.size} slices along axis 0 differ ({span})")
    elif got.ndim == 1 and bad.sum() == 1 and first[0] in (0, got.shape[0] - 1):
        parts.append("only the " + ("first" if first[0] == 0 else "last") + " element differs (a boundary case)")
    return "; ".join(parts)


def nonfinite(got: np.ndarray, want: np.ndarray) -> str | None:
    """NaN/Inf in the output where the expected output is finite: how many, and where they sit relative to
    the magnitude of the expected values (overflow shows up where they are largest)."""
    with np.errstate(all="ignore"):
        nan = np.isnan(got) & ~np.isnan(want)
        inf = np.isinf(got) & np.isfinite(want)
        bad = nan | inf
        if not bad.any():
            return None
        counts = []
        if nan.any():
            counts.append(f"{int(nan.sum())} NaN")
        if inf.any():
            counts.append(f"{int(inf.sum())} Inf")
        text = f"{' and '.join(counts)} of {got.size} elements where the expected values are finite"
        if got.ndim >= 2:
            rows = bad.reshape(bad.shape[0], -1).any(axis=1)
            if rows.sum() < rows.size:
                text += f", all in {int(rows.sum())} of {rows.size} slices along axis 0"
        mag = np.abs(np.where(np.isfinite(want), want, 0.0)).astype(np.float64)
        if bad.sum() < bad.size and mag.size > 1:
            good = np.sort(mag[~bad], axis=None)
            # mean share of the finite elements whose expected magnitude is at most each bad element's
            rank = float(np.mean(np.searchsorted(good, mag[bad], side="right") / good.size))
            if rank >= 0.75:
                return (
                    f"{text}; they appear where the expected values are largest in magnitude, i.e. where the "
                    "inputs are large: an overflow (`exp` of a large number, a square). Subtract the max "
                    "before `exp`, use `jax.nn.logsumexp`/`jnp.log1p`, or compute in a wider dtype"
                )
            if rank <= 0.25:
                return (
                    f"{text}; they appear where the expected values are smallest in magnitude, i.e. near zero: "
                    "a division by (almost) zero or a `log`/`sqrt` of zero. Guard it with `jnp.where` or an "
                    "epsilon"
                )
        return f"{text}: guard divisions, logs and square roots (`jnp.where`, an epsilon), and `exp` of large values"
