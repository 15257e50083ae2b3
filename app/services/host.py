"""Host preparation at server start: is the sandbox usable, and clean up after a dead server.

Called by ``jaxtutor serve`` before it listens (so a refusal is one clear message and a non-zero exit)
and, when the app was built without a prepared host (``uvicorn --factory``), by the app's lifespan.

Ownership of the runtime directory: the server holds an exclusive ``flock`` on
``<runtime_dir>/server.lock`` for as long as it runs. Only the holder sweeps kernel directories and
cgroups left behind by a dead server (``kernels.sandbox.readiness.sweep_leftovers``); a second server
sharing the directory skips the sweep (with a warning) rather than kill the first one's kernels.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.config import Settings

log = logging.getLogger(__name__)

LOCK_NAME = "server.lock"
UNSAFE_WARNING = (
    "JAXTUTOR_UNSAFE_NO_SANDBOX=1: learner code runs WITHOUT any sandbox, as the server's user, with its "
    "network and files. Development only; never on a shared host."
)


class HostNotReady(RuntimeError):
    """The sandbox cannot run here; the message says why and what to do."""


@dataclass
class HostState:
    lock_fd: int | None = None
    swept: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def owns_runtime_dir(self) -> bool:
        return self.lock_fd is not None

    def release(self) -> None:
        fd, self.lock_fd = self.lock_fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            with contextlib.suppress(OSError):
                os.close(fd)


def refusal_message(reason: str) -> str:
    return (
        "jaxtutor will not start: the kernel sandbox is not ready on this host.\n"
        f"  why: {reason}\n"
        "  fix: run `sudo scripts/setup-host.sh` (add `--server-user USER` when the server runs as USER, "
        "not root), then `jaxtutor doctor` for details.\n"
        "  (development only: JAXTUTOR_UNSAFE_NO_SANDBOX=1 runs learner code unsandboxed)"
    )


def check_ready(settings: Settings) -> list[str]:
    """Raise ``HostNotReady`` unless the sandbox can run (or the unsafe mode is on). Returns warnings."""
    if settings.unsafe_no_sandbox:
        log.warning("!" * 20 + " %s " + "!" * 20, UNSAFE_WARNING)
        return [UNSAFE_WARNING]
    if settings.kernel_backend == "gateway":
        # Every kernel (Runs and gradings) runs behind the gateway, sandboxed on its host, not here.
        if not settings.gateway_url:
            raise HostNotReady(
                "jaxtutor will not start: kernel_backend is 'gateway' but JAXTUTOR_GATEWAY_URL is not set"
            )
        return []
    from kernels.sandbox.readiness import check_sandbox

    report = check_sandbox(
        user=settings.sandbox_user,
        runtime_dir=settings.runtime_dir,
        python=settings.kernel_python_path(),
        smoke=True,
    )
    if not report.ready:
        raise HostNotReady(refusal_message(report.reason))
    warnings = [f"sandbox: {c.name}: {c.detail}" for c in report.warnings]
    for text in warnings:
        log.warning("%s", text)
    return warnings


def take_runtime_dir(settings: Settings) -> int | None:
    """An exclusive lock on the runtime directory, or None when another server holds it."""
    settings.runtime_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(settings.runtime_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def share_runtime_dir(settings: Settings) -> int | None:
    """A shared lock on the runtime directory for CLI commands that start kernels (run, check, grade,
    lessons check): while any is held, a server starting up cannot take its exclusive lock and so does
    not sweep their kernel directories. None when a running server holds the exclusive lock (it swept at
    its own start and never sweeps again). The lock is released when the process exits."""
    try:
        settings.runtime_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(settings.runtime_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def prepare_host(settings: Settings) -> HostState:
    """Everything the server does to the host before it serves. Raises ``HostNotReady``."""
    state = HostState(warnings=check_ready(settings))
    state.lock_fd = take_runtime_dir(settings)
    if state.lock_fd is None:
        text = f"another jaxtutor server holds {settings.runtime_dir}; leftover kernels are not swept"
        log.warning("%s", text)
        state.warnings.append(text)
        return state
    from kernels.sandbox.readiness import sweep_leftovers

    try:
        state.swept = sweep_leftovers(settings.runtime_dir)
    except OSError as exc:  # e.g. cgroups not writable in the unsafe development mode
        log.warning("sweeping leftover kernels failed: %s", exc)
    if state.swept:
        log.warning("removed %d kernel directories/cgroups left by a previous server", state.swept)
    return state
