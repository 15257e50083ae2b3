"""Per-kernel cgroups (v1 controllers or the v2 unified tree): create, limit, join, read counters, remove.

A kernel joins its cgroups race-free: the launch wrapper (``sh``) writes its own pid into every
``cgroup.procs`` listed by :meth:`KernelCgroups.procs_files` before it ``exec``s bwrap, so every
descendant is born inside. Kernel cgroups live under ``<own cgroup>/jaxtutor/<name>`` so they share
the server's own budget where it has one; ``SandboxLimits.cgroup`` names another parent (a subtree that
root delegated to a non-root server: ``scripts/setup-host.sh --server-user``).

A non-root server cannot signal its kernels (they run as the kernel uid): it passes a ``killer`` that
signals them through the privileged helper (``kernels.sandbox.privilege``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kernels.sandbox.limits import SandboxLimits

CGROUP_ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids", "cpu")
GROUP_DIR = "jaxtutor"
CPU_PERIOD_US = 100_000
#: Sends a signal to pids the caller may not signal itself (non-root mode).
Killer = Callable[[list[int], int], None]


@dataclass
class CgroupLayout:
    """Where the controllers this sandbox needs are, on this host."""

    version: int  # 1, 2, or 0 when unusable
    bases: dict[str, Path] = field(default_factory=dict)  # controller -> parent dir of kernel cgroups
    missing: list[str] = field(default_factory=list)
    detail: str = ""


def _own_paths() -> dict[str, str]:
    """Controller (or '' for v2) -> this process's cgroup path, from /proc/self/cgroup."""
    out: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, ctrls, path = line.split(":", 2)
            for ctrl in ctrls.split(",") if ctrls else [""]:
                out[ctrl] = path
    return out


def _base(hierarchy: Path, own: str, parent: str) -> Path:
    """The kernels' parent cgroup in one hierarchy: absolute ``parent`` from its root, else below ``own``."""
    if parent.startswith("/"):
        return hierarchy / parent.strip("/")
    return hierarchy / own.lstrip("/") / (parent.strip("/") or GROUP_DIR)


def detect_layout(root: Path = CGROUP_ROOT, parent: str = "") -> CgroupLayout:
    """Prefer v1 controllers where they are mounted (hybrid hosts), else the v2 unified tree. ``parent``:
    see ``SandboxLimits.cgroup`` (empty: ``<own cgroup>/jaxtutor``)."""
    own = _own_paths()
    v1 = {c: root / c for c in CONTROLLERS if (root / c / "cgroup.procs").exists()}
    if v1:
        bases = {c: _base(p, own.get(c, "/"), parent) for c, p in v1.items()}
        missing = [c for c in CONTROLLERS if c not in v1]
        if "memory" in v1 and not (v1["memory"] / "memory.limit_in_bytes").exists():
            missing.append("memory")
        return CgroupLayout(1, bases, missing, "cgroup v1 (" + ", ".join(sorted(v1)) + ")")
    if (root / "cgroup.controllers").exists():
        available = (root / "cgroup.controllers").read_text().split()
        missing = [c for c in CONTROLLERS if c not in available]
        base = _base(root, own.get("", "/"), parent)
        return CgroupLayout(2, dict.fromkeys(CONTROLLERS, base), missing, "cgroup v2: " + " ".join(available))
    return CgroupLayout(0, {}, list(CONTROLLERS), "no cgroup filesystem")


def _enable_v2_subtree(base: Path) -> None:
    """v2: let ``base`` hand memory/pids/cpu to its children (the no-internal-process rule applies)."""
    parent = base.parent
    wanted = " ".join("+" + c for c in CONTROLLERS)
    try:
        (parent / "cgroup.subtree_control").write_text(wanted)
    except OSError:
        # The server's own cgroup holds processes: move them into a leaf first (systemd Delegate=yes).
        leaf = parent / "server"
        leaf.mkdir(exist_ok=True)
        for pid in (parent / "cgroup.procs").read_text().split():
            with contextlib.suppress(OSError):
                (leaf / "cgroup.procs").write_text(pid)
        (parent / "cgroup.subtree_control").write_text(wanted)
    base.mkdir(exist_ok=True)
    (base / "cgroup.subtree_control").write_text(wanted)


