"""Grading pipeline: reference → fresh kernel → harness → checks → report.

The reference solution runs in its own kernel (its observations are cached on disk per lesson
version), never in the kernel that runs the learner's code. Every submission gets a fresh kernel from
``KernelSource``; the sandbox or the warm pool slot in there without touching this module.
"""

from __future__ import annotations

import ast
import asyncio
import json
import time
from pathlib import Path
from typing import Any

from app.config import Settings
from app.grader.checks import compile as compile_checks
from app.grader.checks import correctness, prng, program, purity, speedup, transforms
from app.grader.checks.base import Evidence
from app.grader.driver import HarnessRun, PhaseBudgets, harness_digest, run_harness
from app.grader.explain import explain
from app.grader.kernel_source import KernelSource, default_source
from app.grader.report import CheckResult, Report
from app.lessons.model import CHECK_NAMES, Lesson
from kernels.launcher import KernelConfig
from kernels.pool import PoolFull
from kernels.runtime import KernelHandle, KernelStartError

MAX_SOURCE_BYTES = 256 * 1024


def kernel_config(
    settings: Settings, *, device_count: int = 0, purpose: str = "grading", libs: bool = True
) -> KernelConfig:
    """``libs``: preload flax/optax too (pool kernels always do; cold grading kernels only when needed)."""
    return KernelConfig(
        preload_libs=libs,
        runtime_dir=str(settings.runtime_dir),
        python=settings.kernel_python_path(),
        sandbox=not settings.unsafe_no_sandbox,
        ready_timeout_s=settings.kernel_ready_timeout_s,
        max_message_bytes=settings.kernel_max_message_bytes,
        device_count=device_count,
        sandbox_options=sandbox_options(settings),
        purpose=purpose,
    )


def sandbox_options(settings: Settings) -> dict[str, Any]:
    return {k: v for k, v in settings.model_dump(mode="json").items() if k.startswith(("sandbox_", "gpu_"))}


def budgets(settings: Settings, limits: dict[str, Any] | None = None) -> PhaseBudgets:
    lim = limits or {}
    return PhaseBudgets(
        load_s=float(lim.get("load_s") or settings.grade_load_timeout_s),
        phase_s=float(lim.get("phase_s") or settings.grade_phase_timeout_s),
        compile_s=float(lim.get("compile_s") or settings.grade_compile_timeout_s),
        total_s=float(lim.get("total_s") or settings.grade_total_timeout_s),
    )


async def _with_kernel(
    source: KernelSource, config: KernelConfig, plan: dict[str, Any], phase_budgets: PhaseBudgets
) -> HarnessRun:
    try:
        kernel = await source.acquire(config)
    except PoolFull as exc:
        raise KernelStartError(str(exc)) from exc
    try:
        return await run_harness(kernel, plan, phase_budgets)
    finally:
        await source.release(kernel)


# -- lessons ----------------------------------------------------------------------------------------
def _check_cfgs(lesson: Lesson) -> dict[str, dict[str, Any]]:
    checks = lesson.meta.checks
    return {name: getattr(checks, name).model_dump() for name in checks.enabled()}


def _plan(lesson: Lesson, source: str, role: str) -> dict[str, Any]:
    return {
        "role": role,
        "source": source,
        "entry": lesson.meta.entry,
        "static_argnums": lesson.meta.static_argnums,
        "seeds": lesson.meta.seeds,
        "inputs_source": lesson.inputs,
        "baseline_source": lesson.baseline if role == "submission" else None,
        "checks": _check_cfgs(lesson),
        "x64": lesson.meta.kernel.x64,
        "hide_inputs": role == "submission",
    }


async def reference_record(lesson: Lesson, settings: Settings, source: KernelSource) -> dict[str, Any]:
    """Observations of the reference solution, computed once per lesson version and cached."""
    cache_dir = settings.reference_cache_dir
    key = (
        f"{lesson.id}-{lesson.content_hash}-h{harness_digest()}-jax{_jax_version()}-"
        f"{'gpu' if _has_gpu() else 'cpu'}.json"
    )
    path = cache_dir / key
    if path.exists():
        try:
            return dict(json.loads(path.read_text()))
        except (OSError, ValueError):
            pass
    config = kernel_config(
        settings, device_count=lesson.meta.kernel.device_count, purpose="reference", libs=_needs_libs(lesson)
    )
    plan = _plan(lesson, lesson.solution, "reference")
    cache = compile_cache_dir(settings)
    if cache is not None:
        # Trusted lesson code only: a writable cache shared with learner kernels could be poisoned.
        config.sandbox_options["sandbox_rw_binds"] = [str(cache)]
        plan["compile_cache_dir"] = str(cache)
    run = await _with_kernel(
        source,
        config,
        plan,
        budgets(settings, lesson.meta.limits.model_dump()),
    )
    problems = [n for n in run.order if run.error(n)]
    if run.died or run.timed_out_phase or run.tamper or problems or not run.done:
        raise ReferenceBroken(lesson.id, run)
    record = {name: run.data(name) for name in run.order}
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record))
    tmp.replace(path)
    return record


