"""Run by tests/sandbox/test_nonroot.py AS THE UNPRIVILEGED SERVER USER (not a test module itself).

Starts real sandboxed kernels through the provisioner the way a non-root ``jaxtutor serve`` does (settings
from the ``JAXTUTOR_*`` environment), probes them and prints one JSON document of observations; the test
asserts on it. argv[1]: JSON ``{"runtime_dir", "python", "helper"}``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kernels.launcher import KernelConfig, start_kernel
from kernels.runtime import ExecuteOptions, KernelHandle
from kernels.sandbox.cgroups import detect_layout
from kernels.sandbox.limits import SandboxLimits
from kernels.sandbox.readiness import check_sandbox, sweep_leftovers

IDENTITY = (
    "import os, json\n"
    "st = dict(l.split(':', 1) for l in open('/proc/self/status'))\n"
    "print(json.dumps({'uid': os.getuid(), 'euid': os.geteuid(), 'gid': os.getgid(), 'groups': os.getgroups(),"
    " 'cap_eff': st['CapEff'].strip(), 'cap_prm': st['CapPrm'].strip(), 'nnp': st['NoNewPrivs'].strip(),"
    " 'seccomp': st['Seccomp'].strip()}))"
)


async def cell(h: KernelHandle, code: str, timeout: float = 30) -> tuple[str, str]:
    result = await h.execute(code, ExecuteOptions(timeout=timeout))
    return result.reason.value, result.stdout()


def cgroup_dirs(kid: str, parent: str) -> list[str]:
    layout = detect_layout(parent=parent)
    return [
        str(d) for base in set(layout.bases.values()) if base.is_dir() for d in base.iterdir() if d.name.startswith(kid)
    ]


def processes_alive(pids: list[int]) -> list[str]:
    """Those of ``pids`` still running (zombies excluded: dead, only not reaped yet), as 'pid name state'."""
    alive = []
    for p in pids:
        try:
            st = dict(line.split(":", 1) for line in Path(f"/proc/{p}/status").read_text().splitlines())
        except (OSError, ValueError):
            continue
        state = st.get("State", "").strip()
        if not state.startswith("Z"):
            alive.append(f"{p} {st.get('Name', '').strip()} {state}")
    return alive


async def main(args: dict[str, Any]) -> dict[str, Any]:
    runtime, python, helper = args["runtime_dir"], args["python"], args["helper"]
    host = SandboxLimits.host_defaults()
    out: dict[str, Any] = {"euid": os.geteuid(), "groups": os.getgroups(), "mode": host.resolved_mode()}
    report = check_sandbox(runtime_dir=runtime, python=python, smoke=True)
    out["report"] = report.to_json()
    if not report.ready:
        return out
    out["swept"] = sweep_leftovers(runtime)

    # The helper runs things as the kernel user only: it cannot be talked into root.
    as_kernel = subprocess.run([helper, "id", "-u"], capture_output=True, text=True, check=False)
    out["helper_id"] = as_kernel.stdout.strip()
    to_root = subprocess.run(
        [helper, "setpriv", "--reuid=0", "--regid=0", "--clear-groups", "id", "-u"],
        capture_output=True,
        text=True,
        check=False,
    )
    out["helper_to_root"] = [to_root.returncode, to_root.stdout.strip()]

    limits = SandboxLimits(memory_mb=256, mode=host.mode, helper=host.helper, cgroup=host.cgroup)
    config = KernelConfig(runtime_dir=runtime, python=python, preload=False, sandbox_options=limits.to_options())
    t0 = time.monotonic()
    h = await start_kernel(config)
    out["start_s"] = round(time.monotonic() - t0, 2)
    kid = h.id
    kdir = Path(runtime) / "k" / kid
    try:
        st = kdir.stat()
        out["kdir"] = [st.st_uid, st.st_gid, oct(st.st_mode & 0o7777)]
        secret = kdir / "server-secret"
        secret.write_text("server only")
        secret.chmod(0o600)
        out["identity"] = await cell(h, IDENTITY)
        out["jax"] = await cell(h, "import jax, jax.numpy as jnp\nprint(float(jnp.ones(3).sum()))", timeout=90)
        out["secret"] = await cell(
            h,
            f"try:\n    print(open({str(secret)!r}).read())\nexcept PermissionError:\n    print('denied')",
        )
        out["helper_in_kernel"] = await cell(
            h,
            f"import subprocess\ntry:\n    subprocess.run([{helper!r}, 'id'])\n    print('ran')\n"
            "except PermissionError:\n    print('denied')",
        )
        assert h.km.provisioner is not None
        pids = h.km.provisioner._cgroups.pids()  # type: ignore[attr-defined]
        out["kernel_uids"] = sorted(
            {int(Path(f"/proc/{p}/status").read_text().split("Uid:")[1].split()[0]) for p in pids}
        )
        try:
            os.kill(pids[0], 0)
            out["server_can_signal_kernel"] = True
        except PermissionError:
            out["server_can_signal_kernel"] = False

        result = await h.execute("x = b'x' * (600 << 20)", ExecuteOptions(timeout=30))
        out["oom"] = [result.reason.value, result.message, result.kernel_lost]
        await h.restart()
        out["after_restart"] = await cell(h, "print(6 * 7)")
        out["cgroups_after_restart"] = len({Path(d).name for d in cgroup_dirs(kid, host.cgroup)})

        # A kernel that ignores interrupts must still be stopped: the kill goes through the helper.
        pids = h.km.provisioner._cgroups.pids()  # type: ignore[attr-defined]
        t0 = time.monotonic()
        result = await h.execute(
            "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True: pass",
            ExecuteOptions(timeout=1.0, interrupt_grace_s=1.0),
        )
        out["runaway"] = [result.reason.value, result.kernel_lost, round(time.monotonic() - t0, 1)]
        await asyncio.sleep(0.2)
        out["runaway_left"] = processes_alive(pids)
    finally:
        pids = h.km.provisioner._cgroups.pids() if h.km.provisioner and h.km.provisioner._cgroups else []  # type: ignore[attr-defined]
        t0 = time.monotonic()
        await h.shutdown()
        out["shutdown_s"] = round(time.monotonic() - t0, 2)
    await asyncio.sleep(0.2)
    out["left_after_shutdown"] = processes_alive(pids)
    out["kdir_after_shutdown"] = kdir.exists()
    out["cgroups_after_shutdown"] = cgroup_dirs(kid, host.cgroup)
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))))
