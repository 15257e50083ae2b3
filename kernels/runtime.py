"""One kernel runtime for the grader, the CLI and the web app.

``KernelHandle`` wraps a jupyter-client ``AsyncKernelManager`` and its client and offers what every
caller needs: execute with outputs streamed as they arrive, a deadline (which may move while the code
runs: the grader extends it phase by phase), an output budget, interrupt, restart, shutdown and a
status. How the kernel *process* is started (sandboxed or not) belongs to the provisioner named in the
kernelspec; this module never cares which one it is, so the sandbox slots in without touching callers.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import zmq
import zmq.asyncio
from jupyter_client import AsyncKernelClient, AsyncKernelManager

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


async def emit_capped(out: Output, result: ExecutionResult, budget: list[int], opts: ExecuteOptions) -> None:
    """Record one output and forward it, within the execution's output budget (``budget[0]`` characters
    left); the first output over budget is cut (streams) or dropped, and the result marked truncated.
    Shared by the local runtime and the gateway client."""
    size = len(out.text) + sum(len(str(v)) for v in out.data.values())
    if opts.budget_streams_only and out.kind != "stream":
        size = 0
    if size > budget[0]:
        result.truncated = True
        if out.kind == "stream" and budget[0] > 0:
            out = Output(kind="stream", name=out.name, text=out.text[: budget[0]])
            budget[0] = 0
        else:
            budget[0] = 0
            return
    else:
        budget[0] -= size
    result.outputs.append(out)
    if opts.on_output is not None:
        maybe = opts.on_output(out)
        if asyncio.iscoroutine(maybe):
            await maybe


def timed_out(result: ExecutionResult, opts: ExecuteOptions, deadline: Deadline) -> None:
    """The outcome of a kernel stopped at its deadline: a plain timeout with ``kill_on_timeout`` (graders), else
    killed after an interrupt that did not stop the code (the state is lost). Shared by both execute loops."""
    if opts.kill_on_timeout:
        result.reason = Reason.TIMEOUT
        result.message = plain_message(Reason.TIMEOUT, limit_s=deadline.limit_s)
    else:
        result.reason = Reason.KILLED
        result.message = (
            plain_message(Reason.TIMEOUT, limit_s=deadline.limit_s)
            + " It did not stop when interrupted, so the kernel was stopped and its state is lost."
        )


async def handle_iopub(m: dict[str, Any], result: ExecutionResult, emit: Callable[[Output], Awaitable[None]]) -> bool:
    """One iopub message of the running execution: outputs go to ``emit``, the error to ``result``.
    Returns True for the ``idle`` status (the kernel is done with the request). Shared by both loops."""
    mtype = m["header"]["msg_type"]
    content = m["content"]
    if mtype == "status" and content.get("execution_state") == "idle":
        return True
    if mtype == "stream":
        await emit(Output(kind="stream", name=content.get("name", "stdout"), text=content.get("text", "")))
    elif mtype in ("display_data", "update_display_data"):
        await emit(Output(kind="display", data=dict(content.get("data", {}))))
    elif mtype == "execute_result":
        await emit(Output(kind="result", data=dict(content.get("data", {}))))
    elif mtype == "error":
        err = ErrorInfo(content.get("ename", ""), content.get("evalue", ""), list(content.get("traceback", [])))
        result.error = err
        await emit(Output(kind="error", name=err.ename, text=err.evalue))
    return False


def finish_result(
    result: ExecutionResult, reply: dict[str, Any] | None, interrupted_at: float | None, deadline: Deadline
) -> ExecutionResult:
    """The final reason of an execution that ended without a kernel-level failure (interrupted at the deadline,
    raised, output cut), and the user expressions of the reply. Shared by both execute loops."""
    if result.reason is Reason.OK:
        if interrupted_at is not None:
            result.reason = Reason.TIMEOUT
            result.message = plain_message(Reason.TIMEOUT, limit_s=deadline.limit_s) + " Your variables are kept."
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


class DeathInspector(Protocol):
    """Implemented by provisioners that can tell why a kernel died (OOM, pids, signal)."""

    def death_reason(self) -> tuple[Reason, dict[str, Any]] | None: ...


class KernelHandle:
    """A started kernel: one learner session or one grading, never both."""

    def __init__(self, km: AsyncKernelManager, *, max_message_bytes: int, purpose: str = "") -> None:
        self.km = km
        self.id = km.kernel_id or uuid.uuid4().hex
        self.purpose = purpose
        self.channel_key = ""  # per-kernel secret for the grader's signed result channel
        self._max_message_bytes = max_message_bytes
        self._client: AsyncKernelClient | None = None
        self._ctx: zmq.asyncio.Context | None = None
        self._lock = asyncio.Lock()
        self.busy = False
        self.started_at = time.monotonic()
        self.last_used = time.monotonic()
        self.dead_reason: tuple[Reason, dict[str, Any]] | None = None

    # -- life cycle ---------------------------------------------------------------------------
    async def connect(self, ready_timeout: float = 60.0) -> None:
        self._ctx = zmq.asyncio.Context()
        # A hostile kernel can send arbitrarily large messages: cap them on *our* context.
        self._ctx.setsockopt(zmq.MAXMSGSIZE, self._max_message_bytes)
        info = self.km.get_connection_info(session=True)
        client = AsyncKernelClient(context=self._ctx, **info)
        client.start_channels()
        self._client = client
        ready = asyncio.ensure_future(client.wait_for_ready(timeout=ready_timeout))
        try:
            # Notice a kernel that dies during start-up at once instead of waiting out the ready timeout.
            while not ready.done():
                await asyncio.wait({ready}, timeout=0.25)
                if not ready.done() and not await self.is_alive():
                    ready.cancel()
                    why = await self._why_dead()
                    raise KernelStartError(why or "the kernel exited during start-up")
            ready.result()
        except RuntimeError as exc:
            if isinstance(exc, KernelStartError):
                raise
            raise KernelStartError(await self._why_dead() or f"kernel did not become ready: {exc}") from exc

    async def _why_dead(self) -> str | None:
        reason = self.death_reason()
        if reason is not None:
            return plain_message(reason[0], **reason[1])
        return None

    def death_reason(self) -> tuple[Reason, dict[str, Any]] | None:
        prov = self.km.provisioner
        inspect = getattr(prov, "death_reason", None)
        if callable(inspect):
            result = inspect()
            if result is not None:
                return result
        return None

    async def is_alive(self) -> bool:
        try:
            return bool(await self.km.is_alive())
        except Exception:
            return False

    async def interrupt(self) -> None:
        await self.km.interrupt_kernel()

    async def restart(self) -> None:
        self.dead_reason = None
        await self.km.restart_kernel(now=True)
        if self._client is not None:
            self._client.stop_channels()
        await self.connect()

    async def shutdown(self) -> None:
        with contextlib.suppress(Exception):
            if self._client is not None:
                self._client.stop_channels()
        with contextlib.suppress(Exception):
            await self.km.shutdown_kernel(now=True)
        with contextlib.suppress(Exception):
            if self._ctx is not None:
                self._ctx.destroy(linger=0)
        with contextlib.suppress(Exception):
            await self.km.cleanup_resources()

    async def status(self) -> str:
        if not await self.is_alive():
            return "dead"
        return "busy" if self.busy else "idle"

    # -- execution ------------------------------------------------------------------------------
    async def execute(self, code: str, options: ExecuteOptions | None = None) -> ExecutionResult:
        """Run one cell. Never raises for anything the code did; the result says what happened."""
        opts = options or ExecuteOptions()
        deadline = opts.timeout if isinstance(opts.timeout, Deadline) else Deadline(opts.timeout)
        async with self._lock:
            self.busy = True
            try:
                return await self._execute(code, opts, deadline)
            finally:
                self.busy = False
                self.last_used = time.monotonic()

    async def _execute(self, code: str, opts: ExecuteOptions, deadline: Deadline) -> ExecutionResult:
        client = self._client
        if client is None:
            raise RuntimeError("kernel is not connected")
        started = time.monotonic()
        result = ExecutionResult(reason=Reason.OK)
        budget = [opts.output_limit]
        msg_id = client.execute(
            code, silent=False, store_history=False, user_expressions=opts.user_expressions, allow_stdin=False
        )
        got_idle = False
        reply: dict[str, Any] | None = None
        interrupted_at: float | None = None

        async def emit(out: Output) -> None:
            await emit_capped(out, result, budget, opts)

        while not (got_idle and reply is not None):
            # Deadline handling: interrupt first (keeps state), kill after the grace period.
            if deadline.expired():
                if opts.kill_on_timeout or (
                    interrupted_at is not None and time.monotonic() - interrupted_at > opts.interrupt_grace_s
                ):
                    await self.km.shutdown_kernel(now=True)
                    timed_out(result, opts, deadline)
                    self.dead_reason = (result.reason, {})
                    break
                if interrupted_at is None:
                    interrupted_at = time.monotonic()
                    with contextlib.suppress(Exception):
                        await self.km.interrupt_kernel()
            wait = 0.25
            rem = deadline.remaining()
            if rem is not None and rem > 0:
                wait = min(wait, rem)
            msg = await self._next_message(client, wait)
            if msg is None:
                if reply is None and not await self.is_alive():
                    why = self.death_reason() or (Reason.KILLED, {})
                    result.reason, result.message = why[0], plain_message(why[0], **why[1])
                    self.dead_reason = why
                    break
                continue
            channel, m = msg
            if m.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if channel == "shell":
                reply = m
                if got_idle:
                    break
                continue
            if await handle_iopub(m, result, emit):
                got_idle = True
        result.duration_s = time.monotonic() - started
        return finish_result(result, reply, interrupted_at, deadline)

    async def _next_message(self, client: AsyncKernelClient, wait: float) -> tuple[str, dict[str, Any]] | None:
        """The next iopub or shell message, whichever arrives first within ``wait`` seconds."""
        iopub = client.iopub_channel
        shell = client.shell_channel
        for chan_name, chan in (("iopub", iopub), ("shell", shell)):
            if await chan.msg_ready():
                return chan_name, await chan.get_msg(timeout=0)
        end = time.monotonic() + wait
        while time.monotonic() < end:
            poller = zmq.asyncio.Poller()
            poller.register(iopub.socket, zmq.POLLIN)
            poller.register(shell.socket, zmq.POLLIN)
            events = dict(await poller.poll(timeout=max(1, int((end - time.monotonic()) * 1000))))
            if iopub.socket in events:
                return "iopub", await iopub.get_msg(timeout=0)
            if shell.socket in events:
                return "shell", await shell.get_msg(timeout=0)
        return None


class KernelStartError(RuntimeError):
    """A kernel could not be started; the message is safe to show (no host paths)."""


def new_channel_key() -> str:
    return secrets.token_hex(32)