def compile_cache_dir(settings: Settings) -> Path | None:
    """The persistent XLA cache for reference kernels, readable and writable by the kernel user."""
    if not settings.compilation_cache:
        return None
    path = settings.data_dir / "xla-cache"
    if not settings.unsafe_no_sandbox:
        from kernels.sandbox.provisioner import reachable_by_others

        # The kernel user must reach it, and the sandbox's private /tmp would hide anything below /tmp.
        resolved = path.resolve()
        hidden = resolved.is_relative_to("/tmp") or resolved.is_relative_to("/dev/shm")  # noqa: S108
        if not reachable_by_others(resolved) or hidden:
            return None
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not settings.unsafe_no_sandbox:
            import os
            import pwd

            user = pwd.getpwnam(settings.sandbox_user)
            os.chown(path, os.getuid(), user.pw_gid)
            path.chmod(0o2770)
    except (OSError, KeyError):
        return None
    return path


class ReferenceBroken(RuntimeError):
    def __init__(self, lesson_id: str, run: HarnessRun) -> None:
        errs = {n: run.error(n) for n in run.order if run.error(n)}
        detail = (
            (run.timed_out_phase and f"timed out in {run.timed_out_phase}")
            or (run.died and run.died[1])
            or json.dumps(errs)[:500]
        )
        super().__init__(f"the reference solution of lesson {lesson_id!r} failed: {detail}")


async def _discard(task: asyncio.Future[KernelHandle], src: KernelSource) -> None:
    try:
        kernel = await task
    except Exception:
        return
    await src.release(kernel)


def _needs_libs(lesson: Lesson | None, *sources: str) -> bool:
    """Whether the code that will run mentions the neural-network stack (then preload it)."""
    texts = list(sources)
    if lesson is not None:
        texts += [lesson.solution, lesson.starter, lesson.inputs, lesson.baseline or ""]
    return any(lib in text for text in texts for lib in ("flax", "optax", "orbax", "chex"))


def _jax_version() -> str:
    from importlib.metadata import version

    return version("jax")


def _has_gpu() -> bool:
    return any(Path("/dev").glob("nvidia[0-9]*"))


async def grade_lesson(lesson: Lesson, code: str, settings: Settings, source: KernelSource | None = None) -> Report:
    src = source or default_source(settings)
    started = time.monotonic()
    report = Report(lesson=lesson.id)
    if len(code.encode()) > MAX_SOURCE_BYTES:
        report.error = f"The submission is larger than {MAX_SOURCE_BYTES // 1024} KiB."
        return report
    config = kernel_config(settings, device_count=lesson.meta.kernel.device_count, libs=_needs_libs(lesson, code))
    # Start the submission's kernel while the reference record is loaded (or computed).
    kernel_task = asyncio.ensure_future(src.acquire(config))
    try:
        ref = await reference_record(lesson, settings, src)
    except (KernelStartError, ReferenceBroken) as exc:
        await _discard(kernel_task, src)
        report.error = (
            f"The grader could not start a kernel: {exc}"
            if isinstance(exc, KernelStartError)
            else f"This lesson is broken ({exc}); please tell your instructor."
        )
        return report
    report.timings["reference_s"] = time.monotonic() - started
    t0 = time.monotonic()
    try:
        kernel = await kernel_task
    except (KernelStartError, PoolFull) as exc:
        report.error = f"The grader could not start a kernel: {exc}"
        return report
    report.timings["kernel_wait_s"] = time.monotonic() - t0
    try:
        run = await run_harness(
            kernel, _plan(lesson, code, "submission"), budgets(settings, lesson.meta.limits.model_dump())
        )
    finally:
        await src.release(kernel)
    report.timings["grading_s"] = time.monotonic() - t0
    _fill(report, run, _check_cfgs(lesson), ref, tuple(lesson.meta.static_argnums), report_only_speedup=False)
    report.timings["total_s"] = time.monotonic() - started
    return report


