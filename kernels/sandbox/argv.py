"""The command line that starts one sandboxed kernel: a ``sh`` wrapper, rlimits, CPU pinning, the drop
to the kernel uid, and bubblewrap. Pure functions of a :class:`LaunchPlan`, so they are unit-tested
without starting anything.

Chain (each step ``exec``s the next, so the process jupyter-client holds is, at the end, bwrap)::

    sh -c '<join cgroups; umask 007; unset JPY_PARENT_PID; exec "$@" 9<seccomp.bpf>'
      prlimit --fsize --nofile --core=0 -- taskset -c CPUS --
      setpriv --reuid U --regid G --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs --
      bwrap <namespaces, mounts, seccomp on fd 9> -- python -m ipykernel_launcher ...

When the server is not root (``LaunchPlan.helper`` set), the ``setpriv`` step is the privileged helper
(``kernel_exec.c``): it switches to the kernel user it was built for, clears the groups and every
capability and sets no_new_privs; only the bounding set stays (emptying it needs CAP_SETPCAP, and under
no_new_privs nothing executed can gain a capability anyway).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kernels.sandbox.limits import SandboxLimits

SECCOMP_FD = 9
#: Host /etc files a kernel may read (everything else under /etc stays invisible, /etc/shadow included).
ETC_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/alternatives",
    "/etc/mime.types",
    "/etc/nsswitch.conf",
    "/etc/hosts",
)
#: Merged-/usr symlinks (or directories on older layouts).
ROOT_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
GPU_CONTROL_NODES = ("/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset")

Exists = Callable[[str], bool]


@dataclass
class LaunchPlan:
    """Everything the argv builders need, resolved on the host beforehand."""

    kernel_dir: str
    python: str
    uid: int
    gid: int
    limits: SandboxLimits
    seccomp_path: str
    cpus: list[int] = field(default_factory=list)  # CPUs to pin to; empty: no pinning
    procs_files: list[str] = field(default_factory=list)  # cgroup.procs files to join
    etc_dir: str = ""  # directory with the synthesized passwd and group files
    helper: str = ""  # non-root mode: the privileged helper replaces setpriv (it knows the kernel user)
    hostname: str = "sandbox"


def venv_root(python: str, exists: Exists = os.path.exists) -> str | None:
    """The virtual environment holding ``python`` (``<root>/bin/python``), if it is one."""
    root = Path(python).parent.parent
    return str(root) if exists(str(root / "pyvenv.cfg")) else None


def gpu_device_paths(indices: Sequence[int], exists: Exists = os.path.exists) -> list[str]:
    """Device nodes for the assigned GPUs only: control nodes, ``/dev/nvidiaN``, MIG caps."""
    if not indices:
        return []
    paths = [p for p in GPU_CONTROL_NODES if exists(p)]
    paths += [f"/dev/nvidia{i}" for i in indices if exists(f"/dev/nvidia{i}")]
    if exists("/dev/nvidia-caps"):
        paths.append("/dev/nvidia-caps")
    return paths


def gpu_env(limits: SandboxLimits, explicit_platforms: bool) -> dict[str, str]:
    """Environment for a kernel that was given GPUs (cooperative limits: cgroups do not bound GPU memory)."""
    if not limits.gpu_devices:
        return {}
    env = {
        "CUDA_DEVICE_ORDER": "PCI_BUS_ID",
        "CUDA_VISIBLE_DEVICES": ",".join(str(i) for i in limits.gpu_devices),
        "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
    }
    if not explicit_platforms:
        env["JAX_PLATFORMS"] = "cuda,cpu"
    if limits.gpu_mode == "shared":
        fraction = f"{limits.gpu_memory_fraction:.2f}"
        env["XLA_CLIENT_MEM_FRACTION"] = fraction
        env["XLA_PYTHON_CLIENT_MEM_FRACTION"] = fraction  # the older name
    return env


def bwrap_args(
    plan: LaunchPlan,
    kernel_cmd: Sequence[str],
    *,
    exists: Exists = os.path.exists,
    islink: Exists = os.path.islink,
    readlink: Callable[[str], str] = os.readlink,
) -> list[str]:
    """bwrap's argv: no network; from the host only /usr, a few /etc files, the venv and the kernel dir."""
    lim = plan.limits
    args = [
        "bwrap",
        "--unshare-all",  # user, ipc, pid, net (only lo), uts, cgroup
        "--unshare-user",
        "--disable-userns",  # no nested user namespaces (also denied by seccomp)
        "--die-with-parent",
        "--new-session",  # no TIOCSTI into a terminal (also denied by seccomp)
        "--hostname",
        plan.hostname,
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    for link in ROOT_LINKS:
        if islink(link):
            args += ["--symlink", readlink(link), link]
        elif exists(link):
            args += ["--ro-bind", link, link]
    for path in ETC_FILES:
        if exists(path):
            args += ["--ro-bind", path, path]
    if plan.etc_dir:
        args += [
            "--ro-bind",
            f"{plan.etc_dir}/passwd",
            "/etc/passwd",
            "--ro-bind",
            f"{plan.etc_dir}/group",
            "/etc/group",
        ]
    venv = venv_root(plan.python, exists)
    if venv:
        args += ["--ro-bind", venv, venv]
    for extra in lim.ro_binds:
        args += ["--ro-bind", extra, extra]
    for extra in lim.rw_binds:
        args += ["--bind", extra, extra]
    args += ["--bind", plan.kernel_dir, plan.kernel_dir]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(lim.shm_mb << 20), "--tmpfs", "/dev/shm"]  # noqa: S108 (the sandbox's own)
    gpus = gpu_device_paths(lim.gpu_devices, exists)
    for dev in gpus:
        args += ["--dev-bind", dev, dev]  # before /dev goes read-only; --bind would be nodev
    if gpus:
        args += ["--ro-bind", "/sys", "/sys"]  # cuInit needs it
    args += ["--remount-ro", "/dev"]
    args += ["--size", str(lim.scratch_mb << 20), "--tmpfs", "/tmp"]  # noqa: S108 (private tmpfs)
    args += ["--remount-ro", "/"]
    args += ["--chdir", "/tmp", "--seccomp", str(SECCOMP_FD), "--"]  # noqa: S108
    return args + list(kernel_cmd)


