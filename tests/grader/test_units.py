"""Unit tests of host-side pieces that need no kernel."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np

from app.grader.compare import compare
from app.grader.driver import _valid, bootstrap_cell
from app.grader.report import CheckResult, Report
from app.lessons import load_catalog
from kernels.harness.channel import sign


def _leaf(arr: np.ndarray, path: str = "") -> dict:
    return {
        "path": path,
        "kind": "array",
        "dtype": str(arr.dtype),
        "shape": list(arr.shape),
        "data": base64.b64encode(arr.tobytes()).decode(),
    }


def test_compare_explains_shape_dtype_and_values() -> None:
    a = np.ones(3, np.float32)
    want = {"treedef": "PyTreeDef(*)", "leaves": [_leaf(a)]}
    assert compare({"treedef": "PyTreeDef(*)", "leaves": [_leaf(a + 1e-7)]}, want, None, None) is None
    assert "shape" in compare({"treedef": "PyTreeDef(*)", "leaves": [_leaf(np.ones(4, np.float32))]}, want, None, None)
    assert "dtype int32" in compare(
        {"treedef": "PyTreeDef(*)", "leaves": [_leaf(np.ones(3, np.int32))]}, want, None, None
    )
    assert "differs" in compare({"treedef": "PyTreeDef(*)", "leaves": [_leaf(a * 2)]}, want, None, None)
    assert "None" in compare({"treedef": "PyTreeDef(None)", "leaves": []}, want, None, None)
    assert "structure" in compare({"treedef": "PyTreeDef((*, *))", "leaves": [_leaf(a), _leaf(a)]}, want, None, None)


def test_a_list_and_a_tuple_of_the_same_items_are_the_same_output() -> None:
    """lax.top_k returns a list where a task's signature says tuple: neither way round is a wrong answer."""
    a, i = np.ones(3, np.float32), np.arange(3, dtype=np.int32)
    pair = [_leaf(a, "[0]"), _leaf(i, "[1]")]
    assert (
        compare(
            {"treedef": "PyTreeDef((*, *))", "leaves": pair},
            {"treedef": "PyTreeDef([*, *])", "leaves": pair},
            None,
            None,
        )
        is None
    )
    one = {"treedef": "PyTreeDef((*,))", "leaves": [_leaf(a, "[0]")]}
    assert compare({"treedef": "PyTreeDef([*])", "leaves": [_leaf(a, "[0]")]}, one, None, None) is None
    nested = {"treedef": "PyTreeDef({'out': (*, *)})", "leaves": pair}
    assert compare({"treedef": "PyTreeDef({'out': [*, *]})", "leaves": pair}, nested, None, None) is None
    # Still different: another container, or another number of items.
    assert "structure" in compare({"treedef": "PyTreeDef({'a': *, 'b': *})", "leaves": pair}, nested, None, None)
    assert "structure" in compare({"treedef": "PyTreeDef([*, *, *])", "leaves": [*pair, _leaf(a)]}, one, None, None)


def test_channel_rejects_forgery_and_replay() -> None:
    key = b"k" * 32
    good = {"seq": 0, "kind": "done", "body": "{}", "mac": sign(key, 0, "done", "{}")}
    assert _valid(key, good, 0)
    assert not _valid(key, good, 1)  # replayed / out of order
    assert not _valid(key, {**good, "mac": "0" * 64}, 0)
    assert not _valid(key, {**good, "body": '{"x": 1}'}, 0)
    assert not _valid(key, "not a dict", 0)


def test_bootstrap_cell_is_python_and_carries_no_key() -> None:
    cell = bootstrap_cell({"role": "submission", "source": "def f(x): return x"})
    compile(cell, "<cell>", "exec")
    assert "JAXTUTOR_CHANNEL_KEY=" not in cell


def test_report_score_and_status() -> None:
    r = Report(
        checks=[
            CheckResult("correctness", "pass", "", weight=3),
            CheckResult("purity", "fail", "bad", weight=1),
        ]
    )
    assert r.status == "fail" and r.score == 0.75
    doc = r.to_json()
    assert doc["version"] == 1 and doc["checks"][1]["message"] == "bad"
    r.error = "boom"
    assert r.to_json()["status"] == "error"


def test_loader_reports_file_field_and_expectation(tmp_path: Path) -> None:
    bad = tmp_path / "broken"
    bad.mkdir()
    (bad / "lesson.toml").write_text('title = "x"\nstep = 9\nbogus = 1\n[checks.purity]\n')
    good_count = len(load_catalog([Path(__file__).resolve().parents[2] / "lessons"]).lessons)
    catalog = load_catalog([tmp_path, Path(__file__).resolve().parents[2] / "lessons"])
    text = "\n".join(str(p) for p in catalog.problems)
    assert "broken/lesson.toml: step" in text
    assert "broken/lesson.toml: bogus: unknown field" in text
    assert "broken/starter.py: file is missing" in text
    assert len(catalog.lessons) == good_count  # a broken lesson takes nothing else down


def test_reference_outputs_canonicalised_as_jax_would() -> None:
    """`check` compares against a NumPy reference as `jnp.asarray` holds it (x64 off: float64 -> float32)."""
    import jax.numpy as jnp

    from kernels.harness.run import canonical_output

    out = canonical_output({"a": np.ones(3), "b": np.int64(2), "c": 1.5, "d": jnp.ones(2, jnp.bfloat16)})
    assert out["a"].dtype == jnp.float32 and out["b"].dtype == jnp.int32
    assert out["c"] == 1.5 and out["d"].dtype == jnp.bfloat16  # Python scalars and JAX arrays unchanged
    assert canonical_output(np.array(["x"])).dtype.kind == "U"  # no JAX equivalent: left as it is


def test_lessons_compare_dtypes_exactly_unless_they_say_otherwise() -> None:
    import pytest
    from pydantic import ValidationError

    from app.grader.checks.correctness import CorrectnessCheck

    assert CorrectnessCheck().dtype == "exact"
    assert CorrectnessCheck(dtype="canonical").dtype == "canonical"
    with pytest.raises(ValidationError):
        CorrectnessCheck(dtype="loose")
