"""Grading latency and verdict stability, measured in one run.

    sudo .venv/bin/python -m benchmarks.grading [--repeat 5] [--stability 20] [--lessons a,b]

Prints, per bundled lesson, the latency of grading its solution:
- from a pre-started kernel (a warm kernel is started first and not timed), p50/p95;
- from a cold start (kernel start included), p50/p95;
then verdict stability: each solution graded ``--stability`` times while a second process keeps one
core busy; the verdict (overall status + each check's status) must be identical every time.
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
from app.grader.kernel_source import ColdKernels
from app.grader.pipeline import grade_lesson, kernel_config, reference_record
from app.lessons import load_catalog
from kernels.launcher import KernelConfig, start_kernel
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
    catalog = load_catalog(settings.lesson_dirs)
    wanted = args.lessons.split(",") if args.lessons else []
    lessons = [lesson for lesson in catalog.ordered() if not wanted or lesson.id in wanted]
    cold = ColdKernels()
    print(f"{'lesson':<34} {'warm p50':>9} {'warm p95':>9} {'cold p50':>9} {'cold p95':>9}  verdict")
    all_warm: list[float] = []
    all_cold: list[float] = []
    for lesson in lessons:
        await reference_record(lesson, settings, cold)
        warm_t: list[float] = []
        cold_t: list[float] = []
        verdict = ""
        for _ in range(args.repeat):
            kernel = await start_kernel(kernel_config(settings, device_count=lesson.meta.kernel.device_count))
            t0 = time.perf_counter()
            report = await grade_lesson(lesson, lesson.solution, settings, PrestartedKernels(kernel))
            warm_t.append(time.perf_counter() - t0)
            verdict = report.status
            t0 = time.perf_counter()
            await grade_lesson(lesson, lesson.solution, settings, cold)
            cold_t.append(time.perf_counter() - t0)
        all_warm += warm_t
        all_cold += cold_t
        print(
            f"{lesson.id:<34} {statistics.median(warm_t):9.2f} {_pct(warm_t, 0.95):9.2f} "
            f"{statistics.median(cold_t):9.2f} {_pct(cold_t, 0.95):9.2f}  {verdict}"
        )
    print(
        f"{'ALL (seconds)':<34} {statistics.median(all_warm):9.2f} {_pct(all_warm, 0.95):9.2f} "
        f"{statistics.median(all_cold):9.2f} {_pct(all_cold, 0.95):9.2f}"
    )

    if args.stability:
        stop = multiprocessing.Event()
        burner = multiprocessing.Process(target=_burn, args=(stop,), daemon=True)
        burner.start()
        unstable = 0
        try:
            for lesson in lessons:
                verdicts = []
                for _ in range(args.stability):
                    report = await grade_lesson(lesson, lesson.solution, settings, cold)
                    verdicts.append((report.status, tuple((c.name, c.status) for c in report.checks)))
                distinct = len(set(verdicts))
                same = max(verdicts.count(v) for v in set(verdicts))
                unstable += distinct > 1
                print(
                    f"stability {lesson.id:<34} {same}/{len(verdicts)} identical verdicts"
                    + ("" if distinct == 1 else f"  VARIED: {sorted(set(verdicts))}")
                )
        finally:
            stop.set()
            burner.join(timeout=5)
        print(f"stability: {len(lessons) - unstable}/{len(lessons)} lessons gave identical verdicts under load")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--stability", type=int, default=20)
    parser.add_argument("--lessons", default="")
    sys.exit(asyncio.run(main(parser.parse_args())))
