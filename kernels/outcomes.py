"""Machine-readable outcomes of running code in a kernel.

Every way an execution can end has one ``Reason`` and one plain message. The grader, the CLI
(`jaxtutor run` exit codes) and the web app all read these, so a killed kernel can never be
mistaken for a success. Messages never contain host paths.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Reason(enum.StrEnum):
    OK = "ok"
    RAISED = "raised"  # the code raised an exception; the kernel is alive
    TIMEOUT = "timeout"  # interrupted at the deadline; the kernel (and its state) survived
    KILLED = "killed"  # the kernel had to be killed (deadline grace passed, or it died); state lost
    OOM = "out_of_memory"
    PIDS = "too_many_processes"
    FSIZE = "file_too_large"
    CRASHED = "crashed"  # died by a signal or a non-zero exit
    SANDBOX_UNAVAILABLE = "sandbox_unavailable"
    OUTPUT_LIMIT = "output_limit"  # ran, but produced more output than the budget (output was cut)


#: Exit codes of `jaxtutor run` for each reason.
RUN_EXIT_CODES: dict[Reason, int] = {
    Reason.OK: 0,
    Reason.OUTPUT_LIMIT: 0,
    Reason.RAISED: 1,
    Reason.TIMEOUT: 3,
    Reason.KILLED: 3,
    Reason.CRASHED: 3,
    Reason.OOM: 4,
    Reason.PIDS: 4,
    Reason.FSIZE: 4,
    Reason.SANDBOX_UNAVAILABLE: 5,
}


@dataclass
class Output:
    """One piece of output, in arrival order."""

    kind: str  # "stream" | "display" | "result" | "error"
    name: str = ""  # stream name (stdout/stderr)
    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)  # mime bundle for display/result

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "text": self.text, "data": self.data}


@dataclass
class ErrorInfo:
    ename: str
    evalue: str
    traceback: list[str]


@dataclass
class ExecutionResult:
    reason: Reason
    message: str = ""
    outputs: list[Output] = field(default_factory=list)
    error: ErrorInfo | None = None
    truncated: bool = False
    duration_s: float = 0.0
    exit_signal: int | None = None

    @property
    def ok(self) -> bool:
        return self.reason in (Reason.OK, Reason.OUTPUT_LIMIT)

    @property
    def kernel_lost(self) -> bool:
        return self.reason in (Reason.KILLED, Reason.OOM, Reason.PIDS, Reason.CRASHED)

    def stdout(self) -> str:
        return "".join(o.text for o in self.outputs if o.kind == "stream" and o.name == "stdout")

    def stderr(self) -> str:
        return "".join(o.text for o in self.outputs if o.kind == "stream" and o.name == "stderr")

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason.value,
            "message": self.message,
            "outputs": [o.to_json() for o in self.outputs],
            "error": None
            if self.error is None
            else {"ename": self.error.ename, "evalue": self.error.evalue, "traceback": self.error.traceback},
            "truncated": self.truncated,
            "duration_s": round(self.duration_s, 4),
        }


def plain_message(reason: Reason, **figures: Any) -> str:
    """The learner-facing sentence for an outcome."""
    if reason is Reason.TIMEOUT:
        return f"Your code ran longer than the {figures.get('limit_s', '?')} s limit and was interrupted."
    if reason is Reason.KILLED:
        return "The kernel had to be stopped (it did not respond to an interrupt or it exited); its state is lost."
    if reason is Reason.OOM:
        limit = figures.get("limit")
        extra = f" of {limit}" if limit else ""
        return f"Your code used more than the memory limit{extra} and was killed. Use smaller arrays or batches."
    if reason is Reason.PIDS:
        return "Your code started too many processes or threads and was stopped."
    if reason is Reason.FSIZE:
        return "Your code tried to write a file larger than the allowed size."
    if reason is Reason.CRASHED:
        sig = figures.get("signal")
        if sig:
            return f"The kernel crashed (signal {sig}); its state is lost."
        code = figures.get("exit_code")
        return (
            f"The kernel exited (exit code {code}); its state is lost."
            if code is not None
            else ("The kernel exited unexpectedly; its state is lost.")
        )
    if reason is Reason.SANDBOX_UNAVAILABLE:
        return f"No sandbox could be started: {figures.get('why', 'unknown reason')}"
    if reason is Reason.OUTPUT_LIMIT:
        return "Your code printed more output than allowed; the rest was cut."
    if reason is Reason.RAISED:
        return "Your code raised an exception."
    return "OK"
