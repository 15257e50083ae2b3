"""Execute round trip and grading throughput: local kernels vs the same kernels behind a Kernel Gateway.

    .venv/bin/python -m benchmarks.gateway [--n 200] [--gradings 4] [--sandbox]

Starts a real ``jupyter kernelgateway`` on 127.0.0.1 (kernels.gateway.command) serving the jaxtutor
kernelspec; without ``--sandbox`` both sides use the UNSAFE local provisioner. Prints the execute round
trip p50/p95 (``pass``) for a local ``start_kernel`` kernel and a ``GatewayKernel`` and their difference
(target: within 2 ms, i.e. no ~40 ms Nagle stall), then gradings per minute for a few small programs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from app.config import Settings
from app.grader.kernel_source import ColdKernels, GatewayKernels, KernelSource
from app.grader.pipeline import grade_free_code, kernel_config
from kernels.gateway.client import start_gateway_kernel
from kernels.gateway.command import gateway_command
from kernels.gateway.kernelspec import write_kernelspec
from kernels.launcher import KernelConfig, start_kernel
from kernels.runtime import ExecuteOptions

PROGRAMS = [
    "import jax.numpy as jnp\n\ndef reference(x):\n    return jnp.tanh(x) * 2.0\n\n"
    "def example_args(seed=0):\n    return (jnp.linspace(-1.0, 1.0, 8) + seed,)\n\n"
    "def f(x):\n    return 2.0 * jnp.tanh(x)\n",
    "import jax.numpy as jnp\n\ndef reference(x, y):\n    return x @ y\n\n"
    "def example_args(seed=0):\n    return (jnp.ones((4, 4)) * seed, jnp.eye(4))\n\n"
    "def f(x, y):\n    return jnp.einsum('ij,jk->ik', x, y)\n",
    "import jax.numpy as jnp\n\ndef reference(x):\n    return jnp.cumsum(x)\n\n"
    "def example_args(seed=0):\n    return (jnp.arange(6.0) + seed,)\n\n"
    "def f(x):\n    return jnp.cumsum(x[::-1])[::-1]\n",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gateway(config: KernelConfig, spec_root: str) -> tuple[subprocess.Popen[bytes], str, str]:
    write_kernelspec(spec_root, config)
    port, token = _free_port(), secrets.token_hex(16)
    argv, env = gateway_command(port=port, spec_root=spec_root, runtime_dir=config.runtime_dir, token=token)
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/api", headers={"Authorization": f"token {token}"}, timeout=1).status_code == 200:
                return proc, url, token
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("the gateway did not come up")


async def round_trips(kernel: object, n: int) -> list[float]:
    opts = ExecuteOptions(timeout=10)
    for _ in range(20):  # warm up
        await kernel.execute("pass", opts)  # type: ignore[attr-defined]
    times = []
    for _ in range(n):
        t = time.perf_counter()
        await kernel.execute("pass", opts)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - t) * 1000)
    return times


def _p(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


async def gradings(settings: Settings, source: KernelSource, count: int) -> tuple[float, list[str]]:
    t = time.monotonic()
    verdicts: list[str] = []
    for i in range(count):
        report = await grade_free_code(PROGRAMS[i % len(PROGRAMS)], settings, kernel_source=source)
        verdicts.append(report.status)
    return count / (time.monotonic() - t) * 60, verdicts


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--gradings", type=int, default=3)
    ap.add_argument("--sandbox", action="store_true", help="use the bubblewrap sandbox (root, /run/jaxtutor)")
    args = ap.parse_args()
    if args.sandbox:
        settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="jtdata")))
        settings.ensure_dirs()
    else:
        rt = tempfile.mkdtemp(prefix="jtb", dir="/tmp")
        settings = Settings(
            unsafe_no_sandbox=True, runtime_dir=Path(rt), data_dir=Path(tempfile.mkdtemp(prefix="jtdata"))
        )
    config = kernel_config(settings)
    config.python = sys.executable if not args.sandbox else config.python
    spec_root = tempfile.mkdtemp(prefix="jtspec")
    proc, url, token = start_gateway(config, spec_root)
    try:
        local = await start_kernel(config)
        remote = await start_gateway_kernel(config, url, token)
        try:
            lt = await round_trips(local, args.n)
            rt_ = await round_trips(remote, args.n)
        finally:
            await local.shutdown()
            await remote.shutdown()
        lp, rp = statistics.median(lt), statistics.median(rt_)
        print(f"execute round trip ({'sandbox' if args.sandbox else 'unsafe-local'}, n={args.n}):")
        print(f"  local   p50 {lp:6.2f} ms  p95 {_p(lt, 0.95):6.2f} ms")
        print(f"  gateway p50 {rp:6.2f} ms  p95 {_p(rt_, 0.95):6.2f} ms")
        print(f"  difference p50 {rp - lp:+.2f} ms  ({'OK' if rp - lp <= 2.0 else 'ABOVE'} the 2 ms target)")
        if args.gradings:
            await grade_free_code(PROGRAMS[0], settings)  # warm the reference/compilation caches
            lr, lv = await gradings(settings, ColdKernels(), args.gradings)
            gr, gv = await gradings(settings, GatewayKernels(url, token), args.gradings)
            print(f"grading throughput (cold kernel per grading, {args.gradings} programs, sequential):")
            print(f"  local   {lr:6.1f} gradings/min  verdicts {lv}")
            print(f"  gateway {gr:6.1f} gradings/min  verdicts {gv}")
    finally:
        proc.terminate()
        proc.wait(10)
        os.environ.pop("KG_AUTH_TOKEN", None)


if __name__ == "__main__":
    asyncio.run(main())
