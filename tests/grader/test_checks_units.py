"""Host-side verdict logic on synthetic evidence (no kernel): each check's decision and its wording."""

from __future__ import annotations

from typing import Any

from app.grader.checks import compile as compile_checks
from app.grader.checks import prng, purity, speedup
from app.grader.checks.base import Evidence
from app.grader.driver import HarnessRun
from app.grader.explain import explain, sentence


def _run(**phases: dict[str, Any]) -> HarnessRun:
    run = HarnessRun()
    for name, data in phases.items():
        run.results[name] = {"name": name, "data": data, "error": None}
        run.order.append(name)
    return run


def test_explain_names_jax_error_classes_and_fixes() -> None:
    exc = {
        "type": "TracerBoolConversionError",
        "mro": ["TracerBoolConversionError", "ConcretizationTypeError"],
        "message": "Attempted boolean conversion",
        "line": 3,
        "code": "if x > 0:",
    }
    what, fix = explain(exc)
    assert "control flow" in what and "jnp.where" in fix and "lax.cond" in fix
    assert sentence(exc).startswith("Line 3 (`if x > 0:`)")
    assert "at[" in explain({"type": "TypeError", "message": "JAX arrays are immutable"})[1]
    assert "size=" in explain({"type": "NonConcreteBooleanIndexError", "message": ""})[1]
    assert "jnp" in explain({"type": "TracerArrayConversionError", "message": ""})[1]
    assert "sys.exit" in explain({"type": "SystemExit", "message": "", "base_exception": True})[1]


def test_purity_print_global_rng_clock_mutation() -> None:
    cfg: dict[str, Any] = {}
    printed = _run(
        purity={
            "side_effects": [{"what": "print", "line": 4, "code": "print(x)", "count": 2}],
            "eager_prints": 2,
            "jit_prints_per_call": [1, 0, 0],
        }
    )
    res = purity.evaluate(Evidence(cfg, printed, None))
    assert res.status == "fail" and "Line 4" in res.message and "first call" in res.message
    rng = _run(purity={"side_effects": [{"what": "numpy.random.normal", "line": 2, "code": "", "count": 1}]})
    assert "numpy.random.normal" in purity.evaluate(Evidence(cfg, rng, None)).message
    clock = _run(purity={"side_effects": [{"what": "time.time", "line": 5, "code": "", "count": 1}]})
    assert "clock" in purity.evaluate(Evidence(cfg, clock, None)).message
    writes = _run(purity={"global_writes": ["counter"]})
    assert "`counter`" in purity.evaluate(Evidence(cfg, writes, None)).message
    mutation = _run(purity={"input_mutations": [0]})
    assert "argument 1" in purity.evaluate(Evidence(cfg, mutation, None)).message
    stale = _run(purity={"stale_globals": [{"name": "g", "constant_style": False}]})
    assert "`g`" in purity.evaluate(Evidence(cfg, stale, None)).message
    constant = _run(purity={"stale_globals": [{"name": "SCALE", "constant_style": True}]})
    assert purity.evaluate(Evidence(cfg, constant, None)).status == "pass"
    debug = _run(purity={"jit_prints_per_call": [1, 1, 1], "eager_prints": 2})
    res = purity.evaluate(Evidence(cfg, debug, None))
    assert res.status == "pass" and "jax.debug.print" in res.details["hints"][0]


def test_prng_reuse_and_ignored_key() -> None:
    reuse = _run(prng={"reuse": {"type": "KeyReuseError", "line": 7, "code": "b = normal(key)"}, "key_args": [1]})
    res = prng.evaluate(Evidence({}, reuse, None))
    assert res.status == "fail" and "Line 7" in res.message and "split" in res.message
    ignored = _run(prng={"reuse": None, "key_args": [1], "ignores_key": True})
    assert "ignores its key" in prng.evaluate(Evidence({}, ignored, None)).message
    fine = _run(prng={"reuse": None, "key_args": [1], "ignores_key": False})
    assert prng.evaluate(Evidence({}, fine, None)).status == "pass"


def test_retrace_compares_with_reference_and_explains() -> None:
    same = {"signature": "float32[3]", "compiles": 1, "traces": 1, "explanations": []}
    sub = _run(retrace={"calls": [same, same, same]}, calls={"calls": [same, same, same]})
    res = compile_checks.evaluate_retrace(
        Evidence({}, sub, {"retrace": {"calls": [same, {**same, "compiles": 0, "traces": 0}] * 1}})
    )
    assert res.status == "fail" and "new `jax.jit" in res.message
    once = [same, {**same, "compiles": 0, "traces": 0}, {**same, "compiles": 0, "traces": 0}]
    ok = _run(retrace={"calls": once}, calls={"calls": once})
    assert compile_checks.evaluate_retrace(Evidence({}, ok, None)).status == "pass"
    # The reference itself recompiles (the scenario changes shapes): the learner is not blamed for it.
    assert (
        compile_checks.evaluate_retrace(
            Evidence({}, sub, {"retrace": {"calls": [same] * 3}, "calls": {"calls": [same] * 3}})
        ).status
        == "pass"
    )


def test_speedup_threshold_per_backend() -> None:
    data = {"ratio": 4.0, "backend": "cpu", "submission_ms": 1.0, "baseline_ms": 4.0, "submission_jitted": True}
    run = _run(speedup=data)
    assert speedup.evaluate(Evidence({"cpu": 3.0, "gpu": 20.0}, run, None)).status == "pass"
    assert speedup.evaluate(Evidence({"cpu": 5.0, "gpu": 1.0}, run, None)).status == "fail"
    gpu = _run(speedup={**data, "backend": "gpu"})
    assert speedup.evaluate(Evidence({"cpu": 3.0, "gpu": 20.0}, gpu, None)).status == "fail"
    report_only = speedup.evaluate(Evidence({"cpu": 50.0}, run, None), report_only=True)
    assert report_only.status == "pass" and not report_only.applicable
