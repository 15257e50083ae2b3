"""The Run feature's one home: a learner's code run in their own kernel, output streamed to the page.

One owner per piece of state, and imports that only point down this list (no circle):

* ``kernel_rows``, ``run_rows``: the ``run_kernel`` and ``run_record`` tables, plain functions over a session;
* ``store.RunStore``: the only object that opens database sessions for them (absent without a database);
* ``providers``: where kernels come from (warm pool, fresh local kernel, Kernel Gateway);
* ``gate.KernelGate``: owns the server's kernel count and the start queue ("your kernel is starting
  (position k)"), and asks for the least recently used idle kernel to be reclaimed when full;
* ``session``: what a ``Run`` and a ``KernelSession`` are; a session's kernel side (``HeldKernel``) is
  written only by the kernel keeper, its Run side only by the run manager;
* ``recorder.RunRecorder``: one Run's outputs, within the output limit, into memory and its row;
* ``kernels.SessionKernels``: the kernel keeper (start, attach, drop, cull; the record every replica shares);
* ``manager.RunManager``: Runs themselves (start, poll, interrupt, restart, status), what routes call.

Import the public names from here; the modules are the package's own layout.
"""

from app.services.run.gate import KernelGate, QueueFull, Slot, Ticket
from app.services.run.kernel_rows import DEFAULT_SCOPE, KernelRecord
from app.services.run.kernels import (
    NOTICE_IDLE,
    NOTICE_LOST,
    NOTICE_OTHER_SERVER,
    NOTICE_RECLAIMED,
    NOTICE_SERVER_RESTARTED,
    RUN_LEASE_S,
    SessionKernels,
)
from app.services.run.manager import NOTICE_ABANDONED, NOTICE_RESTARTED_MID_RUN, RunBusyError, RunManager
from app.services.run.providers import (
    CapacityError,
    GatewayKernelProvider,
    KernelLike,
    KernelProvider,
    PoolKernelProvider,
    StartKernelProvider,
    default_provider,
    session_kernel_config,
)
from app.services.run.recorder import RunRecorder
from app.services.run.session import INTERRUPTED_MESSAGE, KernelSession, Run, run_from_snapshot, run_status
from app.services.run.store import RunStore

__all__ = [
    "DEFAULT_SCOPE",
    "INTERRUPTED_MESSAGE",
    "NOTICE_ABANDONED",
    "NOTICE_IDLE",
    "NOTICE_LOST",
    "NOTICE_OTHER_SERVER",
    "NOTICE_RECLAIMED",
    "NOTICE_RESTARTED_MID_RUN",
    "NOTICE_SERVER_RESTARTED",
    "RUN_LEASE_S",
    "CapacityError",
    "GatewayKernelProvider",
    "KernelGate",
    "KernelLike",
    "KernelProvider",
    "KernelRecord",
    "KernelSession",
    "PoolKernelProvider",
    "QueueFull",
    "Run",
    "RunBusyError",
    "RunManager",
    "RunRecorder",
    "RunStore",
    "SessionKernels",
    "Slot",
    "StartKernelProvider",
    "Ticket",
    "default_provider",
    "run_from_snapshot",
    "run_status",
    "session_kernel_config",
]
