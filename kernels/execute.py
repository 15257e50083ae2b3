"""One ``execute_request``'s bookkeeping, shared by both kernel transports.

``kernels.runtime.KernelHandle`` (ZMQ, a local kernel) and ``kernels.gateway.client.GatewayKernel`` (a
websocket to a Kernel Gateway) differ in how messages arrive and how a kernel is interrupted, killed or
found dead; everything else about running a cell is the same and lives here, in ``ExecuteRequest``: the
moving ``Deadline`` (interrupt first, kill after the grace period, or at once with ``kill_on_timeout``), the
output budget, pairing the shell reply with the iopub ``idle``, and the final outcome.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from kernels.outcomes import ErrorInfo, ExecutionResult, Output, Reason, plain_message

OutputCallback = Callable[[Output], Awaitable[None] | None]


class Deadline:
    """A moving deadline on the monotonic clock. ``None`` means no limit."""

    def __init__(self, seconds: float | None) -> None:
        self.at: float | None = None if seconds is None else time.monotonic() + seconds
        self.limit_s = seconds

    def set(self, seconds: float | None) -> None:
        self.limit_s = seconds
        self.at = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float | None:
        return None if self.at is None else self.at - time.monotonic()

    def expired(self) -> bool:
        rem = self.remaining()
        return rem is not None and rem <= 0


@dataclass
class ExecuteOptions:
    timeout: Deadline | float | None = 60.0
    output_limit: int = 1 << 20  # characters of output kept and forwarded
    on_output: OutputCallback | None = None
    interrupt_grace_s: float = 3.0  # after the deadline: interrupt, then kill if still busy
    kill_on_timeout: bool = False  # graders do not need the state: kill at once
    budget_streams_only: bool = False  # graders: only printed text counts against output_limit
    user_expressions: dict[str, str] = field(default_factory=dict)

    def deadline(self) -> Deadline:
        return self.timeout if isinstance(self.timeout, Deadline) else Deadline(self.timeout)


class Due(Enum):
    """What the deadline asks the transport to do now."""

    NOTHING = "nothing"
    INTERRUPT = "interrupt"
    KILL = "kill"


POLL_S = 0.25  # the longest a transport waits for one message before looking at the deadline again


class ExecuteRequest:
    """The state of one running cell: feed it the kernel's messages (``take``), ask it what the deadline
    wants (``due``), and read the outcome (``finish``) once ``done`` or once the transport gave up."""

    def __init__(self, msg_id: str, opts: ExecuteOptions, deadline: Deadline) -> None:
        self.msg_id = msg_id
        self.opts = opts
        self.deadline = deadline
        self.started = time.monotonic()
        self.result = ExecutionResult(reason=Reason.OK)
        self.reply: dict[str, Any] | None = None
        self.got_idle = False
        self.interrupted_at: float | None = None
        self._budget = opts.output_limit

    @property
    def done(self) -> bool:
        """The kernel answered on both channels: the shell reply and the iopub ``idle``."""
        return self.got_idle and self.reply is not None

    def due(self) -> Due:
        """Past the deadline: interrupt once (keeps the state), kill after the grace period (or at once
        with ``kill_on_timeout``). The caller carries it out; after a kill, call ``killed``."""
        if not self.deadline.expired():
            return Due.NOTHING
        since = None if self.interrupted_at is None else time.monotonic() - self.interrupted_at
        if self.opts.kill_on_timeout or (since is not None and since > self.opts.interrupt_grace_s):
            return Due.KILL
        if self.interrupted_at is None:
            self.interrupted_at = time.monotonic()
            return Due.INTERRUPT
        return Due.NOTHING

    def wait_s(self) -> float:
        """How long to wait for the next message before looking at the deadline again."""
        rem = self.deadline.remaining()
        return min(POLL_S, rem) if rem is not None and rem > 0 else POLL_S

    def killed(self) -> tuple[Reason, dict[str, Any]]:
        """The outcome of a kernel stopped at its deadline: a plain timeout with ``kill_on_timeout``
        (graders), else killed after an interrupt that did not stop the code (the state is lost).
        Returns the kernel's death reason."""
        limit = plain_message(Reason.TIMEOUT, limit_s=self.deadline.limit_s)
        if self.opts.kill_on_timeout:
            self.result.reason, self.result.message = Reason.TIMEOUT, limit
        else:
            self.result.reason = Reason.KILLED
            lost = " It did not stop when interrupted, so the kernel was stopped and its state is lost."
            self.result.message = limit + lost
        return (self.result.reason, {})

    def lost(self, why: tuple[Reason, dict[str, Any]]) -> None:
        """The kernel died (or its connection is gone) before answering."""
        self.result.reason, self.result.message = why[0], plain_message(why[0], **why[1])

    async def take(self, channel: str, m: dict[str, Any]) -> bool:
        """One message from the kernel; False when it belongs to another request (ignored)."""
        if m.get("parent_header", {}).get("msg_id") != self.msg_id:
            return False
        if channel == "shell":
            self.reply = m
        elif channel == "iopub" and await self._iopub(m):
            self.got_idle = True
        return True

    async def _iopub(self, m: dict[str, Any]) -> bool:
        """Outputs go to ``emit``, the error to the result; True for the ``idle`` status."""
        mtype = m["header"]["msg_type"]
        content = m["content"]
        if mtype == "status" and content.get("execution_state") == "idle":
            return True
        if mtype == "stream":
            await self.emit(Output(kind="stream", name=content.get("name", "stdout"), text=content.get("text", "")))
        elif mtype in ("display_data", "update_display_data"):
            await self.emit(Output(kind="display", data=dict(content.get("data", {}))))
        elif mtype == "execute_result":
            await self.emit(Output(kind="result", data=dict(content.get("data", {}))))
        elif mtype == "error":
            err = ErrorInfo(content.get("ename", ""), content.get("evalue", ""), list(content.get("traceback", [])))
            self.result.error = err
            await self.emit(Output(kind="error", name=err.ename, text=err.evalue))
        return False

    async def emit(self, out: Output) -> None:
        """Record one output and forward it, within the output budget: the first output over budget is cut
        (streams) or dropped, and the result marked truncated."""
        size = output_size(out)
        if self.opts.budget_streams_only and out.kind != "stream":
            size = 0
        if size > self._budget:
            self.result.truncated = True
            if out.kind != "stream" or self._budget <= 0:
                self._budget = 0
                return
            out, size = Output(kind="stream", name=out.name, text=out.text[: self._budget]), self._budget
        self._budget -= size
        self.result.outputs.append(out)
        if self.opts.on_output is not None:
            maybe = self.opts.on_output(out)
            if asyncio.iscoroutine(maybe):
                await maybe

    def finish(self) -> ExecutionResult:
        """The final reason of an execution that ended without a kernel-level failure (interrupted at the
        deadline, raised, output cut), and the user expressions of the reply."""
        result, reply = self.result, self.reply
        result.duration_s = time.monotonic() - self.started
        if result.reason is Reason.OK:
            if self.interrupted_at is not None:
                result.reason = Reason.TIMEOUT
                limit = plain_message(Reason.TIMEOUT, limit_s=self.deadline.limit_s)
                result.message = limit + " Your variables are kept."
            elif reply is not None and reply["content"].get("status") == "error":
                result.reason = Reason.RAISED
                if result.error is None:
                    c = reply["content"]
                    result.error = ErrorInfo(c.get("ename", ""), c.get("evalue", ""), list(c.get("traceback", [])))
                result.message = plain_message(Reason.RAISED)
            elif result.truncated:
                result.reason = Reason.OUTPUT_LIMIT
                result.message = plain_message(Reason.OUTPUT_LIMIT)
        if reply is not None:
            result_exprs = reply["content"].get("user_expressions") or {}
            if result_exprs:
                result.outputs.append(Output(kind="user_expressions", data=result_exprs))
        return result


def output_size(out: Output) -> int:
    """Characters of an output as counted against an output limit (text plus every data value)."""
    return len(out.text) + sum(len(str(v)) for v in out.data.values())