# -- free code (`jaxtutor check`) --------------------------------------------------------------------
def defined_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


async def grade_free_code(
    source: str,
    settings: Settings,
    *,
    entry: str = "f",
    static_argnums: tuple[int, ...] = (),
    min_speedup: float | None = None,
    kernel_source: KernelSource | None = None,
    device_count: int = 0,
) -> Report:
    src = kernel_source or default_source(settings)
    started = time.monotonic()
    report = Report()
    names = defined_names(source)
    checks: dict[str, dict[str, Any]] = {
        "correctness": {"weight": 3.0},
        "purity": {},
        "prng": {},
        "jit": {},
        "retrace": {},
        "vectorization": {},
    }
    if "baseline" in names:
        threshold = min_speedup if min_speedup is not None else 1.0
        checks["speedup"] = {"weight": 2.0, "cpu": threshold, "gpu": threshold, "jit_submission": False}
    plan = {
        "role": "submission",
        "source": source,
        "entry": entry,
        "static_argnums": list(static_argnums),
        "seeds": [0, 1, 2],
        "inputs_source": None,
        "baseline_source": None,
        "checks": checks,
        "reference_in_module": "reference" in names,
    }
    config = kernel_config(settings, device_count=device_count, libs=_needs_libs(None, source))
    try:
        run = await _with_kernel(src, config, plan, budgets(settings))
    except KernelStartError as exc:
        report.error = f"The grader could not start a kernel: {exc}"
        return report
    ref = None
    if "reference" in names:
        ref = {name.removeprefix("ref:"): run.data(name) for name in run.order if name.startswith("ref:")}
        ref = {k: v for k, v in ref.items() if v is not None}  # empty: defined, but its phases did not run
    _fill(report, run, checks, ref, static_argnums, report_only_speedup=min_speedup is None)
    report.timings["total_s"] = time.monotonic() - started
    return report


# -- verdicts ------------------------------------------------------------------------------------------
def _fill(
    report: Report,
    run: HarnessRun,
    checks: dict[str, dict[str, Any]],
    ref: dict[str, Any] | None,
    static: tuple[int, ...],
    *,
    report_only_speedup: bool,
) -> None:
    report.output = _clean_output(run.output)
    report.timings.update({f"phase_{k.replace(':', '_')}_s": v for k, v in run.phase_seconds.items()})
    report.timings.update(
        {f"phase_{k.replace(':', '_')}_compile_s": secs for k, (n, secs) in run.phase_compiles.items() if n}
    )
    report.timings.update({f"phase_{k.replace(':', '_')}_compiles": n for k, (n, _) in run.phase_compiles.items() if n})
    if run.tamper is not None or run.forged:
        parts: list[str] = []
        if run.tamper:
            parts += [f"changed `{c}`" for c in run.tamper.get("changed", [])[:3]]
            parts += list(run.tamper.get("blocked", []))[:3]
        if run.forged:
            parts.append("sent messages pretending to come from the grader")
        report.error = (
            "Grading stopped: your code interfered with the grader (" + "; ".join(parts) + "). "
            "Submissions must not monkeypatch jax/time/builtins, inspect frames, or fake results."
        )
        _all_error(report, checks, "Not graded: the grader detected tampering.")
        return
    if run.died is not None:
        phase = run.current_phase or "start-up"
        report.error = f"The kernel died while grading ({phase}): {run.died[1]}"
        _all_error(report, checks, f"Not graded: the kernel died ({run.died[0].value}).")
        return
    load_err = run.error("load")
    load = run.data("load") or {}
    if run.timed_out_phase in ("load", "startup"):
        report.error = "Loading your code took longer than the time limit (an infinite loop at module level?)."
        _all_error(report, checks, "Not graded: the code did not load.")
        return
    if load_err is not None:
        what, fix = explain(load_err)
        if load_err["type"] == "SyntaxError":
            caret = " " * max(0, (load_err.get("offset") or 1) - 1) + "^"
            report.error = (
                f"Syntax error on line {load_err.get('line')}: {load_err['message']}\n"
                f"    {load_err.get('text', '')}\n    {caret}"
            )
        else:
            loc = f" (line {load_err['line']})" if load_err.get("line") else ""
            report.error = f"Your code failed while loading{loc}: {what}. Fix: {fix}."
        _all_error(report, checks, "Not graded: the code did not load.")
        return
    if "load" in run.results and not load.get("entry_found"):
        report.error = "Your code does not define the function the task asks for (check its name)."
        _all_error(report, checks, "Not graded: the function is missing.")
        return
    if "load" in run.results and not load.get("entry_callable", True):
        report.error = "The name the task asks for is not a function."
        _all_error(report, checks, "Not graded: the function is missing.")
        return
    if load.get("example_args_found") is False:
        report.error = "Your file must define `example_args(seed=0)` returning a tuple of arguments."
        _all_error(report, checks, "Not graded: no example arguments.")
        return
    escape = _base_exception(run)
    if escape is not None:
        loc = f" on line {escape['line']}" if escape.get("line") else ""
        report.error = (
            f"Grading stopped: your code raised {escape['type']}{loc}, which would stop the grader "
            "itself (sys.exit(), exit(), KeyboardInterrupt or another BaseException). Return a value "
            "or raise an ordinary Exception instead."
        )
        _all_error(report, checks, "Not graded: the code tried to stop the grader.")
        return
    calls_problem, jit_problem = _prerequisites(run)
    for name in CHECK_NAMES:
        if name not in checks:
            continue
        blocker = None
        if name != "correctness" and calls_problem:
            blocker = calls_problem
        elif name in ("vectorization", "structure") and jit_problem:
            blocker = jit_problem
        if blocker:
            report.checks.append(
                CheckResult(name=name, status="skip", message=blocker, weight=float(checks[name].get("weight", 1.0)))
            )
            continue
        ev = Evidence(cfg=checks[name], sub=run, ref=ref, static_argnums=static)
        report.checks.append(_evaluate(name, ev, report_only_speedup))
    if not run.done and not run.timed_out_phase:
        report.error = "Grading did not finish."


