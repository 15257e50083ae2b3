"""Generated submissions for the cluster tests: five strategies for the column-sums lesson, each written
six ways (other names, its own ``@jax.jit``, commuted operands, a helper function). Every copy of one
strategy must land in one cluster, and the strategies in five different ones."""

from __future__ import annotations

import random

NAMES = ["x", "m", "mat", "data", "values", "arr", "grid", "a", "table", "inp"]
ACC = ["acc", "total", "s", "running", "out", "col_sum"]
IDX = ["i", "k", "row", "j", "n", "r"]


def _vectorised(x: str, t: str, i: str, v: int) -> str:
    if v % 3 == 2:  # through a helper function
        return (
            f"def helper_{t}(arr):\n    return jnp.sum(arr, axis=0)\n\n\n"
            f"{_deco(v)}def f({x}):\n    {t} = helper_{t}({x})\n    return {t}\n"
        )
    return f"{_deco(v)}def f({x}):\n    {t} = jnp.sum({x}, axis=0)\n    return {t}\n"


def _scan(x: str, t: str, i: str, v: int) -> str:
    body = f"{t} + {i}" if v % 2 else f"{i} + {t}"
    return (
        f"def step_{t}({t}, {i}):\n    return {body}, None\n\n\n"
        f"{_deco(v)}def f({x}):\n    init = jnp.zeros({x}.shape[1], {x}.dtype)\n"
        f"    {t}, _ = lax.scan(step_{t}, init, {x})\n    return {t}\n"
    )


def _unrolled(x: str, t: str, i: str, v: int) -> str:
    body = f"{t} + {x}[{i}]" if v % 2 else f"{x}[{i}] + {t}"
    return (
        f"{_deco(v)}def f({x}):\n    {t} = jnp.zeros({x}.shape[1], {x}.dtype)\n"
        f"    for {i} in range({x}.shape[0]):\n        {t} = {body}\n    return {t}\n"
    )


def _wrong(x: str, t: str, i: str, v: int) -> str:
    return f"{_deco(v)}def f({x}):\n    {t} = jnp.mean({x}, axis=0)\n    return {t}\n"


def _untraceable(x: str, t: str, i: str, v: int) -> str:
    return (
        f"{_deco(v)}def f({x}):\n    {t} = jnp.sum({x}, axis=0)\n"
        f"    if {x}.sum() > 0:\n        return {t}\n    return {t} * 1.0\n"
    )


def _deco(v: int) -> str:
    return "@jax.jit\n" if v in (1, 4) else ""


STRATEGIES = {
    "vectorised": _vectorised,
    "scan": _scan,
    "unrolled": _unrolled,
    "wrong": _wrong,
    "untraceable": _untraceable,
}
HEADER = "import jax\nimport jax.numpy as jnp\nfrom jax import lax\n\n\n"


def generate(copies: int = 6, seed: int = 0) -> list[tuple[str, str]]:
    """``(strategy, source)`` pairs: ``copies`` renamed copies of each strategy, shuffled."""
    rng = random.Random(seed)
    out = []
    for name, make in STRATEGIES.items():
        for v in range(copies):
            x, t, i = rng.choice(NAMES), rng.choice(ACC), rng.choice(IDX)
            while i == x:
                i = rng.choice(IDX)
            out.append((name, HEADER + make(x, t, i, v)))
    rng.shuffle(out)
    return out
