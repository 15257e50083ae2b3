"""The one owner of Run kernel starts on this server: a first-come, first-served queue with caps.

Before this, each Run checked a count and then started its kernel: a burst of learners all passed the
check before any kernel was counted (cap 8, 13 started), and the rest got a 503. Now every kernel start
goes through ``KernelGate.admit``:

* at most ``limit`` Run kernels are alive or starting at once (``max_session_kernels``); a slot is held
  from admission until the kernel is released (``Slot.free``, idempotent), so the count is exact under
  bursts and races;
* at most ``start_concurrency`` kernels start at once (``kernel_start_concurrency``, by default the CPUs):
  a start and its first Run are CPU work, and many at once only make each one slower (a slot counts as
  starting until ``Slot.started``, which the Run manager calls when the first Run on the kernel ends);
* waiters are served in order and can read their position (``Ticket.position``: "your kernel is starting
  (position k)"); when the server is full the gate asks ``reclaim`` to stop the least recently used idle
  kernel (the run manager's choice) and gives its slot to the head of the queue.

The gate owns the counts (``live``, ``starting``, the queue); a ``Slot`` or ``Ticket`` only hands its own
change back to the gate that issued it.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class QueueFull(RuntimeError):
    """More learners are waiting for a kernel than ``run_queue_max``; the message is safe to show."""


class Slot:
    """One admitted kernel's place under the cap. ``free`` once the kernel is gone (repeat calls are no-ops)."""

    def __init__(self, gate: KernelGate) -> None:
        self._gate: KernelGate | None = gate
        self.starting = True

    def started(self) -> None:
        """The kernel start finished (either way): another start may begin."""
        if self.starting and self._gate is not None:
            self.starting = False
            self._gate._start_done()

    def free(self) -> None:
        self.started()
        gate, self._gate = self._gate, None
        if gate is not None:
            gate._free()

    @property
    def held(self) -> bool:
        return self._gate is not None


class Ticket:
    """A place in the queue for a kernel start (read ``position`` while waiting)."""

    def __init__(self, gate: KernelGate) -> None:
        self.gate = gate
        self.admitted = False

    @property
    def position(self) -> int:
        """1 for the next kernel to start; 0 once admitted or not queued."""
        try:
            return self.gate._queue.index(self) + 1
        except ValueError:
            return 0

    @property
    def waiting(self) -> int:
        """The position while the learner really waits (0 when the gate will admit it at once)."""
        k = self.position
        gate = self.gate
        return k if k > 1 or (k == 1 and (gate.live >= gate.limit or gate.starting >= gate.start_concurrency)) else 0


class KernelGate:
    def __init__(
        self,
        *,
        limit: int,
        start_concurrency: int,
        queue_max: int,
        reclaim: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self.limit = limit
        self.start_concurrency = start_concurrency
        self.queue_max = queue_max
        self.reclaim = reclaim
        self.live = 0  # admitted and not yet freed: alive or starting
        self.starting = 0
        self.peak = 0  # most slots held at once (tests, benchmarks)
        self.last_demand = float("-inf")  # monotonic time a learner last queued or was admitted
        self._queue: deque[Ticket] = deque()
        self._changed = asyncio.Event()
        self._reclaiming = False

    def ticket(self) -> Ticket:
        if len(self._queue) >= self.queue_max:
            raise QueueFull("Too many learners are waiting for a kernel right now. Please try again in a minute.")
        ticket = Ticket(self)
        self._queue.append(ticket)
        self.last_demand = time.monotonic()
        return ticket

    async def admit(self, ticket: Ticket) -> Slot:
        """Wait for ``ticket``'s turn and a free slot; the slot. Cancelling leaves the queue cleanly."""
        try:
            while True:
                if self._queue and self._queue[0] is ticket:
                    if self.live < self.limit and self.starting < self.start_concurrency:
                        self._queue.popleft()
                        self.live += 1
                        self.starting += 1
                        self.peak = max(self.peak, self.live)
                        self.last_demand = time.monotonic()
                        ticket.admitted = True
                        self._notify()  # the next in line may now be at the head
                        return Slot(self)
                    if self.live >= self.limit and self.reclaim is not None and not self._reclaiming:
                        self._reclaiming = True
                        try:
                            freed = await self.reclaim()
                        finally:
                            self._reclaiming = False
                        if freed:
                            continue
                self._changed.clear()
                await self._changed.wait()
        except BaseException:
            if ticket in self._queue:
                self._queue.remove(ticket)
                self._notify()
            raise

    def _notify(self) -> None:
        self._changed.set()

    def _start_done(self) -> None:
        self.starting -= 1
        self._notify()

    def _free(self) -> None:
        self.live -= 1
        self._notify()

    def discard(self, ticket: Ticket | None) -> None:
        """Leave the queue without a slot (the Run needed no new kernel after all, or ended)."""
        if ticket is not None and ticket in self._queue:
            self._queue.remove(ticket)
            self._notify()

    def wake(self) -> None:
        """Something may have become reclaimable (a Run ended): let the head of the queue look again."""
        self._notify()

    def waiting(self) -> int:
        return len(self._queue)

    def quiet_for(self) -> float:
        """Seconds since a learner last queued for a kernel start or was admitted (inf: never)."""
        return time.monotonic() - self.last_demand if not self._queue and not self.starting else 0.0
