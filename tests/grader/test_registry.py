"""The check registry is the single source: a check registered here (a toy one, defined in this test file
only) appears in the lesson schema, the kernel's phase plan, `jaxtutor check`'s defaults and the report,
with nothing else edited. Also: the bundled registry plans the phases in the order the harness always ran
them, and every harness function it names exists."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import Field, ValidationError

from app.grader.checks.base import Evidence, phase_problem, result
from app.grader.checks.compile import JIT_PHASE
from app.grader.checks.registry import BUNDLED, Check, CheckConfig, CliDefault, CliOptions, Phase, default_registry
from app.grader.driver import HarnessRun
from app.grader.report import CheckResult, Report
from app.grader.verdicts import fill_report
from app.lessons.model import CHECK_NAMES, LessonMeta, lesson_meta_model
from kernels.harness import run as harness_run


# -- the toy check: everything a check declares, in one place -----------------------------------------
class ToyCheck(CheckConfig):
    max_calls: int = Field(2, ge=1, description="At most this many calls counted by the toy probe.")


def _evaluate_toy(ev: Evidence) -> CheckResult:
    problem = phase_problem(ev, "toy", "toy", "Counting calls")
    if problem:
        return problem
    counted = int((ev.sub.data("toy") or {}).get("count", 0))
    limit = int(ev.cfg.get("max_calls", 2))
    if counted > limit:
        return result(ev, "toy", "fail", f"{counted} calls, at most {limit} allowed.", count=counted)
    return result(ev, "toy", "pass", f"{counted} calls.", count=counted)


def _toy_cli(options: CliOptions) -> CliDefault | None:
    return CliDefault({"max_calls": 1}, scored=False) if "toy_budget" in options.names else None


TOY = Check(
    name="toy",
    config=ToyCheck,
    evaluate=_evaluate_toy,
    # An existing harness function under the toy's own phase name (a real check would add its probe).
    phases=lambda cfg: [JIT_PHASE, Phase("toy", "probes.retrace", last=True)],
    reference_phases=lambda cfg: [Phase("toy", "probes.retrace")],
    judges=("toy", "ref:toy"),
    needs=("calls", "jit"),
    after=("correctness",),
    cli=_toy_cli,
)
REGISTRY = default_registry().with_checks(TOY)

LOAD = {"entry": "f", "entry_found": True, "entry_callable": True}
OUT = {"treedef": "PyTreeDef(*)", "leaves": [{"path": "", "kind": "scalar", "value": 1.0}]}
CALLS = {"calls": [{"seed": 0, "n_args": 1, "output": OUT}]}
META = {"id": "demo", "title": "Demo lesson", "step": 1}


def _run(**phases: dict[str, Any]) -> HarnessRun:
    run = HarnessRun(done=True)
    for name, data in {"load": LOAD, **phases}.items():
        run.results[name] = {"name": name, "data": data, "error": None}
        run.order.append(name)
    return run


def test_the_toy_check_is_in_the_lesson_schema() -> None:
    model = lesson_meta_model(REGISTRY)
    meta = model.model_validate({**META, "checks": {"toy": {"max_calls": 5}}, "starter_fails": ["toy"]})
    assert meta.checks.enabled() == ["toy"]
    toy = meta.checks.config("toy", ToyCheck)
    assert toy is not None and toy.max_calls == 5 and meta.checks.dumps() == {"toy": {"weight": 1.0, "max_calls": 5}}
    with pytest.raises(ValidationError) as bad:
        model.model_validate({**META, "checks": {"toy": {"max_calls": 0}}})
    assert bad.value.errors()[0]["loc"] == ("checks", "toy", "max_calls")
    with pytest.raises(ValidationError):
        model.model_validate({**META, "checks": {"toy": {"unknown": 1}}})
    schema = model.model_json_schema()
    assert "toy" in schema["$defs"]["Checks"]["properties"]
    # The bundled lesson format knows no toy check: only the registry put it there.
    with pytest.raises(ValidationError):
        LessonMeta.model_validate({**META, "checks": {"toy": {}}})
    with pytest.raises(ValidationError, match="unknown check name"):
        LessonMeta.model_validate({**META, "checks": {"jit": {}}, "starter_fails": ["toy"]})
    assert lesson_meta_model(default_registry()) is LessonMeta and "toy" not in CHECK_NAMES


def test_the_toy_check_is_in_the_phase_plan_and_the_harness_can_run_it() -> None:
    checks = {"correctness": {}, "purity": {}, "toy": {"max_calls": 2}}
    plan = REGISTRY.phase_plan(checks, role="submission", reference_in_module=True)
    names = [p["name"] for p in plan]
    assert names == ["load", "calls", "purity", "jit", "toy", "ref:load", "ref:calls", "ref:toy"]
    assert plan[4] == {"name": "toy", "run": "probes.retrace", "args": {}}
    reference = [p["name"] for p in REGISTRY.phase_plan(checks, role="reference")]
    assert reference == ["load", "calls", "toy"]
    # The harness resolves every planned phase to its function before any learner code runs.
    resolved = harness_run._phases({"phases": plan})
    assert [name for name, _ in resolved] == names and all(callable(fn) for _, fn in resolved)


def test_the_toy_check_is_a_cli_default_when_it_applies() -> None:
    checks, report_only = REGISTRY.cli_checks(CliOptions(names=frozenset({"toy_budget"})))
    assert checks["toy"] == {"max_calls": 1} and report_only == {"toy"}
    assert "toy" not in REGISTRY.cli_checks(CliOptions())[0]


def test_the_toy_check_is_in_the_report_with_every_outcome() -> None:
    checks: dict[str, dict[str, Any]] = {"toy": {"max_calls": 2}, "correctness": {}}
    jit = {"trace_ms": 1.0, "compile_ms": 1.0, "matches_eager": True}

    def statuses(run: HarnessRun, ref: dict[str, Any] | None = None, **kw: Any) -> dict[str, CheckResult]:
        report = Report()
        fill_report(report, run, checks, ref if ref is not None else {"calls": CALLS}, (), registry=REGISTRY, **kw)
        assert [c.name for c in report.checks] == ["correctness", "toy"]  # registry order: toy last
        return {c.name: c for c in report.checks}

    assert statuses(_run(calls=CALLS, jit=jit, toy={"count": 1}))["toy"].status == "pass"
    failed = statuses(_run(calls=CALLS, jit=jit, toy={"count": 3}))["toy"]
    assert failed.status == "fail" and failed.details == {"count": 3}
    limited = _run(calls=CALLS, jit=jit, toy={})
    limited.time_limits = {"toy": {"phase": "toy", "budget_s": 5.0, "doing": "running"}}
    assert statuses(limited)["toy"].message.startswith("Time limit: The 'toy' step")
    wrong = {"calls": [{"seed": 0, "n_args": 1, "output": {**OUT, "leaves": [{**OUT["leaves"][0], "value": 2.0}]}}]}
    blocked = statuses(_run(calls=wrong, jit=jit, toy={"count": 1}))["toy"]
    assert blocked.status == "skip" and "must pass correctness first" in blocked.message
    no_jit = _run(calls=CALLS, jit={}, toy={"count": 1})
    no_jit.results["jit"]["error"] = {"type": "TypeError", "message": "x", "mro": ["TypeError"]}
    assert "must work under jax.jit" in statuses(no_jit)["toy"].message
    unscored = statuses(_run(calls=wrong, jit=jit, toy={"count": 1}), report_only=("toy",))["toy"]
    assert unscored.status == "skip" and not unscored.applicable


def test_bundled_plans_keep_the_harness_order() -> None:
    everything = {name: {} for name in CHECK_NAMES} | {"structure": {"max_temp_ratio": 0.5}}
    plan = default_registry().phase_plan(everything, role="submission", reference_in_module=True)
    assert [p["name"] for p in plan] == [
        "load", "calls", "purity", "prng", "jit", "retrace", "vmap", "grad", "program",
        "speedup", "ref:load", "ref:calls", "ref:retrace", "ref:program", "ref:grad", "ref:baseline_program",
    ]  # fmt: skip
    # The baseline's compiled memory is lesson code on fixed inputs: measured with the reference (cached).
    reference = default_registry().phase_plan(everything, role="reference")
    assert [p["name"] for p in reference][-1] == "baseline_program"
    by = {p["name"]: p for p in plan}
    assert by["program"]["args"] == {"with_compile": True} and by["ref:program"]["args"] == {}
    assert by["ref:calls"]["args"] == {}  # canonical reference outputs only when correctness asks for them
    canonical = default_registry().phase_plan({"correctness": {"dtype": "canonical"}}, role="reference")
    assert canonical == [
        {"name": "load", "run": "run._load", "args": {}},
        {"name": "calls", "run": "run._calls", "args": {"canonical": True}},
    ]
    only_vectorization = default_registry().phase_plan({"vectorization": {}}, role="submission")
    assert [(p["name"], p["args"]) for p in only_vectorization][2:] == [("jit", {}), ("program", {})]
    assert harness_run._phases({"phases": plan})  # every bundled phase names a real harness function


def test_every_bundled_check_is_registered_once_with_its_schema() -> None:
    registry = default_registry()
    assert len(BUNDLED) == len(registry.names) == len(CHECK_NAMES)
    fields = LessonMeta.model_json_schema()["$defs"]["Checks"]["properties"]
    assert list(fields) == list(registry.names)
    with pytest.raises(ValueError, match="registered twice"):
        registry.with_checks(TOY, TOY)


def test_two_checks_that_disagree_on_a_shared_phase_are_refused() -> None:
    clash = Check(
        name="clash",
        config=CheckConfig,
        evaluate=_evaluate_toy,
        phases=lambda cfg: [Phase("program", "run._program", {"with_compile": False}, last=True)],
    )
    with pytest.raises(ValueError, match="disagree on harness phase 'program'"):
        default_registry().with_checks(clash).phase_plan({"structure": {}, "clash": {}}, role="submission")