def outer_args(plan: LaunchPlan) -> list[str]:
    """rlimits, CPU pinning and the drop to the kernel uid (all before bwrap: bwrap never runs as root, nor
    as the server's uid)."""
    lim = plan.limits
    args = [
        "prlimit",
        f"--fsize={lim.file_size_mb << 20}",
        f"--nofile={lim.open_files}:{lim.open_files}",
        "--core=0",
        "--",
    ]
    if plan.cpus:
        args += ["taskset", "-c", ",".join(str(c) for c in plan.cpus)]
    if plan.helper:
        return [*args, plan.helper]
    args += [
        "setpriv",
        f"--reuid={plan.uid}",
        f"--regid={plan.gid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]
    return args


def wrapper_script(plan: LaunchPlan) -> str:
    """The ``sh`` that joins the cgroups (failing closed), sets the umask and opens the seccomp program."""
    lines = ["set -e"]
    lines += [f"echo $$ > {shlex.quote(f)}" for f in plan.procs_files]
    lines += [
        "umask 007",  # sockets the kernel creates stay connectable by the server's group
        "unset JPY_PARENT_PID PWD OLDPWD",  # pid 1 in the sandbox is not the server
        f'exec "$@" {SECCOMP_FD}< {shlex.quote(plan.seccomp_path)}',
    ]
    return "\n".join(lines)


def launch_command(plan: LaunchPlan, kernel_cmd: Sequence[str], **kw: Any) -> list[str]:
    """The full argv handed to jupyter-client's Popen."""
    return [
        "/bin/sh",
        "-c",
        wrapper_script(plan),
        "jaxtutor-kernel",
        *outer_args(plan),
        *bwrap_args(plan, kernel_cmd, **kw),
    ]


def pick_cpus(cpus: float, available: Sequence[int], start: int) -> list[int]:
    """``ceil(cpus)`` CPUs from ``available``, rotating by ``start`` so kernels spread over the host."""
    if not available:
        return []
    want = min(len(available), max(1, -int(-cpus // 1)))
    return [available[(start + i) % len(available)] for i in range(want)]
