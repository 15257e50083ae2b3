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
from typing import Any, Protocol

import zmq
import zmq.asyncio
from jupyter_client import AsyncKernelClient, AsyncKernelManager

from kernels.execute import Deadline, Due, ExecuteOptions, ExecuteRequest
from kernels.outcomes import ExecutionResult, Reason, plain_message

#: How long to wait for an answer to one ``kernel_info`` request before asking again while a kernel starts.
READY_ROUND_S = 1.0

__all__ = ["Deadline", "ExecuteOptions", "KernelHandle", "KernelStartError", "new_channel_key"]


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
        # parent=km: jupyter-client then judges "alive" by the kernel process, not by heartbeats. A kernel
        # starved of CPU (a class starting together on a small machine) misses heartbeats and was declared
        # "died before replying to kernel_info" while it was still importing.
        client = AsyncKernelClient(parent=self.km, context=self._ctx, **info)
        client.start_channels()
        self._client = client
        ready = asyncio.ensure_future(self._wait_ready(client, ready_timeout))
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

    async def _wait_ready(self, client: AsyncKernelClient, timeout: float) -> None:
        """Ask ``kernel_info`` (again each second) until the kernel answers on shell AND a message arrives on
        iopub, which shows that our subscription is live (a ZeroMQ subscriber misses what is published before
        it joined). Unlike jupyter-client's ``wait_for_ready`` this has no fixed sleeps: no 0.2 s heartbeat
        polling first and no 0.2 s of iopub silence awaited at the end. Left-over startup messages are
        harmless: every execution only takes messages whose parent is its own request."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            client.kernel_info()
            replied = subscribed = False
            round_end = min(end, time.monotonic() + READY_ROUND_S)
            while not (replied and subscribed) and time.monotonic() < round_end:
                msg = await self._next_message(client, round_end - time.monotonic())
                if msg is None:
                    break
                channel, m = msg
                if channel == "iopub":
                    subscribed = True
                elif m.get("msg_type", m.get("header", {}).get("msg_type")) == "kernel_info_reply":
                    replied = True
                    client._handle_kernel_info_reply(m)  # adapts the protocol version to the kernel's
            if replied and subscribed:
                return
        raise RuntimeError(f"the kernel did not answer within {timeout:.0f} s")

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
            await self._kill_now()
        with contextlib.suppress(Exception):
            await self.km.shutdown_kernel(now=True)
        with contextlib.suppress(Exception):
            if self._ctx is not None:
                self._ctx.destroy(linger=0)
        with contextlib.suppress(Exception):
            await self.km.cleanup_resources()

    async def _kill_now(self) -> None:
        """Kill the kernel and reap it, looking every 5 ms. jupyter-client's own kill looks every 100 ms, which
        added about 0.1 s to every grading (its report waits for the kernel to be gone). Reaped here, the
        process is forgotten (``wait``), so no later signal can reach a reused pid; cleanup is left to
        ``shutdown_kernel``."""
        prov = self.km.provisioner
        if prov is None or not self.km.has_kernel:
            return
        await prov.kill()
        give_up = time.monotonic() + 2.0
        while await prov.poll() is None:
            if time.monotonic() > give_up:
                return  # jupyter-client's shutdown takes over
            await asyncio.sleep(0.005)
        await prov.wait()

    async def status(self) -> str:
        if not await self.is_alive():
            return "dead"
        return "busy" if self.busy else "idle"

    # -- execution ------------------------------------------------------------------------------
    async def execute(self, code: str, options: ExecuteOptions | None = None) -> ExecutionResult:
        """Run one cell. Never raises for anything the code did; the result says what happened."""
        opts = options or ExecuteOptions()
        deadline = opts.deadline()
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
        msg_id = client.execute(
            code, silent=False, store_history=False, user_expressions=opts.user_expressions, allow_stdin=False
        )
        req = ExecuteRequest(msg_id, opts, deadline)
        while not req.done:
            due = req.due()
            if due is Due.KILL:
                await self.km.shutdown_kernel(now=True)
                self.dead_reason = req.killed()
                break
            if due is Due.INTERRUPT:
                with contextlib.suppress(Exception):
                    await self.km.interrupt_kernel()
            msg = await self._next_message(client, req.wait_s())
            if msg is not None:
                await req.take(*msg)
            elif req.reply is None and not await self.is_alive():
                self.dead_reason = self.death_reason() or (Reason.KILLED, {})
                req.lost(self.dead_reason)
                break
        return req.finish()

    async def shell_request(self, msg_type: str, content: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """Send one quick shell request (``complete_request``, ``inspect_request``) and return the reply's content;
        None when the kernel is running a cell (its channels belong to that execute), is not connected, or does
        not answer within ``timeout`` seconds. Never waits behind an execute: the editor's helpers must not
        delay or be delayed by a Run. Stray messages (iopub status, a late reply) are left for ``execute``,
        which ignores what is not its own."""
        client = self._client
        if client is None or self._lock.locked():
            return None
        async with self._lock:  # acquired at once (checked above, no await in between)
            msg = client.session.msg(msg_type, content)
            client.shell_channel.send(msg)
            msg_id = msg["header"]["msg_id"]
            end = time.monotonic() + timeout
            while (left := end - time.monotonic()) > 0:
                try:
                    reply = await client.shell_channel.get_msg(timeout=left)
                except Exception:  # queue.Empty on timeout
                    return None
                if reply.get("parent_header", {}).get("msg_id") == msg_id:
                    self.last_used = time.monotonic()
                    return dict(reply.get("content") or {})
            return None

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
