"""Kernel benchmarks: cold start, warm-pool acquire to first JAX result, execute round trip, idle memory,
kernels per 24 GiB, and the sandbox's start overhead against the unsafe local provisioner.

    sudo .venv/bin/python benchmarks/kernels.py [--repeat 3] [--runtime-dir /run/jaxtutor]

``--class-of N`` (default 30) instead measures a class that starts together against a real server: a
``jaxtutor serve`` subprocess on SQLite with default kernel settings (sandboxed kernels, the warm pool),
N accounts, each opening the same lesson and pressing Run on ``print('hi')`` within ``--spread-s`` seconds
and polling like the page. Reported: time to first output p50/p95, errors, queue positions seen, peak
memory (the sum of the server's kernels' PSS, and the system's used memory), and the idle PSS of each
Run kernel left afterwards (warm Run kernels preload JAX and matplotlib.pyplot).

    sudo .venv/bin/python benchmarks/kernels.py --class-of 30 [--jax]

``--jax``: the class's cell imports JAX and prints a sum instead of ``print('hi')``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kernels.launcher import KernelConfig, start_kernel  # noqa: E402
from kernels.pool import KernelPool, PoolLimits, Profile  # noqa: E402
from kernels.runtime import ExecuteOptions, KernelHandle  # noqa: E402

JAX_CELL = "import jax.numpy as jnp; int(jnp.arange(10).sum())"


def _smaps_kib(pid: int, *keys: str) -> list[int]:
    """The process's ``/proc/<pid>/smaps_rollup`` figures for ``keys`` (kB; 0 when unreadable)."""
    found = dict.fromkeys(keys, 0)
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in found:
                found[key] = int(value.split()[0])
    except OSError:
        pass
    return [found[k] for k in keys]


def _mem_kib(pid: int) -> tuple[int, int]:
    rss, pss = _smaps_kib(pid, "Rss", "Pss")
    return rss, pss


def kernel_memory(handle: KernelHandle) -> tuple[float, float]:
    """(RSS, PSS) in MiB over every process of the kernel (its cgroup when sandboxed)."""
    prov = handle.km.provisioner
    cg = getattr(prov, "_cgroups", None)
    pids = cg.pids() if cg is not None else [prov.pid]  # type: ignore[union-attr]
    totals = [_mem_kib(p) for p in pids]
    return sum(t[0] for t in totals) / 1024, sum(t[1] for t in totals) / 1024


def _anon_mib(handle: KernelHandle) -> float:
    """The kernel's own (anonymous) memory: what each further kernel adds whatever it shares."""
    pid = handle.km.provisioner._cgroups.pids()[-1]  # type: ignore[union-attr]  # the kernel, inside bwrap
    return _smaps_kib(pid, "Pss_Anon")[0] / 1024


async def run_kernel_memory(runtime_dir: str) -> list[tuple[str, str]]:
    """Idle Run kernels as the server starts them (JAX, its warm-up and matplotlib.pyplot preloaded, no flax):
    the server's warm pool (2) and one a learner took and ran a first JAX cell in, all alive together (PSS
    shares the libraries' pages among them)."""
    from app.config import Settings
    from app.services.run.providers import session_kernel_config

    settings = Settings(runtime_dir=Path(runtime_dir))
    pool = KernelPool(session_kernel_config(settings), PoolLimits(warm_per_profile=2), warm_profiles=(Profile(),))
    await pool.start()
    try:
        await pool.wait_warm(180)
        used = await pool.acquire(Profile(), "bench")
        await used.execute(JAX_CELL, ExecuteOptions(timeout=60))
        await pool.wait_warm(180)
        await asyncio.sleep(1.0)
        warm = [h for hs in pool._warm.values() for h in hs]
        pss = [kernel_memory(h)[1] for h in [*warm, used]]
        anon = [_anon_mib(h) for h in [*warm, used]]
    finally:
        await pool.close()
    return [
        (
            "idle Run kernel memory, JAX+pyplot",
            f"PSS {', '.join(f'{p:.0f}' for p in pss)} MiB (2 warm, 1 used; 3 alive); own (anonymous) "
            f"{', '.join(f'{a:.0f}' for a in anon)} MiB",
        )
    ]


async def timed_start(config: KernelConfig) -> tuple[float, KernelHandle]:
    t = time.perf_counter()
    h = await start_kernel(config)
    return time.perf_counter() - t, h


