"""What a Run and a learner's kernel session are, with one owner for each piece of their state.

A ``KernelSession`` is one learner's kernel for one scope (a lesson, or the Playground), like one kernel per
notebook. Its state has two sides, each written by one class only:

* the **Run side** (``runs``, ``current``, ``last_used``, ``lock``) belongs to the run manager
  (``app.services.run.manager.RunManager``), which starts and finishes Runs;
* the **kernel side** (``HeldKernel``: the kernel, its tag in ``run_kernel``, its slot under the server's
  cap, whether it is starting, and why the server last stopped it) belongs to the kernel keeper
  (``app.services.run.kernels.SessionKernels``), which starts, attaches, drops and culls kernels.

The session exposes the kernel side read-only (``kernel``, ``tag``, ``slot``, ``culled``, ``state``), so the
run manager, the routes and other services (completion through the learner's kernel) read it without
being able to change it behind the keeper's back. Before this split both classes assigned the same fields
(the manager set ``state`` and ``culled``, the keeper set them too), which is how a kernel could be counted
by one and forgotten by the other.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.models import RunStatus
from app.services.run.kernel_rows import DEFAULT_SCOPE
from kernels.outcomes import ErrorInfo, ExecutionResult, Output, Reason

if TYPE_CHECKING:
    from app.services.run.gate import Slot, Ticket
    from app.services.run.providers import KernelLike
    from app.services.run.run_rows import RunSnapshot

#: A Run's end line when the learner interrupted it (``KeyboardInterrupt`` raised in the kernel).
INTERRUPTED_MESSAGE = "Interrupted."


@dataclass
class Run:
    """One press of Run: its outputs as they arrive (appended by its ``RunRecorder``) and its outcome."""

    id: str
    user_id: int
    status: str = "starting"  # starting | running | done
    scope: str = DEFAULT_SCOPE
    ticket: Ticket | None = None  # its place in the queue for a kernel start, while waiting
    outputs: list[Output] = field(default_factory=list)
    result: ExecutionResult | None = None
    message: str = ""
    notice: str = ""  # the session restarted and why (also the first output)
    started: float = field(default_factory=time.monotonic)
    task: asyncio.Task[None] | None = None

    @property
    def done(self) -> bool:
        return self.status == "done"

    @property
    def queue_position(self) -> int:
        """k in "your kernel is starting (position k)"; 0 when not waiting for a kernel start."""
        return self.ticket.waiting if self.ticket is not None and self.status == "starting" else 0

    @property
    def traceback(self) -> list[str]:
        if self.message == INTERRUPTED_MESSAGE:
            return []  # where the interrupt landed is noise to the learner who pressed Interrupt
        if self.result is not None and self.result.error is not None:
            return list(self.result.error.traceback)
        return []


@dataclass
class HeldKernel:
    """The kernel side of a session. Only ``SessionKernels`` writes it."""

    kernel: KernelLike | None = None
    tag: str | None = None  # the kernel's id in run_kernel (gateway kernel id, or a local tag)
    slot: Slot | None = None  # its place under max_session_kernels (app.services.run.gate)
    starting: bool = False  # a kernel is being started or attached for this session
    culled: str = ""  # why the server stopped its last kernel (told to the learner by their next Run)

    def clear(self, *, culled: str) -> HeldKernel:
        """Let go of the kernel (in place: a Run getting its kernel keeps reading this object); what was held."""
        was = HeldKernel(self.kernel, self.tag, self.slot, self.starting, self.culled)
        self.kernel, self.tag, self.slot, self.starting, self.culled = None, None, None, False, culled
        return was


@dataclass
class KernelSession:
    """One learner's kernel for one scope (a lesson, or the Playground), like one kernel per notebook."""

    user_id: int
    scope: str = DEFAULT_SCOPE
    last_used: float = field(default_factory=time.monotonic)
    runs: OrderedDict[str, Run] = field(default_factory=OrderedDict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # held while a Run gets its kernel and executes
    current: Run | None = None
    held: HeldKernel = field(default_factory=HeldKernel)

    @property
    def kernel(self) -> KernelLike | None:
        return self.held.kernel

    @property
    def tag(self) -> str | None:
        return self.held.tag

    @property
    def slot(self) -> Slot | None:
        return self.held.slot

    @property
    def culled(self) -> str:
        return self.held.culled

    @property
    def state(self) -> str:
        """none | starting | idle | busy."""
        if self.held.starting:
            return "starting"
        if self.held.kernel is None:
            return "none"
        return "busy" if self.current is not None else "idle"

    @property
    def idle(self) -> bool:
        """Holds a kernel nobody is using right now (a candidate for culling)."""
        return self.kernel is not None and self.slot is not None and self.current is None and not self.lock.locked()


def run_status(result: ExecutionResult, timeout_s: float) -> RunStatus:
    """The recorded status of a Run that ended with ``result``."""
    if result.ok:
        return RunStatus.DONE
    if result.reason is Reason.TIMEOUT or (result.reason is Reason.KILLED and result.duration_s >= timeout_s):
        return RunStatus.TIMEOUT  # interrupted at the deadline (KILLED: and then stopped)
    if result.reason is Reason.RAISED and result.error is not None and result.error.ename == "KeyboardInterrupt":
        return RunStatus.INTERRUPTED
    return RunStatus.ERROR


def run_from_snapshot(snap: RunSnapshot, scope: str = DEFAULT_SCOPE) -> Run:
    """A recorded Run (another replica's, or one no longer in memory) in the shape the templates read; its
    outputs are passed alongside. ``scope``: the page's, as the row does not keep it."""
    status = {RunStatus.QUEUED.value: "starting", RunStatus.RUNNING.value: "running"}.get(snap.status, "done")
    run = Run(id=snap.id, user_id=snap.user_id, status=status, message=snap.message, scope=scope)
    if snap.finished and snap.reason is not None:
        run.result = ExecutionResult(
            reason=Reason(snap.reason),
            message=snap.message,
            error=ErrorInfo("", "", snap.traceback) if snap.traceback else None,
            truncated=snap.truncated,
            duration_s=snap.duration_s or 0.0,
        )
    return run
