"""Correctness diagnostics in-process: each detector on the mistake it names, the statistics, NaN/Inf
placement, and that no element value of the (hidden) inputs or outputs reaches the message."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from app.grader import diagnose
from app.grader.compare import compare


def _tree(a: np.ndarray) -> dict[str, Any]:
    leaf = {"path": "", "kind": "array", "dtype": str(a.dtype), "shape": list(a.shape)}
    return {"treedef": "PyTreeDef(*)", "leaves": [{**leaf, "data": base64.b64encode(a.tobytes()).decode()}]}


def _want(shape: tuple[int, ...] = (6, 5), seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).normal(size=shape) * 3.0 + 0.5).astype(np.float32)


def _msg(got: np.ndarray, want: np.ndarray) -> str:
    out = compare(_tree(got), _tree(want), None, None)
    assert out is not None
    return out


def test_sign_flip_scale_transpose_and_shift_are_named() -> None:
    w = _want()
    assert "sign flipped" in _msg(-w, w)
    half = _msg(0.5 * w, w)
    assert "constant factor of about 1/2" in half and "mean vs sum" in half
    assert "factor of about 1.25" in _msg((1.25 * w).astype(np.float32), w)
    sq = _want((5, 5))
    assert "transpose" in _msg(np.ascontiguousarray(sq.T), sq)
    series = np.cumsum(_want((12,)))
    late = np.concatenate([[0.0], series[:-1]]).astype(np.float32)
    assert "shifted by one step" in _msg(late, series) and "late" in _msg(late, series)
    early = np.concatenate([series[1:], [0.0]]).astype(np.float32)
    assert "early" in _msg(early, series)
    rows = _want((8, 4))
    rolled = np.concatenate([rows[:1], rows[:-1]], axis=0)
    assert "along axis 0" in _msg(rolled, rows)


def test_shape_mistakes_broadcast_keepdims_transpose() -> None:
    w = _want((6,))
    assert "broadcast" in _msg(np.zeros((6, 6), np.float32), w)
    assert "extra axis of size 1" in _msg(w[:, None], w)
    assert "missing" in _msg(w, w[:, None].copy())
    m = _want((3, 4))
    assert "transposed" in _msg(np.ascontiguousarray(m.T), m)
    assert diagnose.shape_relation((4, 7), (6,)) is None
    assert "one element too few" in _msg(w[:-1].copy(), w)
    assert "axis 1 has one element too many" in (diagnose.shape_relation((3, 5), (3, 4)) or "")


def test_unexplained_differences_get_position_share_and_error_sizes() -> None:
    w = _want((10, 4))
    g = w.copy()
    g[3, 1] += 0.5
    g[7, 2] -= 0.25
    msg = _msg(g, w)
    assert "first at index [3, 1]" in msg and "5% of its elements" in msg
    assert "max abs error 0.5" in msg and "only 2 of 10 slices along axis 0" in msg
    one = _want((9,))
    edge = one.copy()
    edge[-1] += 1.0
    assert "only the last element differs" in _msg(edge, one)


def test_nan_and_inf_are_counted_and_placed_without_values() -> None:
    w = np.linspace(-1.0, 1.0, 20).astype(np.float32) ** 3 * 50
    big = np.abs(w) >= np.sort(np.abs(w))[-3]
    g = np.where(big, np.nan, w).astype(np.float32)
    msg = _msg(g, w)
    assert "NaN of 20 elements" in msg and "largest in magnitude" in msg and "Subtract the max" in msg
    small = np.abs(w) <= np.sort(np.abs(w))[1]
    g2 = np.where(small, np.inf, w).astype(np.float32)
    assert "Inf" in _msg(g2, w) and "near zero" in _msg(g2, w)
    rows = _want((6, 3))
    rows[::3] = 100.0 + np.abs(rows[::3])
    overflowed = np.where(rows > 50.0, np.nan, rows).astype(np.float32)
    assert "all in 2 of 6 slices along axis 0" in _msg(overflowed, rows)
    secret = _want((4, 4), seed=7)
    leaky = secret.copy()
    leaky[2, 2] = 1234.5
    text = _msg(leaky, secret)
    for value in secret.ravel():
        assert f"{value:.3g}" not in text  # error sizes and positions only, never an expected value


def test_relation_needs_the_whole_output_to_fit() -> None:
    w = _want((6, 5))
    g = -w
    g[0, 0] = w[0, 0]  # not a clean sign flip
    assert diagnose.relation(g, w, 1e-4, 1e-5) is None
    assert diagnose.relation(w * (1 + 1e-4), w, 1e-6, 1e-7) is None  # too close to 1 to be a scale