def _base_exception(run: HarnessRun) -> dict[str, Any] | None:
    for name in run.order:
        err = run.error(name)
        if err and err.get("base_exception"):
            return err
    for call in (run.data("calls") or {}).get("calls", []):
        if call.get("error", {}).get("base_exception"):
            return dict(call["error"])
    return None


def _prerequisites(run: HarnessRun) -> tuple[str | None, str | None]:
    """Why checks that need a working call (or a working jit) cannot be judged, in plain words."""
    from app.grader.explain import sentence

    calls_problem = None
    if run.timed_out_phase == "calls":
        calls_problem = (
            "Not checked: calling your function took longer than the time limit (an infinite loop, "
            "or a very slow Python loop)."
        )
    for call in (run.data("calls") or {}).get("calls", []):
        if "arity_error" in call:
            calls_problem = (
                f"Not checked: your function cannot be called with the {call['n_args']} argument(s) "
                f"the task passes ({call['arity_error']})."
            )
        elif "error" in call:
            calls_problem = "Not checked: " + sentence(call["error"], prefix="calling your function raised an error. ")
        if calls_problem:
            break
    jit_problem = None
    jit_err = run.error("jit")
    if run.timed_out_phase == "jit":
        jit_problem = "Not checked: your function did not compile under jax.jit within the time limit."
    elif jit_err is not None:
        jit_problem = "Not checked: your function must work under jax.jit first (see the jit check)."
    return calls_problem, jit_problem


def _evaluate(name: str, ev: Evidence, report_only_speedup: bool) -> CheckResult:
    if name == "correctness":
        return correctness.evaluate(ev)
    if name == "purity":
        return purity.evaluate(ev)
    if name == "prng":
        return prng.evaluate(ev)
    if name == "jit":
        return compile_checks.evaluate_jit(ev)
    if name == "retrace":
        return compile_checks.evaluate_retrace(ev)
    if name == "vectorization":
        return program.evaluate_vectorization(ev)
    if name == "structure":
        return program.evaluate_structure(ev)
    if name == "vmap":
        return transforms.evaluate_vmap(ev)
    if name == "grad":
        return transforms.evaluate_grad(ev)
    return speedup.evaluate(ev, report_only=report_only_speedup)


def _all_error(report: Report, checks: dict[str, dict[str, Any]], message: str) -> None:
    for name in CHECK_NAMES:
        if name in checks:
            report.checks.append(
                CheckResult(name=name, status="error", message=message, weight=float(checks[name].get("weight", 1.0)))
            )


def _clean_output(text: str) -> str:
    import re

    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text or "")
    text = re.sub(r"(/[\w.\-]+)+/([\w.\-]+)", r"\2", text)
    return text[-2000:]
