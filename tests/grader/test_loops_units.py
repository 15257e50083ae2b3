"""Vectorization judged on what is known: the loop classifier on real jaxprs (in-process), and the verdict
on synthetic evidence (a reference that could not be traced is never described)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from app.grader.checks import program
from app.grader.checks.base import Evidence
from app.grader.driver import HarnessRun
from kernels.harness.program import classify_loop


def _kinds(f: Any, *args: Any) -> list[dict[str, Any]]:
    jaxpr = jax.make_jaxpr(f)(*args)
    found = [classify_loop(e) for e in jaxpr.jaxpr.eqns if e.primitive.name in ("scan", "while")]
    return [k for k in found if k is not None]


X = jnp.linspace(0.5, 2.0, 8)


def test_genuinely_sequential_loops_are_recognised() -> None:
    def newton(x: jax.Array) -> Any:
        def body(c: Any) -> Any:
            i, z = c
            return i + 1, z - (z * z - x) / (2 * z)

        return jax.lax.while_loop(lambda c: c[0] < 10, body, (0, x))[1]

    def power(a: jax.Array) -> jax.Array:
        def body(i: Any, v: jax.Array) -> jax.Array:
            w = a @ v
            return w / jnp.linalg.norm(w)

        return jax.lax.fori_loop(0, 20, body, jnp.ones(4))

    def moving_max(x: jax.Array) -> Any:
        return jax.lax.scan(lambda m, xi: (jnp.maximum(0.9 * m, xi), m), 0.0, x)

    def keys(key: jax.Array) -> Any:
        def body(i: Any, c: Any) -> Any:
            k, acc = c
            k, sub = jax.random.split(k)
            return k, acc + jax.random.normal(sub)

        return jax.lax.fori_loop(0, 5, body, (key, 0.0))

    for f, arg in ((newton, X), (power, jnp.eye(4)), (moving_max, X), (keys, jax.random.key(0))):
        kinds = _kinds(f, arg)
        assert kinds and all(k["sequential"] for k in kinds), (f.__name__, kinds)


def test_loops_without_a_carried_dependency_are_not_sequential() -> None:
    writes = _kinds(
        lambda x: jax.lax.fori_loop(0, 8, lambda i, acc: acc.at[i].set(jnp.sin(x[i])), jnp.zeros_like(x)), X
    )
    assert writes[0]["kind"] == "writes" and not writes[0]["sequential"]
    total = _kinds(lambda x: jax.lax.fori_loop(0, 8, lambda i, acc: acc + x[i] ** 2, 0.0), X)
    assert total[0]["kind"] == "accumulate" and not total[0]["sequential"]
    ignores = _kinds(lambda x: jax.lax.scan(lambda c, xi: (c, jnp.sin(xi)), 0.0, x), X)
    assert ignores[0]["kind"] == "none" and not ignores[0]["sequential"]


def _run(**phases: dict[str, Any]) -> HarnessRun:
    run = HarnessRun()
    for name, data in phases.items():
        run.results[name] = {"name": name, "data": data, "error": None}
        run.order.append(name)
    return run


SOURCE = "import jax\n\ndef f(x):\n    return jax.lax.fori_loop(0, 8, body, x)\n"


def test_an_untraceable_reference_is_never_described() -> None:
    seq = {
        "equations": 12,
        "loops": {"while": 1},
        "loop_kinds": [{"primitive": "while", "line": 4, "sequential": True}],
    }
    # A NumPy reference: its program phase failed, so its record is empty.
    res = program.evaluate_vectorization(Evidence({}, _run(program=seq), {"program": {}}, source=SOURCE))
    assert res.status == "pass" and "genuinely sequential" in res.message and "line 4" in res.message
    assert "reference" not in res.message
    assert program.traced_reference({"program": {}}) is None
    assert program.traced_reference({"program": {"equations": 3}}) == {"equations": 3}


def test_needless_loops_fail_with_the_line_and_the_fix() -> None:
    for kind, fix in (("writes", "jax.vmap"), ("accumulate", "jnp.sum"), ("none", "ignores its carry")):
        data = {
            "equations": 12,
            "loops": {"scan": 1},
            "loop_kinds": [{"primitive": "scan", "line": 4, "sequential": False, "kind": kind}],
        }
        res = program.evaluate_vectorization(Evidence({}, _run(program=data), None, source=SOURCE))
        assert res.status == "fail" and "line 4" in res.message and fix in res.message, res.message
        assert "`lax.fori_loop`" in res.message
        allowed = program.evaluate_vectorization(Evidence({"allow_loops": True}, _run(program=data), None))
        assert allowed.status == "pass"


def test_an_unrolled_python_loop_names_its_line() -> None:
    src = "def f(x):\n    out = 0.0\n    for i in range(500):\n        out = out + x[i]\n    return out\n"
    data = {"equations": 1000, "loops": {}, "line_eqns": {"4": 1000}}
    res = program.evaluate_vectorization(Evidence({}, _run(program=data), None, source=src))
    assert res.status == "fail" and "line 3" in res.message and "unrolled" in res.message
