"""Grading latency and verdict stability, measured in one run.

    sudo .venv/bin/python -m benchmarks.grading [--repeat 5] [--stability 20] [--burners 2] [--lessons a,b]

Prints, per bundled lesson, the latency of grading its solution:
- from a pre-started kernel (a warm kernel is started first and not timed), p50/p95;
- from a cold start (kernel start included), p50/p95;
with the number of XLA compilations the grading kernel performed (where grading time goes), and
clustering's share of grading time: the ``cluster`` phase (tracing the solution on the first input and
normalising its jaxpr, ``kernels.harness.cluster``) as measured by the host over the whole warm grading
(``clust%``), and the kernel's own trace + normalise time in milliseconds (``trace ms``);
then verdict stability: each solution and each starter graded ``--stability`` times while ``--burners``
processes (default 2) keep CPU cores busy, with kernels from a warm pool as the server does; the verdict
(overall status + each check's status) must be identical every time. ``--repeat 0`` skips the latency part.
Reference records are computed once up front (they are cached per lesson version in production).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from app.config import Settings
from app.grader.kernel_source import ColdKernels, PooledKernels
from app.grader.pipeline import grade_lesson, kernel_config, reference_record
from app.lessons import load_catalog
from kernels.launcher import KernelConfig, start_kernel
from kernels.pool import KernelPool, PoolLimits
from kernels.runtime import KernelHandle


class PrestartedKernels:
    """Hands out one kernel that was started before the clock began."""

    def __init__(self, kernel: KernelHandle) -> None:
        self.kernel = kernel

    async def acquire(self, config: KernelConfig) -> KernelHandle:
        return self.kernel

    async def release(self, kernel: KernelHandle) -> None:
        await kernel.shutdown()


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def _burn(stop: Any) -> None:
    x = 0
    while not stop.is_set():
        for i in range(100_000):
            x += i * i


async def main(args: argparse.Namespace) -> int:
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="jtbench")))
    settings.ensure_dirs()
    catalog = load_catalog(settings.all_lesson_dirs())  # the bundled lessons (lesson_dirs only adds to them)
    wanted = args.lessons.split(",") if args.lessons else []
    lessons = [lesson for lesson in catalog.ordered() if not wanted or lesson.id in wanted]
    cold = ColdKernels()
    for lesson in lessons:
        await reference_record(lesson, settings, cold)
    if args.repeat > 0:
        await _latency(args, settings, lessons)
    if args.stability:
        await _stability(args, settings, lessons)
    return 0


async def _latency(args: argparse.Namespace, settings: Settings, lessons: list[Any]) -> None:
    cold = ColdKernels()
    print(
        f"{'lesson':<34} {'warm p50':>9} {'warm p95':>9} {'cold p50':>9} {'cold p95':>9} compiles "
        f"{'clust%':>6} {'trace ms':>8}  verdict"
    )
    all_warm: list[float] = []
    all_cold: list[float] = []
    cluster_s: list[float] = []  # the cluster phase's seconds, and the gradings' (warm) seconds
    grading_s: list[float] = []
    for lesson in lessons:
        warm_t: list[float] = []
        cold_t: list[float] = []
        verdict = ""
        compiles = 0
        shares: list[float] = []
        kernel_ms: list[float] = []
        for _ in range(args.repeat):
            kernel = await start_kernel(kernel_config(settings, device_count=lesson.meta.kernel.device_count))
            t0 = time.perf_counter()
            report = await grade_lesson(lesson, lesson.solution, settings, PrestartedKernels(kernel))
            warm_t.append(time.perf_counter() - t0)
            verdict = report.status
            compiles = int(sum(v for k, v in report.timings.items() if k.endswith("_compiles")))
            phase, whole = report.timings.get("phase_cluster_s", 0.0), report.timings.get("grading_s", 0.0)
            cluster_s.append(phase)
            grading_s.append(whole)
            shares.append(100 * phase / whole if whole else 0.0)
            info = report.cluster or {}
            kernel_ms.append(float(info.get("trace_ms", 0.0)) + float(info.get("normalise_ms", 0.0)))
            t0 = time.perf_counter()
            await grade_lesson(lesson, lesson.solution, settings, cold)
            cold_t.append(time.perf_counter() - t0)
        all_warm += warm_t
        all_cold += cold_t
        print(
            f"{lesson.id:<34} {statistics.median(warm_t):9.2f} {_pct(warm_t, 0.95):9.2f} "
            f"{statistics.median(cold_t):9.2f} {_pct(cold_t, 0.95):9.2f} {compiles:8d} "
            f"{statistics.median(shares):6.1f} {statistics.median(kernel_ms):8.1f}  {verdict}"
        )
    print(
        f"{'ALL (seconds)':<34} {statistics.median(all_warm):9.2f} {_pct(all_warm, 0.95):9.2f} "
        f"{statistics.median(all_cold):9.2f} {_pct(all_cold, 0.95):9.2f}"
    )
    share = 100 * sum(cluster_s) / sum(grading_s) if sum(grading_s) else 0.0
    print(f"clustering's share of grading time: {share:.1f}% ({sum(cluster_s):.2f} s of {sum(grading_s):.2f} s)")


async def _stability(args: argparse.Namespace, settings: Settings, lessons: list[Any]) -> None:
    pool = KernelPool(kernel_config(settings), PoolLimits(warm_per_profile=1, max_per_owner=4))
    await pool.start()
    source = PooledKernels(pool)
    stop = multiprocessing.Event()
    burners = [multiprocessing.Process(target=_burn, args=(stop,), daemon=True) for _ in range(args.burners)]
    for burner in burners:
        burner.start()
    unstable = 0
    programs = [(lesson, which) for lesson in lessons for which in ("solution", "starter")]
    t_start = time.perf_counter()
    try:
        for lesson, which in programs:
            code = lesson.solution if which == "solution" else lesson.starter
            verdicts = []
            for _ in range(args.stability):
                report = await grade_lesson(lesson, code, settings, source)
                verdicts.append((report.status, tuple((c.name, c.status) for c in report.checks)))
            distinct = len(set(verdicts))
            same = max(verdicts.count(v) for v in set(verdicts))
            unstable += distinct > 1
            print(
                f"stability {lesson.id:<34} {which:<8} {same}/{len(verdicts)} identical verdicts ({verdicts[0][0]})"
                + ("" if distinct == 1 else f"  VARIED: {sorted(set(verdicts))}"),
                flush=True,
            )
    finally:
        stop.set()
        for burner in burners:
            burner.join(timeout=5)
        await pool.close()
    print(
        f"stability: {len(programs) - unstable}/{len(programs)} programs (solutions and starters) gave identical "
        f"verdicts with {args.burners} CPU burners ({len(programs) * args.stability} gradings in "
        f"{time.perf_counter() - t_start:.0f} s)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--stability", type=int, default=20)
    parser.add_argument("--lessons", default="")
    parser.add_argument("--burners", type=int, default=2, help="CPU-burning processes during --stability")
    sys.exit(asyncio.run(main(parser.parse_args())))