async def main(repeat: int, runtime_dir: str) -> None:
    base = KernelConfig(runtime_dir=runtime_dir, purpose="bench")  # the kernel environment learners get
    rows: list[tuple[str, str]] = []

    async def cold(sandbox: bool, preload: bool) -> tuple[float, float]:
        starts, firsts = [], []
        for _ in range(repeat):
            cfg = KernelConfig(**{**base.__dict__, "sandbox": sandbox, "preload": preload})
            dt, h = await timed_start(cfg)
            t = time.perf_counter()
            await h.execute(JAX_CELL, ExecuteOptions(timeout=60))
            firsts.append(time.perf_counter() - t)
            starts.append(dt)
            await h.shutdown()
        return statistics.median(starts), statistics.median(firsts)

    s_np, j_np = await cold(True, False)
    u_np, uj_np = await cold(False, False)
    s_p, j_p = await cold(True, True)
    rows += [
        (
            "cold start, sandbox, no preload (ready)",
            f"{s_np * 1000:.0f} ms; first JAX cell {j_np * 1000:.0f} ms",
        ),
        (
            "cold start, unsafe local, no preload (ready)",
            f"{u_np * 1000:.0f} ms; first JAX cell {uj_np * 1000:.0f} ms",
        ),
        ("sandbox overhead on start", f"{(s_np - u_np) * 1000:+.0f} ms"),
        (
            "cold start, sandbox, JAX preloaded (ready)",
            f"{s_p * 1000:.0f} ms; first JAX cell {j_p * 1000:.0f} ms",
        ),
    ]

    pool = KernelPool(base, PoolLimits(warm_per_profile=1, max_per_owner=repeat + 1), warm_profiles=(Profile(),))
    await pool.start()
    acquires = []
    try:
        for i in range(repeat):
            await pool.wait_warm(120)
            t = time.perf_counter()
            h = await pool.acquire(Profile(), f"bench{i}")
            await h.execute(JAX_CELL, ExecuteOptions(timeout=60))
            acquires.append(time.perf_counter() - t)
            if i == repeat - 1:
                await pool.wait_warm(120)  # let the background refill finish: measure the kernel, not the refill
                trips = []
                for _ in range(30):
                    t = time.perf_counter()
                    await h.execute("1 + 1", ExecuteOptions(timeout=10))
                    trips.append(time.perf_counter() - t)
                trips.sort()
                rows.append(("execute round trip p50 / p90", f"{trips[15] * 1000:.1f} ms / {trips[27] * 1000:.1f} ms"))
                rss, pss = kernel_memory(h)
                rows.append(
                    ("idle kernel memory, JAX+flax+optax+pyplot", f"RSS {rss:.0f} MiB, PSS {pss:.0f} MiB (2 alive)")
                )
                fit = int(24 * 1024 // max(pss, 1))
                rows.append(("idle preloaded kernels in 24 GiB (by PSS)", f"{fit} (at the 2 GiB cap: 12)"))
            await pool.release(h)
    finally:
        await pool.close()
    rows.insert(4, ("warm pool acquire to first JAX result", f"{statistics.median(acquires) * 1000:.0f} ms"))
    rows += await run_kernel_memory(runtime_dir)

    width = max(len(r[0]) for r in rows)
    print(f"kernel benchmarks (median of {repeat})")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--runtime-dir", default="/run/jaxtutor")
    parser.add_argument("--class-of", type=int, default=0, help="Learners pressing Run together (0: the kernel rows).")
    parser.add_argument("--spread-s", type=float, default=10.0, help="The class presses Run within this many seconds.")
    parser.add_argument("--settle-s", type=float, default=30.0, help="Idle time before the class arrives.")
    parser.add_argument("--jax", action="store_true", help="The class runs a first JAX computation, not print('hi').")
    parser.add_argument(
        "--set", action="append", default=[], metavar="JAXTUTOR_X=V", help="A server setting (repeatable)."
    )
    parser.add_argument("--server-log", type=Path, help="With --class-of: keep the server's log at this path.")
    ns = parser.parse_args()
    if ns.class_of:
        from benchmarks.kernel_class import class_benchmark, report_class

        settings = dict(item.split("=", 1) for item in ns.set)
        cell = "jax" if ns.jax else "hi"
        report_class(asyncio.run(class_benchmark(ns.class_of, ns.spread_s, ns.settle_s, cell, settings, ns.server_log)))
    else:
        asyncio.run(main(ns.repeat, ns.runtime_dir))
