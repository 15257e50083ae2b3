"""The limits of one sandboxed kernel, in one dataclass with its defaults.

``KernelConfig.sandbox_options`` carries these as a plain dict whose keys mirror the ``Settings`` names
(``sandbox_memory_mb``, ``gpu_mode``...); :meth:`SandboxLimits.from_options` reads either spelling.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

#: Where scripts/setup-host.sh installs the privileged helper of the non-root mode (kernel_exec.c).
DEFAULT_HELPER = "/usr/local/lib/jaxtutor/kernel-exec"
MODES = ("auto", "root", "helper")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$", re.IGNORECASE)


def parse_size_mb(text: str | int | float) -> int:
    """``"512M"``, ``"1.5G"``, ``"2GiB"`` or a bare number of MiB, as whole MiB (at least 1)."""
    if isinstance(text, int | float):
        return max(1, int(text))
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"not a size: {text!r} (try 512M or 2G)")
    value = float(m.group(1))
    unit = m.group(2).lower()
    scale = {"": 1.0, "k": 1 / 1024, "m": 1.0, "g": 1024.0, "t": 1024.0 * 1024}[unit]
    return max(1, math.ceil(value * scale))


@dataclass
class SandboxLimits:
    """What one kernel may use. Every field has a matching ``Settings`` entry (``sandbox_<name>``)."""

    user: str = "jaxtutor-kernel"
    """Unprivileged host user the kernel runs as (never root; bwrap is started only after dropping to it)."""
    memory_mb: int = 2048
    """Memory cgroup limit (RAM + its private tmpfs pages; swap is limited to the same figure)."""
    pids: int = 128
    """Processes and threads (pids cgroup). XLA starts ~17 threads per process on 2 cores."""
    cpus: float = 1.0
    """CPU quota in cores (cpu cgroup); also pinned to ceil(cpus) CPUs so XLA sizes its thread pools."""
    file_size_mb: int = 16
    """Largest file the kernel may write (RLIMIT_FSIZE; writes past it fail with EFBIG)."""
    open_files: int = 256
    """Open file descriptors (RLIMIT_NOFILE)."""
    scratch_mb: int = 64
    """Size of the private tmpfs mounted on /tmp (the only writable place; counts against memory)."""
    shm_mb: int = 16
    """Size of the private /dev/shm."""
    gpu_devices: list[int] = field(default_factory=list)
    """Indices of the GPUs assigned to this kernel (``/dev/nvidiaN``); empty: no GPU device at all."""
    gpu_mode: str = "exclusive"
    """'exclusive' (one kernel per GPU, no preallocation) or 'shared' (a memory fraction each)."""
    gpu_memory_fraction: float = 0.45
    """Per-kernel GPU memory fraction in shared mode (XLA_CLIENT_MEM_FRACTION; cooperative, not enforced)."""
    ro_binds: list[str] = field(default_factory=list)
    """Extra host paths bound read-only at the same path (e.g. the in-sandbox harness). Empty by default."""
    rw_binds: list[str] = field(default_factory=list)
    """Extra host directories bound read-write at the same path. Only for kernels running trusted lesson code
    (the reference kernel's persistent compilation cache); never for kernels that run learner code."""
    mode: str = "auto"
    """How the server becomes the kernel user: 'root' (the server is root and drops each kernel with setpriv),
    'helper' (the server is an unprivileged user and uses the privileged helper), 'auto' (root if euid is 0)."""
    helper: str = DEFAULT_HELPER
    """The privileged helper of the non-root mode (root:<server group> 0750, cap_setuid,cap_setgid+ep)."""
    cgroup: str = ""
    """Parent of the kernels' cgroups: empty = ``<server's own cgroup>/jaxtutor``; a relative path is below
    the server's own cgroup, an absolute one below each hierarchy's root (a subtree delegated to the server)."""

    def __post_init__(self) -> None:
        if self.memory_mb < 64:
            raise ValueError("sandbox memory must be at least 64 MiB")
        if self.pids < 8:
            raise ValueError("sandbox pids must be at least 8")
        if self.cpus <= 0:
            raise ValueError("sandbox cpus must be positive")
        if self.file_size_mb < 1 or self.open_files < 32 or self.scratch_mb < 1 or self.shm_mb < 1:
            raise ValueError("sandbox file size, open files, scratch and shm limits must be positive")
        if self.gpu_mode not in ("exclusive", "shared"):
            raise ValueError("gpu_mode must be 'exclusive' or 'shared'")
        if not 0 < self.gpu_memory_fraction <= 1:
            raise ValueError("gpu_memory_fraction must be in (0, 1]")
        if self.mode not in MODES:
            raise ValueError("sandbox mode must be 'auto', 'root' or 'helper'")
        if ".." in self.cgroup.split("/"):
            raise ValueError("sandbox cgroup must not contain '..'")

    def resolved_mode(self, euid: int | None = None) -> str:
        """'root' or 'helper': ``auto`` picks root when the server's effective uid is 0."""
        if self.mode != "auto":
            return self.mode
        return "root" if (os.geteuid() if euid is None else euid) == 0 else "helper"

    @classmethod
    def from_options(cls, options: dict[str, Any] | None) -> SandboxLimits:
        """Read ``sandbox_options`` (``sandbox_memory_mb`` or ``memory_mb``...); unknown keys fail."""
        names = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in (options or {}).items():
            name = key.removeprefix("sandbox_")
            if name not in names:
                raise ValueError(f"unknown sandbox option {key!r}")
            kwargs[name] = value
        if "memory_mb" in kwargs and isinstance(kwargs["memory_mb"], str):
            kwargs["memory_mb"] = parse_size_mb(kwargs["memory_mb"])
        return cls(**kwargs)

    @classmethod
    def from_settings(cls, settings: Any) -> SandboxLimits:
        """From an ``app.config.Settings`` (duck-typed so this package never imports ``app``)."""
        return cls(
            user=settings.sandbox_user,
            memory_mb=settings.sandbox_memory_mb,
            pids=settings.sandbox_pids,
            cpus=settings.sandbox_cpus,
            file_size_mb=settings.sandbox_file_size_mb,
            open_files=settings.sandbox_open_files,
            scratch_mb=settings.sandbox_scratch_mb,
            shm_mb=getattr(settings, "sandbox_shm_mb", 16),
            gpu_mode=settings.gpu_mode,
            gpu_memory_fraction=settings.gpu_memory_fraction,
            mode=getattr(settings, "sandbox_mode", "auto"),
            helper=getattr(settings, "sandbox_helper", DEFAULT_HELPER),
            cgroup=getattr(settings, "sandbox_cgroup", ""),
        )

    @classmethod
    def host_defaults(cls, environ: Mapping[str, str] | None = None) -> SandboxLimits:
        """The host-side fields (user, mode, helper, cgroup) from ``JAXTUTOR_SANDBOX_*`` environment variables,
        the same variables ``app.config.Settings`` reads; for callers that pass no limits (readiness, sweep)."""
        env = os.environ if environ is None else environ
        kwargs: dict[str, Any] = {}
        for name in ("user", "mode", "helper", "cgroup"):
            value = env.get(f"JAXTUTOR_SANDBOX_{name.upper()}")
            if value is not None:
                kwargs[name] = value
        return cls(**kwargs)

    def to_options(self) -> dict[str, Any]:
        """The ``sandbox_options`` dict for ``KernelConfig`` (Settings-style keys)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            key = f.name if f.name.startswith("gpu_") else f"sandbox_{f.name}"
            out[key] = getattr(self, f.name)
        return out
