"""Unit tests of the jaxpr normal form (kernels.harness.cluster), traced in this process."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from kernels.harness.cluster import failure_key, from_run, line_shape, normal_form, version_tag

X = jnp.arange(6.0).reshape(2, 3)


def key(fn, *args, limit: int = 16) -> str:
    return normal_form(jax.make_jaxpr(fn)(*(args or (X,))), limit)


def test_renamed_variables_and_functions_are_one_form() -> None:
    def f(x):
        total = jnp.sum(x * x, axis=1)
        return jnp.sqrt(total)

    def g(values):
        acc = jnp.sum(values * values, axis=1)
        return jnp.sqrt(acc)

    assert key(f) == key(g)


def test_independent_statements_in_another_order_are_one_form() -> None:
    def f(x):
        a = jnp.sin(x)
        b = jnp.cos(x)
        c = jnp.exp(x)
        return a * b + c

    def g(x):
        c = jnp.exp(x)
        b = jnp.cos(x)
        a = jnp.sin(x)
        return b * a + c  # commutative operands swapped too

    assert key(f) == key(g)


def test_small_constants_are_normalised_away_but_shapes_stay() -> None:
    def f(x):
        return x * 2.0 + jnp.array([1.0, 2.0, 3.0])

    def g(x):
        return x * 3.5 + jnp.array([7.0, 0.0, -1.0])

    def h(x):  # the same operations on a constant of another shape
        return x * 2.0 + jnp.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])

    assert key(f) == key(g)
    assert key(f) != key(h)


def test_large_constants_keep_their_contents() -> None:
    big_a = np.arange(60.0, dtype=np.float32).reshape(20, 3)
    big_b = big_a + 1

    def f(x):
        return x @ big_a.T

    def g(x):
        return x @ big_b.T

    assert key(f, limit=16) != key(g, limit=16)
    assert key(f, limit=100) == key(g, limit=100)


def test_own_jit_and_helper_functions_are_inlined() -> None:
    @jax.jit
    def jitted(x):
        return jnp.tanh(x) + 1.0

    def helper(x):
        return jnp.tanh(x)

    def plain(x):
        return helper(x) + 1.0

    assert key(jitted) == key(plain)


def test_different_algorithms_have_different_forms() -> None:
    def vectorised(x):
        return jnp.sum(x, axis=0)

    def scanned(x):
        return lax.scan(lambda c, row: (c + row, None), jnp.zeros(3), x)[0]

    def unrolled(x):
        acc = jnp.zeros(3)
        for i in range(x.shape[0]):
            acc = acc + x[i]
        return acc

    def wrong(x):
        return jnp.mean(x, axis=0)

    forms = {key(vectorised), key(scanned), key(unrolled), key(wrong)}
    assert len(forms) == 4


def test_scan_bodies_are_normalised_recursively() -> None:
    def f(x):
        def body(carry, row):
            s = jnp.sin(row)
            c = jnp.cos(row)
            return carry + s * c, None

        return lax.scan(body, jnp.zeros(3), x)[0]

    def g(x):
        def step(acc, r):
            cos_r = jnp.cos(r)
            sin_r = jnp.sin(r)
            return acc + cos_r * sin_r, None

        return lax.scan(step, jnp.zeros(3), x)[0]

    def h(x):  # another body: a different program
        return lax.scan(lambda acc, r: (acc + jnp.sin(r), None), jnp.zeros(3), x)[0]

    assert key(f) == key(g)
    assert key(f) != key(h)
    assert "body0:" in key(f)


def test_cond_and_while_bodies_are_normalised() -> None:
    def f(x):
        return lax.cond(x.sum() > 0, lambda v: v * 2.0, lambda v: -v, x)

    def g(y):
        return lax.cond(y.sum() > 0, lambda w: w * 5.0, lambda w: -w, y)

    def h(x):
        return lax.cond(x.sum() > 0, lambda v: v + 2.0, lambda v: -v, x)

    def w(x):
        return lax.while_loop(lambda v: v.sum() < 100.0, lambda v: v * 2.0, x)

    def w2(y):
        return lax.while_loop(lambda u: u.sum() < 7.0, lambda u: u * 3.0, y)

    def w3(x):
        return lax.while_loop(lambda v: v.sum() < 100.0, lambda v: v + 2.0, x)

    assert key(f) == key(g)
    assert key(f) != key(h)
    assert key(w) == key(w2) != key(w3)
    assert "while" in key(w)


def test_a_repeated_pure_computation_counts_once() -> None:
    def f(x):
        return jnp.sin(x) + jnp.sin(x)

    def g(x):
        s = jnp.sin(x)
        return s + s

    assert key(f) == key(g)


def test_input_shapes_are_part_of_the_form() -> None:
    def f(x):
        return x + 1.0

    assert key(f, jnp.zeros(3)) != key(f, jnp.zeros(4))


def test_line_shape_blanks_names_but_keeps_structure() -> None:
    assert line_shape("for i in range(len(xs)):") == "for _ in _ ( _ ( _ ) ) :"
    assert line_shape("    total = total.at[j].set(v * 2)") == "_ = _ . at [ _ ] . set ( _ * 0 )"
    assert line_shape("y = x[idx]") == line_shape("out = values[k]")
    assert line_shape("if x > 0: pass") != line_shape("y = x > 0")


def test_failure_keys_group_by_error_class_and_line_shape() -> None:
    a = failure_key({"type": "TracerBoolConversionError", "code": "if x > 0:"}, "trace")
    b = failure_key({"type": "TracerBoolConversionError", "code": "if value > 0:"}, "trace")
    c = failure_key({"type": "ConcretizationTypeError", "code": "if value > 0:"}, "trace")
    d = failure_key({"type": "TracerBoolConversionError", "code": "while x > 0:"}, "trace")
    assert a["key"] == b["key"]
    assert len({a["key"], c["key"], d["key"]}) == 3
    assert a["key"].startswith("e-") and not a["traced"]
    assert a["version"] == version_tag(16)


def test_from_run_prefers_the_phase_then_load_then_call_errors() -> None:
    traced = {"key": "j-abc", "version": "1-c16", "traced": True, "normal_form": "in"}
    assert from_run(traced, None, None) == traced
    load = from_run(None, {"type": "SyntaxError", "code": "def f(:"}, None)
    call = from_run(None, None, {"type": "TypeError", "code": "return x + y"})
    assert load is not None and call is not None
    assert load["key"] != call["key"] and load["normal_form"].startswith("untraceable load")
    assert from_run(None, None, None) is None