@dataclass
class KernelCgroups:
    """The cgroups of one kernel start (a restart gets fresh ones)."""

    layout: CgroupLayout
    name: str
    dirs: dict[str, Path] = field(default_factory=dict)  # controller -> its cgroup dir
    memory_limit_mb: int = 0
    killer: Killer | None = None  # None: os.kill (root mode)

    @classmethod
    def create(
        cls, layout: CgroupLayout, name: str, limits: SandboxLimits, killer: Killer | None = None
    ) -> KernelCgroups:
        if layout.version == 0 or layout.missing:
            raise OSError("cgroup controllers missing: " + ", ".join(layout.missing or CONTROLLERS))
        cg = cls(layout, name, memory_limit_mb=limits.memory_mb, killer=killer)
        if layout.version == 2:
            base = layout.bases["memory"]
            if (
                not (base / "cgroup.subtree_control").exists()
                or "memory" not in (base / "cgroup.subtree_control").read_text()
            ):
                _enable_v2_subtree(base)
        for ctrl in CONTROLLERS:
            d = layout.bases[ctrl] / name
            d.mkdir(parents=True, exist_ok=True)
            cg.dirs[ctrl] = d
        try:
            cg._apply(limits)
        except OSError:
            cg.remove()
            raise
        return cg

    def _apply(self, limits: SandboxLimits) -> None:
        mem = limits.memory_mb << 20
        quota = max(1000, int(limits.cpus * CPU_PERIOD_US))
        if self.layout.version == 1:
            m = self.dirs["memory"]
            (m / "memory.limit_in_bytes").write_text(str(mem))
            if (m / "memory.memsw.limit_in_bytes").exists():
                (m / "memory.memsw.limit_in_bytes").write_text(str(mem))  # no swapping around the limit
            (self.dirs["pids"] / "pids.max").write_text(str(limits.pids))
            (self.dirs["cpu"] / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
            (self.dirs["cpu"] / "cpu.cfs_quota_us").write_text(str(quota))
        else:
            d = self.dirs["memory"]
            (d / "memory.max").write_text(str(mem))
            with contextlib.suppress(OSError):
                (d / "memory.swap.max").write_text("0")
            (d / "pids.max").write_text(str(limits.pids))
            (d / "cpu.max").write_text(f"{quota} {CPU_PERIOD_US}")

    def procs_files(self) -> list[Path]:
        """The ``cgroup.procs`` files the launch wrapper writes its pid into (one per distinct dir)."""
        seen: list[Path] = []
        for d in self.dirs.values():
            f = d / "cgroup.procs"
            if f not in seen:
                seen.append(f)
        return seen

    def counters(self) -> dict[str, int]:
        """Monotonic counters: ``oom_kill`` (OOM kills), ``pids_max`` (refused forks), ``memory_failcnt``."""
        out = {"oom_kill": 0, "pids_max": 0, "memory_failcnt": 0}
        mem, pids = self.dirs.get("memory"), self.dirs.get("pids")
        oom_file = "memory.oom_control" if self.layout.version == 1 else "memory.events"
        if mem is not None:
            out["oom_kill"] = _read_key(mem / oom_file, "oom_kill")
            if self.layout.version == 1:
                out["memory_failcnt"] = _read_int(mem / "memory.failcnt")
            else:
                out["memory_failcnt"] = _read_key(mem / "memory.events", "max")
        if pids is not None:
            out["pids_max"] = _read_key(pids / "pids.events", "max")
        return out

    def pids(self) -> list[int]:
        out: set[int] = set()
        for f in self.procs_files():
            with contextlib.suppress(OSError, ValueError):
                out.update(int(p) for p in f.read_text().split())
        return sorted(out)

    def kill_all(self, wait_s: float = 2.0) -> None:
        kill_file = self.dirs.get("memory", Path("/nonexistent")) / "cgroup.kill"
        if self.layout.version == 2 and kill_file.exists():
            with contextlib.suppress(OSError):
                kill_file.write_text("1")
        end = time.monotonic() + wait_s
        while True:
            pids = self.pids()
            if not pids or time.monotonic() > end:
                return
            if self.killer is not None:
                with contextlib.suppress(OSError):
                    self.killer(pids, signal.SIGKILL)
                time.sleep(0.05)  # each round starts a helper process
                continue
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def remove(self) -> None:
        """Kill what is left inside, then remove the cgroup directories (idempotent)."""
        self.kill_all()
        for d in self.dirs.values():
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


def _read_int(path: Path) -> int:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return 0


def _read_key(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == key:
                return int(parts[1])
    except (OSError, ValueError):
        pass
    return 0


def sweep_cgroups(
    layout: CgroupLayout, stale_names: set[str], min_age_s: float = 60.0, killer: Killer | None = None
) -> int:
    """Remove kernel cgroups left by a dead server: those named in ``stale_names`` (killing what is
    inside) and any empty one older than ``min_age_s``. Returns how many were removed."""
    removed = 0
    seen: set[Path] = set()
    for base in layout.bases.values():
        if base in seen or not base.is_dir():
            continue
        seen.add(base)
        for d in base.iterdir():
            if not d.is_dir():
                continue
            kid = d.name.split(".", 1)[0]
            dirs = {c: layout.bases[c] / d.name for c in layout.bases}
            cg = KernelCgroups(layout, d.name, dirs, killer=killer)
            if kid in stale_names:
                cg.remove()
            elif not cg.pids():
                try:
                    if time.time() - d.stat().st_mtime < min_age_s:
                        continue
                except OSError:
                    continue
                cg.remove()
            else:
                continue
            removed += 1
    return removed
