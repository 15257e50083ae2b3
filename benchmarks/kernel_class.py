"""A class that starts together, against a real server (``benchmarks/kernels.py --class-of 30``).

A ``jaxtutor serve`` subprocess on a SQLite file with the default kernel settings (sandboxed kernels from the
warm pool, ``max_session_kernels`` and the start queue as configured by default), N accounts that each open
the same lesson and press Run on ``print('hi')`` at a random moment within ``spread_s`` seconds, then poll
the way the page does. Memory is sampled every half second: the PSS of every process under the server
(its kernels) and the system's used memory (MemTotal - MemAvailable: on a shared machine it includes
others' work).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
LESSONS = REPO / "tests" / "web" / "lessons"
LESSON = "demo-add"


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _subtree(tree: dict[int, list[int]], root: int) -> list[int]:
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(tree.get(pid, []))
    return out


def tree_cpu_s(root: int) -> float:
    """CPU seconds used by ``root`` and every process under it, including those that already exited (a parent
    that waited for a child counts its CPU in cutime/cstime: released kernels end up in the server's)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in _subtree(_children(), root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / tick


def system_cpu_s() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat: the server's own count
    (``tree_cpu_s``) misses kernels whose sandbox died before reaping them, the machine's does not."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / tick, sum(fields[:8]) / tick


def kernel_pss_mib(server_pid: int) -> list[float]:
    """PSS of each kernel (each child process tree of the server: a sandbox and its kernel), in MiB."""
    tree = _children()
    return [sum(_pss_kib(p) for p in _subtree(tree, child)) / 1024 for child in tree.get(server_pid, [])]


def system_used_mib() -> float:
    info = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        key, value = line.split(":", 1)
        info[key] = int(value.split()[0])
    return (info["MemTotal"] - info["MemAvailable"]) / 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


async def _arrive(url: str, i: int) -> tuple[httpx.AsyncClient, str]:
    """Sign up and open the lesson, as each learner does before the class starts; the client and the page's
    CSRF token (bound to the login session, so read from the page after signing up)."""
    c = httpx.AsyncClient(base_url=url, timeout=120)
    await c.get("/signup")
    csrf = c.cookies.get("jaxtutor_csrf") or ""
    r = await c.post("/signup", data={"username": f"class{i:02d}", "password": "benchmark-pw", "csrf_token": csrf})
    if r.status_code >= 400:
        raise RuntimeError(f"signup {r.status_code}: {r.text[:200]}")
    page = await c.get(f"/lessons/{LESSON}")
    match = re.search(r'"X-CSRF-Token": "([^"]+)"', page.text)
    if page.status_code != 200 or match is None:
        raise RuntimeError(f"lesson page {page.status_code} without a CSRF token")
    return c, match.group(1)


#: The cells a class runs: ``print('hi')``, or (``--jax``) a first JAX computation, which a kernel started
#: without the preload (the light start of a busy server) pays for by importing JAX.
CELLS = {
    "hi": ("print('hi')", "hi\n"),
    "jax": ("import jax.numpy as jnp\nprint('sum', float(jnp.arange(4.0).sum()))", "sum 6.0"),
}


async def _learner(
    c: httpx.AsyncClient, csrf: str, start_at: float, out: dict[str, Any], poll_s: float, cell: str = "hi"
) -> None:  # one browser's worth of requests
    try:
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        hx = {"HX-Request": "true", "X-CSRF-Token": csrf}
        t0 = time.monotonic()
        code, marker = CELLS[cell]
        r = await c.post("/runs", data={"code": code, "scope": f"lesson:{LESSON}"}, headers=hx)
        if r.status_code != 200:
            out["errors"].append(f"run POST {r.status_code}: {r.text[:120]}")
            return
        html, first, latest = r.text, None, r.text
        while True:
            if first is None and marker in html:
                first = time.monotonic() - t0
            if "run-done" in html:
                break
            match = re.search(r'hx-get="(/runs/[^"]+)"', latest)
            if match is None:
                out["errors"].append("no poll link")
                return
            delay = re.search(r"delay:(\d+)ms", latest)  # the page's own poll interval, as a browser follows it
            await asyncio.sleep(int(delay.group(1)) / 1000 if delay else poll_s)
            r = await c.get(match.group(1).replace("&amp;", "&"), headers=hx)
            if r.status_code != 200:
                out["errors"].append(f"poll {r.status_code}")
                return
            for k in re.findall(r"position (\d+)", r.text):
                out["max_position"] = max(out["max_position"], int(k))
            html += r.text
            latest = r.text
        if first is None or "run-done ok" not in html:
            out["errors"].append("no output: " + re.sub(r"<[^>]+>", " ", html)[-200:])
            return
        out["first_output_s"].append(first)
    finally:
        await c.aclose()


async def class_benchmark(
    learners: int,
    spread_s: float,
    settle_s: float,
    cell: str = "hi",
    settings: dict[str, str] | None = None,
    server_log: Path | None = None,
) -> dict[str, Any]:
    """One class's figures; ``server_log``: keep the server's log there (each kernel start's queue and start
    times are logged, to see where the wait goes)."""
    base = "/run" if os.access("/run", os.W_OK) else "/tmp"
    root = Path(tempfile.mkdtemp(prefix="jtkc", dir=base))
    root.chmod(0o711)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAXTUTOR_")}
    env.update(
        {
            "JAXTUTOR_DATABASE_URL": f"sqlite:///{root}/class.db",
            "JAXTUTOR_DATA_DIR": str(root / "data"),
            "JAXTUTOR_RUNTIME_DIR": str(root / "rt"),
            "JAXTUTOR_LESSON_DIRS": f'["{LESSONS}"]',
            "JAXTUTOR_BUNDLED_LESSONS": "0",
            "JAXTUTOR_COOKIE_SECURE": "0",
            # The class shares one address here; in a real class each learner has their own.
            "JAXTUTOR_LOGIN_RATE_PER_MINUTE": "10000",
            "PYTHONPATH": str(REPO),
        }
    )
    env.update(settings or {})  # e.g. JAXTUTOR_MAX_SESSION_KERNELS=16: the same class under other settings
    log = open(root / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((sum(kernel_pss_mib(proc.pid)), system_used_mib()))
            stop.wait(0.5)

    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            if proc.poll() is not None:
                raise RuntimeError((root / "server.log").read_text()[-3000:])
            time.sleep(0.2)
        time.sleep(settle_s)  # the warm pool fills, as on a server that was up before the class came
        warm_pss = kernel_pss_mib(proc.pid)
        baseline_used = system_used_mib()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out: dict[str, Any] = {"errors": [], "first_output_s": [], "max_position": 0}
        # Everyone is signed in with the lesson open before the class starts pressing Run.
        arrived = []
        for batch in range(0, learners, 5):
            arrived += await asyncio.gather(*(_arrive(url, i) for i in range(batch, min(learners, batch + 5))))
        await asyncio.sleep(2.0)  # the server settles after the sign-ups (password hashing)
        load_before = os.getloadavg()[0]
        cpu_before = tree_cpu_s(proc.pid)
        busy_before, total_before = system_cpu_s()
        now = time.monotonic()
        rng = random.Random(1)
        t0 = time.monotonic()
        await asyncio.wait_for(
            asyncio.gather(*(_learner(c, csrf, now + rng.uniform(0, spread_s), out, 0.4, cell) for c, csrf in arrived)),
            timeout=600,
        )
        wall = time.monotonic() - t0
        load_after = os.getloadavg()[0]
        cpu_used = tree_cpu_s(proc.pid) - cpu_before
        busy_after, total_after = system_cpu_s()
        await asyncio.sleep(3)  # the last Runs' kernels go idle
        stop.set()
        sampler.join()
        idle = kernel_pss_mib(proc.pid)
        firsts = out["first_output_s"]
        return {
            "learners": learners,
            "cell": CELLS[cell][0],
            "settings": dict(settings or {}),
            "spread_s": spread_s,
            "wall_s": round(wall, 1),
            "load_avg_1min": [round(load_before, 1), round(load_after, 1)],
            "cpu_s": round(cpu_used, 1),
            "machine_cpu_busy_s": round(busy_after - busy_before, 1),
            "machine_cpu_busy_pct": round(100 * (busy_after - busy_before) / max(total_after - total_before, 1e-9)),
            "ok": len(firsts),
            "errors": out["errors"],
            "first_output_p50_s": round(_pct(firsts, 0.5), 2),
            "first_output_p95_s": round(_pct(firsts, 0.95), 2),
            "first_output_max_s": round(max(firsts), 2) if firsts else None,
            "max_queue_position_seen": out["max_position"],
            "warm_kernels_before": len(warm_pss),
            "warm_kernel_pss_mib": [round(p) for p in warm_pss],
            "peak_kernel_pss_mib": round(max(s[0] for s in samples)) if samples else None,
            "peak_system_used_mib": round(max(s[1] for s in samples)) if samples else None,
            "system_used_before_mib": round(baseline_used),
            "kernels_after": len(idle),
            "idle_kernel_pss_mib_median": round(statistics.median(idle)) if idle else None,
            "idle_kernel_pss_mib_max": round(max(idle)) if idle else None,
        }
    finally:
        stop.set()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        if server_log is not None:
            shutil.copyfile(root / "server.log", server_log)
        shutil.rmtree(root, ignore_errors=True)


def report_class(r: dict[str, Any]) -> None:
    cell = r["cell"].replace("\n", "; ")
    changed = " ".join(f"{k}={v}" for k, v in r["settings"].items()) or "default settings"
    print(
        f"class of {r['learners']} pressing Run on `{cell}` within {r['spread_s']:.0f} s "
        f"(real server, SQLite, {changed})"
    )
    print(f"  got output                 {r['ok']} of {r['learners']}; errors {len(r['errors'])}")
    for error in r["errors"][:5]:
        print(f"    {error}")
    print(
        f"  time to first output       p50 {r['first_output_p50_s']} s, p95 {r['first_output_p95_s']} s, "
        f"max {r['first_output_max_s']} s (wall {r['wall_s']} s)"
    )
    print(f"  largest queue position     {r['max_queue_position_seen']}")
    print(f"  CPU used by the class      {r['cpu_s']} s (server and the kernels it reaped, first press to last output)")
    print(
        f"  machine CPU busy           {r['machine_cpu_busy_s']} s, {r['machine_cpu_busy_pct']}% of all cores "
        "(everything on the machine, same interval)"
    )
    print(
        f"  load average (1 min)       {r['load_avg_1min'][0]} before, {r['load_avg_1min'][1]} after (2 cores, shared)"
    )
    print(f"  warm kernels before        {r['warm_kernels_before']} (PSS {r['warm_kernel_pss_mib']} MiB)")
    print(
        f"  peak memory                kernels' PSS {r['peak_kernel_pss_mib']} MiB; system used "
        f"{r['peak_system_used_mib']} MiB (before: {r['system_used_before_mib']} MiB, shared machine)"
    )
    print(
        f"  idle Run kernel PSS        median {r['idle_kernel_pss_mib_median']} MiB, max "
        f"{r['idle_kernel_pss_mib_max']} MiB over {r['kernels_after']} kernels (light and warm)"
    )
    print(r)
