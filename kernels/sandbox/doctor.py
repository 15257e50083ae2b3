"""``jaxtutor doctor``: the sandbox readiness report, as text for operators or JSON.

Also :func:`refine_result`, which turns a cell that *raised* because of a sandbox limit (EFBIG from the
file-size cap, EAGAIN from the pids cap, a child killed by the OOM killer) into that limit's Reason, using
the provisioner's cgroup counters.
"""

from __future__ import annotations

from typing import Any

from kernels.outcomes import ExecutionResult, Reason, plain_message
from kernels.sandbox.readiness import SandboxReport

_MARK = {
    ("error", True): "ok",
    ("warning", True): "ok",
    ("info", True): "info",
    ("error", False): "FAIL",
    ("warning", False): "WARN",
    ("info", False): "info",
}


def format_report(report: SandboxReport) -> str:
    lines = [f"[{_MARK[(c.level, c.ok)]:>4}] {c.name}: {c.detail}" for c in report.checks]
    if report.ready:
        lines.append("sandbox: ready" + (" (with warnings)" if report.warnings else ""))
    else:
        lines.append("sandbox: NOT ready; kernels will not start. " + report.reason)
    return "\n".join(lines)


def refine_result(result: ExecutionResult, counters: dict[str, int], limits: Any = None) -> ExecutionResult:
    """Name the sandbox limit behind a failed cell (counters are deltas since the kernel started)."""
    failed = result.reason in (Reason.RAISED, Reason.TIMEOUT, Reason.KILLED, Reason.CRASHED)
    if not failed:
        return result
    new: Reason | None = None
    figures: dict[str, Any] = {}
    evalue = result.error.evalue if result.error is not None else ""
    if counters.get("oom_kill", 0) > 0:
        new = Reason.OOM
        mb = getattr(limits, "memory_mb", None)
        if mb:
            figures["limit"] = f"{mb} MiB"
    elif result.reason is Reason.RAISED and evalue.startswith("[Errno 27]"):
        new = Reason.FSIZE
    elif counters.get("pids_max", 0) > 0:
        new = Reason.PIDS
    if new is not None:
        result.reason = new
        result.message = plain_message(new, **figures)
    return result
