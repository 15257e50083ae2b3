"""Grading pipeline: reference → fresh kernel → harness → checks → report.

The reference solution runs in its own kernel (its observations are cached on disk per lesson
version), never in the kernel that runs the learner's code. Every submission gets a fresh kernel from
``KernelSource``; the sandbox or the warm pool slot in there without touching this module.
"""

from __future__ import annotations

import ast
import asyncio
import hashlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.config import Settings
from app.grader.checks.registry import CliOptions, default_registry
from app.grader.driver import HarnessRun, PhaseBudgets, PhaseCallback, harness_digest, notify, run_harness
from app.grader.kernel_source import KernelSource, default_source
from app.grader.report import Report
from app.grader.verdicts import fill_report
from app.lessons.model import Lesson
from kernels.harness import cluster
from kernels.launcher import KernelConfig
from kernels.pool import PoolFull
from kernels.runtime import KernelHandle, KernelStartError

if TYPE_CHECKING:
    from app.lessons.model import Lesson

MAX_SOURCE_BYTES = 256 * 1024


def kernel_config(
    settings: Settings, *, device_count: int = 0, purpose: str = "grading", libs: bool = True
) -> KernelConfig:
    """``libs``: preload flax/optax too (pool kernels always do; cold grading kernels only when needed).
    Kernels from the warm pool are started from the session-kernel config (warm-up compiles included)."""
    return KernelConfig(
        preload_libs=libs,
        preload_warmup=purpose != "grading",
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
        backstop_ratio=settings.grade_backstop_ratio,
        calibration_s=settings.grade_calibration_reference_s,
        max_scale=settings.grade_budget_max_scale,
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
    return lesson.meta.checks.dumps()


def _plan(lesson: Lesson, source: str, role: str) -> dict[str, Any]:
    checks = _check_cfgs(lesson)
    return {
        "role": role,
        "source": source,
        "entry": lesson.meta.entry,
        "static_argnums": lesson.meta.static_argnums,
        "inputs_as_jax": lesson.meta.inputs_as == "jax",
        "seeds": lesson.meta.seeds,
        "inputs_source": lesson.inputs,
        "baseline_source": lesson.baseline,  # the reference kernel measures the baseline's compiled memory
        "checks": checks,
        "phases": default_registry().phase_plan(checks, role=role),
        "x64": lesson.meta.kernel.x64,
        "hide_inputs": role == "submission",
    }


async def reference_record(lesson: Lesson, settings: Settings, source: KernelSource) -> dict[str, Any]:
    """Observations of the reference solution, computed once per lesson version and cached."""
    cache_dir = settings.reference_cache_dir
    plan = _plan(lesson, lesson.solution, "reference")
    phases = hashlib.sha256(json.dumps(plan["phases"], sort_keys=True).encode()).hexdigest()[:8]
    key = (
        f"{lesson.id}-{lesson.content_hash}-h{harness_digest()}-p{phases}-jax{kernel_jax_version(settings)}-"
        f"{'gpu' if _has_gpu() else 'cpu'}.json"
    )
    path = cache_dir / key
    if path.exists():
        try:
            return dict(json.loads(path.read_text()))
        except (OSError, ValueError):
            pass
    config = kernel_config(
        settings, device_count=lesson.meta.kernel.device_count, purpose="reference", libs=needs_libs(lesson)
    )
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
    if run.died or run.timed_out_phase or run.time_limits or run.tamper or problems or not run.done:
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
        limited = next(iter(run.time_limits), None)
        detail = (
            (run.timed_out_phase and f"timed out in {run.timed_out_phase}")
            or (limited and f"ran out of time in {limited}: {json.dumps(run.time_limits[limited])[:300]}")
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


def needs_libs(lesson: Lesson | None, *sources: str) -> bool:
    """Whether the code that will run mentions the neural-network stack (then preload it)."""
    texts = list(sources)
    if lesson is not None:
        texts += [lesson.solution, lesson.starter, lesson.inputs, lesson.baseline or ""]
    return any(lib in text for text in texts for lib in ("flax", "optax", "orbax", "chex"))


def kernel_jax_version(settings: Settings) -> str:
    """JAX's version in the kernels' environment (the server's own may have none): part of cache keys."""
    from kernels.environment import kernel_package_version

    return kernel_package_version(settings.kernel_python_path(), "jax")


def _has_gpu() -> bool:
    return any(Path("/dev").glob("nvidia[0-9]*"))


async def grade_lesson(
    lesson: Lesson,
    code: str,
    settings: Settings,
    source: KernelSource | None = None,
    on_phase: PhaseCallback | None = None,
) -> Report:
    """``on_phase`` is told each phase as it starts: ``reference``, ``kernel``, then the harness's phases."""
    src = source or default_source(settings)
    started = time.monotonic()
    report = Report(lesson=lesson.id)
    if len(code.encode()) > MAX_SOURCE_BYTES:
        report.error = f"The submission is larger than {MAX_SOURCE_BYTES // 1024} KiB."
        return report
    config = kernel_config(settings, device_count=lesson.meta.kernel.device_count, libs=needs_libs(lesson, code))
    # Start the submission's kernel while the reference record is loaded (or computed).
    kernel_task = asyncio.ensure_future(src.acquire(config))
    notify(on_phase, "reference")
    try:
        ref = await reference_record(lesson, settings, src)
    except (KernelStartError, ReferenceBroken) as exc:
        await _discard(kernel_task, src)
        report.error = (
            f"The grader could not start a kernel: {exc}"
            if isinstance(exc, KernelStartError)
            else f"This lesson is broken ({exc}); please tell your instructor."
        )
        if isinstance(exc, KernelStartError):
            report.infrastructure = "a grading kernel could not start"
        return report
    report.timings["reference_s"] = time.monotonic() - started
    t0 = time.monotonic()
    notify(on_phase, "kernel")
    try:
        kernel = await kernel_task
    except (KernelStartError, PoolFull) as exc:
        report.error = f"The grader could not start a kernel: {exc}"
        report.infrastructure = "a grading kernel could not start"
        return report
    report.timings["kernel_wait_s"] = time.monotonic() - t0
    try:
        run = await run_harness(
            kernel,
            with_cluster_phase(_plan(lesson, code, "submission"), settings),
            budgets(settings, lesson.meta.limits.model_dump()),
            on_phase=on_phase,
        )
    finally:
        await src.release(kernel)
    report.timings["grading_s"] = time.monotonic() - t0

    fill_report(
        report,
        run,
        _check_cfgs(lesson),
        ref,
        tuple(lesson.meta.static_argnums),
        source=code,
        output_limit=settings.grade_output_limit_chars,
    )
    calls = (run.data("calls") or {}).get("calls") or [{}]
    report.cluster = cluster.from_run(
        run.data("cluster"), run.error("load"), calls[0].get("error"), settings.cluster_const_max_elements
    )
    report.timings["total_s"] = time.monotonic() - started
    return report


def with_cluster_phase(plan: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """A learner submission's plan with the ``cluster`` phase (``kernels.harness.cluster``) appended: not a
    check, and last, so that its tracing warms no cache and disturbs no count of the phases that judge."""
    cfg = {"const_max_elements": settings.cluster_const_max_elements, "max_chars": settings.cluster_max_chars}
    phases = [*plan["phases"], {"name": "cluster", "run": "cluster.trace", "args": {}}]
    return {**plan, "cluster": cfg, "phases": phases}


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


def free_code_kernel_config(settings: Settings, source: str, device_count: int = 0) -> KernelConfig:
    """The kernel `grade_free_code` asks for: callers that start it early (the CLI) ask for the same one."""
    return kernel_config(settings, device_count=device_count, libs=needs_libs(None, source))


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
    registry = default_registry()
    # Which checks run, with what config, and which are only reported: each check's own `cli` default.
    checks, report_only = registry.cli_checks(CliOptions(names=frozenset(names), min_speedup=min_speedup))
    plan = {
        "role": "submission",
        "source": source,
        "entry": entry,
        "static_argnums": list(static_argnums),
        "seeds": [0, 1, 2],
        "inputs_source": None,
        "baseline_source": None,
        "checks": checks,
        "phases": registry.phase_plan(checks, role="submission", reference_in_module="reference" in names),
        "reference_in_module": "reference" in names,
    }
    config = free_code_kernel_config(settings, source, device_count)
    try:
        run = await _with_kernel(src, config, plan, budgets(settings))
    except KernelStartError as exc:
        report.error = f"The grader could not start a kernel: {exc}"
        return report

    ref = None
    if "reference" in names:
        ref = {name.removeprefix("ref:"): run.data(name) for name in run.order if name.startswith("ref:")}
        ref = {k: v for k, v in ref.items() if v is not None}  # empty: defined, but its phases did not run
    fill_report(
        report,
        run,
        checks,
        ref,
        static_argnums,
        report_only=report_only,
        source=source,
        hidden_inputs=False,
        output_limit=settings.grade_output_limit_chars,
    )
    report.timings["total_s"] = time.monotonic() - started
    return report
