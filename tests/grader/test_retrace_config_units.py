"""retrace judged on the configuration: static facts as the harness records them (in-process, no kernel),
the verdict on synthetic evidence even when the reference shares the mistake, and the lesson-design rule."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import jax
import numpy as np

from app.grader.checks import compile as compile_checks
from app.grader.checks.base import Evidence
from app.grader.checks.retrace_config import configuration_problem, lesson_design_problem
from app.grader.driver import HarnessRun
from kernels.harness.probes import static_facts


class Plain:
    def __init__(self, scale: float) -> None:
        self.scale = scale


@dataclasses.dataclass(frozen=True)
class Frozen:
    scale: float


def test_static_facts_kind_hashing_and_digest_without_values() -> None:
    keep: list[Any] = []
    facts = static_facts((1, 0.5, Plain(1.0), [1, 2], Frozen(2.0), "mode", (0.1, 0.2)), (1, 2, 3, 4, 5, 6), keep)
    by_pos = {f["pos"]: f for f in facts}
    assert by_pos[1]["kind"] == "float" and by_pos[1]["hashing"] == "value"
    assert by_pos[2]["hashing"] == "identity" and by_pos[3]["hashing"] == "unhashable"
    assert by_pos[4]["hashing"] == "value" and by_pos[5]["kind"] == "str" and by_pos[6]["kind"] == "numbers"
    assert "0.5" not in str(facts)  # values never leave the kernel
    again = static_facts((1, 0.5, Plain(1.0), [1, 2], Frozen(2.0)), (1, 2, 4), keep)
    assert again[0]["digest"] == by_pos[1]["digest"] and again[2]["digest"] == by_pos[4]["digest"]
    assert again[1]["digest"] != by_pos[2]["digest"]  # a new object with the same contents: a new hash


def _call(static: list[dict[str, Any]], signature: str = "float32[8]", compiles: int = 0) -> dict[str, Any]:
    return {"static": static, "signature": signature, "compiles": compiles, "traces": compiles}


def _fact(pos: int, kind: str, hashing: str, digest: str | None) -> dict[str, Any]:
    return {"pos": pos, "kind": kind, "hashing": hashing, "digest": digest}


def test_each_configuration_rule_names_the_argument() -> None:
    params = ["w", "lr", "cfg"]
    floats = [_call([_fact(1, "float", "value", d)]) for d in ("a", "b", "c")]
    msg, details = configuration_problem(floats, params) or ("", {})
    assert "`lr` is a float" in msg and details["cause"] == "changing_float_static"
    same = [_call([_fact(1, "float", "value", "a")]) for _ in range(3)]
    assert configuration_problem(same, params) is None  # a constant static float is fine
    ident = [_call([_fact(2, "object", "identity", d)]) for d in ("x", "y", "z")]
    assert "`cfg` is an object hashed by identity" in (configuration_problem(ident, params) or ("",))[0]
    lam = [_call([_fact(2, "function", "identity", d)]) for d in ("x", "y")]
    assert "a new function" in (configuration_problem(lam, params) or ("",))[0]
    unhashable = [_call([_fact(1, "list", "unhashable", None)])]
    assert "`lr` is a list" in (configuration_problem(unhashable, params) or ("",))[0]
    ints = [_call([_fact(1, "int", "value", d)]) for d in ("a", "b")]
    assert configuration_problem(ints, params) is None  # a few static sizes or modes: that is configuration
    grow = [_call([], f"float32[{n},3]") for n in (4, 5, 6)]
    assert "`w` grows with every call" in (configuration_problem(grow, params) or ("",))[0]
    assert configuration_problem(grow, params, judge_growth=False) is None
    varied = [_call([], f"float32[{n},3]") for n in (4, 9, 6)]
    assert configuration_problem(varied, params) is None


def _run(**phases: dict[str, Any]) -> HarnessRun:
    run = HarnessRun()
    for name, data in phases.items():
        run.results[name] = {"name": name, "data": data, "error": None}
        run.order.append(name)
    return run


def test_a_shared_mistake_fails_even_when_the_reference_recompiles_too() -> None:
    calls = [_call([_fact(1, "float", "value", d)], compiles=1) for d in ("a", "b", "c")]
    sub = _run(load={"params": ["w", "lr"]}, calls={"calls": calls}, retrace={"calls": calls})
    ref = {"calls": {"calls": calls}, "retrace": {"calls": calls}}
    res = compile_checks.evaluate_retrace(Evidence({}, sub, ref, hidden_inputs=False))
    assert res.status == "fail" and "`lr`" in res.message and "traced arguments" in res.message


def test_a_lesson_must_declare_a_solution_that_recompiles() -> None:
    recompiling = {"calls": [_call([], compiles=1) for _ in range(4)], "calls_as_written": []}
    msg = lesson_design_problem({}, recompiling, lesson=True)
    assert msg is not None and "compiles 4 times" in msg and "expected_compiles" in msg
    assert lesson_design_problem({"expected_compiles": 4}, recompiling, lesson=True) is None
    assert "more than the 2" in (lesson_design_problem({"expected_compiles": 2}, recompiling, lesson=True) or "")
    assert lesson_design_problem({}, recompiling, lesson=False) is None  # `jaxtutor check`: no lesson
    once = {"calls": [_call([], compiles=1)] + [_call([]) for _ in range(3)]}
    assert lesson_design_problem({}, once, lesson=True) is None


def test_static_positions_include_the_learners_own_jit() -> None:
    from kernels.harness.probes import static_positions

    @functools.partial(jax.jit, static_argnums=(1,), static_argnames=("mode",))
    def g(x: Any, lr: float, mode: str = "a") -> Any:
        return x * lr

    class Ctx:
        static = (0,)

        def is_jitted(self, fn: Any) -> bool:
            return hasattr(fn, "lower") and hasattr(fn, "__wrapped__")

    assert static_positions(Ctx(), g) == (0, 1, 2)  # type: ignore[arg-type]
    assert static_positions(Ctx(), np.sum) == (0,)  # type: ignore[arg-type]
