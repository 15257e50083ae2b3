"""The non-root server mode: what an unprivileged server needs to start and stop kernels as the kernel user.

A root server drops each kernel to the kernel uid with ``setpriv`` and signals it directly. A server running
as an ordinary user (``SandboxLimits.mode`` 'helper', or 'auto' with a non-zero euid) instead relies on:

* the **privileged helper** (``kernel_exec.c``, installed by ``scripts/setup-host.sh --server-user USER``):
  root-owned, group = the server's group, mode 0750, file capabilities ``cap_setuid,cap_setgid+ep``. It
  runs a command as the kernel user it was compiled for and nothing else (no uid argument: a setpriv copy
  with CAP_SETUID would let the server become root). The launch chain uses it instead of ``setpriv``, and
  the server uses it to signal kernels (a different uid cannot be signalled otherwise);
* **membership of the kernel user's group**: the kernel directory is ``<server>:<kernel group>`` 2770 until
  the sockets exist (the kernel creates them there with umask 007, so the server connects through the
  group), then 0750; the connection file is 0640 with the same owners;
* a **delegated cgroup subtree** (``SandboxLimits.cgroup``): owned by the server, so it creates, limits,
  joins and removes the kernels' cgroups itself (cgroup v1: writing one's own pid into a cgroup.procs file
  one may write; v2: systemd ``Delegate=yes``, the server's own cgroup).
"""

from __future__ import annotations

import os
import signal
import stat
import struct
import subprocess
from pathlib import Path

from kernels.sandbox.cgroups import Killer

CAP_SETGID = 6
CAP_SETUID = 7
VFS_CAP_FLAGS_EFFECTIVE = 0x000001
NEEDED_CAPS = {CAP_SETUID: "cap_setuid", CAP_SETGID: "cap_setgid"}


def file_capabilities(path: str | Path) -> tuple[set[int], bool] | None:
    """The permitted file capabilities of ``path`` and whether they are effective; None without any."""
    try:
        raw = os.getxattr(path, "security.capability")
    except OSError:
        return None
    if len(raw) < 12:
        return None
    magic, perm0 = struct.unpack_from("<II", raw, 0)
    perm1 = struct.unpack_from("<I", raw, 12)[0] if len(raw) >= 16 else 0
    permitted = perm0 | (perm1 << 32)
    caps = {bit for bit in range(64) if permitted >> bit & 1}
    return caps, bool(magic & VFS_CAP_FLAGS_EFFECTIVE)


def _status_field(name: str) -> str:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key == name:
                return value.strip()
    except OSError:
        pass
    return ""


def no_new_privs() -> bool:
    """This process runs with no_new_privs (systemd NoNewPrivileges=, docker no-new-privileges): file
    capabilities of anything it executes are ignored."""
    return _status_field("NoNewPrivs") == "1"


def bounding_set() -> int:
    try:
        return int(_status_field("CapBnd") or "0", 16)
    except ValueError:
        return 0


def helper_problem(helper: str) -> str | None:
    """Why the helper cannot switch this (non-root) process to the kernel user; None when it can."""
    path = Path(helper)
    try:
        st = path.stat()
    except OSError:
        return f"the helper {helper} is missing (run scripts/setup-host.sh --server-user USER as root)"
    if not stat.S_ISREG(st.st_mode) or st.st_uid != 0 or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"the helper {helper} must be a regular file owned by root and writable by root only"
    if st.st_mode & stat.S_IXOTH:
        return f"the helper {helper} is executable by everybody: it must be mode 0750, group = the server's group"
    if not os.access(path, os.X_OK):
        return f"the helper {helper} is not executable by this user (not in its group {st.st_gid})"
    caps = file_capabilities(path)
    missing = [name for bit, name in NEEDED_CAPS.items() if caps is None or bit not in caps[0]]
    if missing or caps is None or not caps[1]:
        return f"the helper {helper} lacks the file capabilities cap_setuid,cap_setgid+ep (setcap; see setup-host.sh)"
    if no_new_privs():
        return (
            "the server runs with no_new_privs (NoNewPrivileges= / no-new-privileges), which ignores file capabilities"
        )
    lacking = [name for bit, name in NEEDED_CAPS.items() if not bounding_set() >> bit & 1]
    if lacking:
        return "the server's capability bounding set lacks " + ", ".join(lacking) + " (e.g. docker --cap-drop)"
    return None


def in_group(gid: int) -> bool:
    return gid == os.getegid() or gid in os.getgroups()


def helper_killer(helper: str) -> Killer:
    """A ``cgroups.Killer`` that signals pids as the kernel user, through the helper."""

    def kill(pids: list[int], signum: int = signal.SIGKILL) -> None:
        if not pids:
            return
        script = 'sig=$1; shift; kill -"$sig" "$@" 2>/dev/null; exit 0'
        subprocess.run(
            [helper, "/bin/sh", "-c", script, "sh", str(int(signum)), *(str(int(p)) for p in pids)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={"PATH": "/usr/bin:/bin"},
            timeout=10,
            check=False,
        )

    return kill
