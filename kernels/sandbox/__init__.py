"""The bubblewrap sandbox for kernels: provisioner, limits, readiness checks and host helpers."""

from kernels.sandbox.limits import SandboxLimits, parse_size_mb
from kernels.sandbox.readiness import SandboxReport, check_sandbox, ensure_kernel_user, sweep_leftovers

__all__ = [
    "SandboxLimits",
    "SandboxReport",
    "check_sandbox",
    "ensure_kernel_user",
    "parse_size_mb",
    "sweep_leftovers",
]
