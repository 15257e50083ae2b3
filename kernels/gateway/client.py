"""``GatewayKernel``: a kernel behind a Jupyter Kernel Gateway, with ``KernelHandle``'s surface.

``kernels.gateway.rest`` starts, interrupts, restarts and deletes kernels; ``kernels.gateway.channels``
carries the Jupyter messages on one websocket per kernel. This module runs cells on them with the same
semantics and outcomes as ``kernels.runtime.KernelHandle.execute`` (both drive a
``kernels.execute.ExecuteRequest``; only the transport differs): outputs streamed to ``on_output``, a
moving ``Deadline`` (interrupt, then kill = DELETE after the grace period, or at once with
``kill_on_timeout``), the output budget (``budget_streams_only`` too), and death detection. A frame
larger than ``max_message_bytes`` closes the websocket; the client reconnects with the same session id
and reports the output as cut (``OUTPUT_LIMIT``), like a hostile kernel's huge message is refused locally.

``start_gateway_kernel`` starts a kernel (every start sends an explicit ``env``: the kernel's environment
with its fresh ``JAXTUTOR_CHANNEL_KEY``, nothing of the gateway's, plus Enterprise Gateway's resource
variables); ``attach_gateway_kernel`` connects to a kernel another process started, under the session id
it recorded (a learner's Run kernel shared by several web replicas, ``app.services.run.kernel_rows``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from typing import Any

from kernels.execute import Deadline, Due, ExecuteOptions, ExecuteRequest
from kernels.gateway.channels import KernelChannels
from kernels.gateway.rest import GatewayError, GatewayREST, KernelGone, start_body
from kernels.launcher import KernelConfig
from kernels.outcomes import ExecutionResult, Reason
from kernels.runtime import new_channel_key

__all__ = ["GatewayError", "GatewayKernel", "KernelGone", "attach_gateway_kernel", "start_gateway_kernel"]


class GatewayKernel:
    """A started kernel behind a gateway: one learner session or one grading, never both."""

    def __init__(
        self,
        url: str,
        token: str,
        kernel_id: str,
        *,
        max_message_bytes: int = 64 << 20,
        purpose: str = "",
        request_timeout_s: float = 30.0,
        start_body: dict[str, Any] | None = None,
        session_id: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.purpose = purpose
        self.channel_key = ""
        self.busy = False
        self.started_at = time.monotonic()
        self.last_used = time.monotonic()
        self.dead_reason: tuple[Reason, dict[str, Any]] | None = None
        self._token = token
        self._max_message_bytes = max_message_bytes
        self._start_body = start_body
        self._rest = GatewayREST(url, token, request_timeout_s=request_timeout_s)
        self._lock = asyncio.Lock()
        self._shut = False
        self.ch = self._channels(kernel_id, session_id or uuid.uuid4().hex)

    def _channels(self, kernel_id: str, session_id: str) -> KernelChannels:
        return KernelChannels(self._rest, self._token, kernel_id, session_id, max_message_bytes=self._max_message_bytes)

    @property
    def id(self) -> str:
        return self.ch.kernel_id

    @property
    def session_id(self) -> str:
        return self.ch.session_id

    @property
    def oversized(self) -> int:
        return self.ch.oversized

    @property
    def reconnects(self) -> int:
        return self.ch.reconnects

    # -- life cycle ---------------------------------------------------------------------------
    async def connect(self, ready_timeout: float = 60.0) -> None:
        """Open the websocket and wait until the kernel answers on both shell and iopub."""
        self.ch.active = True
        try:
            await self.ch.open(ready_timeout)
        finally:
            self.ch.active = self.busy

    async def ensure_attached(self, ready_timeout: float = 60.0) -> bool:
        """Connected (a connection dropped while idle is reopened with the same session id); False when the
        kernel is gone (died, culled, deleted: asked of the gateway, since an open connection may not have
        heard yet). Raises ``KernelStartError`` when the gateway is unreachable."""
        if self._shut or self.ch.lost is not None:
            return False
        if await self._rest.state(self.id) in ("gone", "dead"):
            self.ch.mark_lost((Reason.KILLED, {}))
            return False
        self.ch.active = True
        try:
            return await self.ch.ensure(ready_timeout)
        finally:
            self.ch.active = self.busy

    def death_reason(self) -> tuple[Reason, dict[str, Any]] | None:
        return self.ch.lost

    async def is_alive(self) -> bool:
        if self.ch.lost is not None or self._shut:
            return False
        state = await self._rest.state(self.id)
        if state == "gone":
            self.ch.mark_lost((Reason.KILLED, {}))
            return False
        return state is not None and state != "dead"

    async def interrupt(self) -> None:
        await self._rest.interrupt(self.id)

    async def restart(self) -> None:
        """Restart (state is lost) and wait until ready on both channels. A killed kernel is started anew."""
        self.dead_reason = None
        self.ch.restarting = self.ch.active = True
        try:
            if self.ch.lost is None and self.ch.detached:
                with contextlib.suppress(Exception):  # a kernel found gone is started anew below
                    await self.ch.ensure()
            if self.ch.lost is None and await self._rest.restart(self.id):
                self.ch.drain()
                await self.ch.wait_ready()
                return
            if self._start_body is None:
                raise GatewayError("the kernel is gone and cannot be restarted")
            await self.ch.close()
            kernel_id = await self._rest.start(self._start_body)
            self.ch = self._channels(kernel_id, uuid.uuid4().hex)
            self.ch.restarting = self.ch.active = True
            await self.ch.open()
        finally:
            self.ch.restarting = False
            self.ch.active = self.busy

    async def detach(self) -> None:
        """Close this process's connection; the kernel keeps running (another replica may use it)."""
        self._shut = True
        await self.ch.close()
        await self._rest.aclose()

    async def shutdown(self) -> None:
        self._shut = True
        await self._rest.delete(self.id)
        await self.ch.close()
        await self._rest.aclose()

    async def status(self) -> str:
        if not await self.is_alive():
            return "dead"
        return "busy" if self.busy else "idle"

    # -- execution ---------------------------------------------------------------------------------
    async def execute(self, code: str, options: ExecuteOptions | None = None) -> ExecutionResult:
        """Run one cell. Never raises for anything the code did; the result says what happened."""
        opts = options or ExecuteOptions()
        deadline = opts.deadline()
        async with self._lock:
            self.busy = self.ch.active = True
            try:
                return await self._execute(code, opts, deadline)
            finally:
                self.busy = self.ch.active = False
                self.last_used = time.monotonic()

    async def shell_request(self, msg_type: str, content: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """One quick shell request (``complete_request``, ``inspect_request``): the reply's content, or None when
        the kernel is running a cell, is not connected here, or does not answer within ``timeout`` seconds.
        Other messages read meanwhile are dropped (no execute is reading: it holds the lock)."""
        ch = self.ch
        if self._lock.locked() or self._shut or ch.lost is not None or ch.detached:
            return None
        async with self._lock:
            try:
                msg_id = await asyncio.wait_for(ch.send("shell", msg_type, content), timeout)
            except (ConnectionError, TimeoutError):
                return None
            end = time.monotonic() + timeout
            while (left := end - time.monotonic()) > 0:
                item = await ch.next(left)
                if item is None:
                    return None
                channel, m = item
                if channel == "shell" and m.get("parent_header", {}).get("msg_id") == msg_id:
                    self.last_used = time.monotonic()
                    return dict(m.get("content") or {})
            return None

    def _lost(self) -> tuple[Reason, dict[str, Any]]:
        self.dead_reason = self.ch.lost or (Reason.KILLED, {})
        return self.dead_reason

    async def _execute(self, code: str, opts: ExecuteOptions, deadline: Deadline) -> ExecutionResult:
        ch = self.ch
        if ch.lost is None and not self._shut and ch.detached:
            with contextlib.suppress(Exception):  # unreachable: the send below reports the lost kernel
                await ch.ensure()
        req = ExecuteRequest("", opts, deadline)
        if ch.lost is not None:
            req.lost(self._lost())
            return req.result
        oversized_before = ch.oversized
        content = {
            "code": code,
            "silent": False,
            "store_history": False,
            "user_expressions": opts.user_expressions,
            "allow_stdin": False,
            "stop_on_error": True,
        }
        try:
            req.msg_id = await ch.send("shell", "execute_request", content)
        except ConnectionError:
            ch.mark_lost(ch.lost or (Reason.KILLED, {}))
            req.lost(self._lost())
            return req.result
        probe_id: str | None = None
        quiet_since = time.monotonic()
        while not req.done:
            due = req.due()
            if due is Due.KILL:
                ch.mark_lost((Reason.KILLED, {}))
                await self._rest.delete(self.id)
                self.dead_reason = req.killed()
                break
            if due is Due.INTERRUPT:
                with contextlib.suppress(Exception):
                    await self.interrupt()
            if probe_id is None and ch.oversized > oversized_before and ch.connected.is_set():
                with contextlib.suppress(ConnectionError):
                    probe_id = await ch.send("shell", "kernel_info_request", {})
            item = await ch.next(req.wait_s())
            if item is None:
                if req.reply is None:
                    if ch.lost is not None:
                        req.lost(self._lost())
                        break
                    # Belt and braces: a gateway without our server classes may never say "dead".
                    if time.monotonic() - quiet_since > 2.0:
                        quiet_since = time.monotonic()
                        if not await self.is_alive():
                            req.lost(self._lost())
                            break
                continue
            quiet_since = time.monotonic()
            channel, m = item
            if probe_id is not None and channel == "shell" and m.get("parent_header", {}).get("msg_id") == probe_id:
                # The shell answers in order: the execution is over, its last messages were lost with the
                # oversized frame's connection. Its output was cut either way.
                req.reply = req.reply or {"content": {"status": "ok"}}
                break
            if not await req.take(channel, m) and ch.lost is not None and req.reply is None:
                req.lost(self._lost())
                break
        if ch.oversized > oversized_before:
            req.result.truncated = True
        return req.finish()


async def start_gateway_kernel(
    config: KernelConfig,
    url: str,
    token: str,
    *,
    kernel_name: str = "jaxtutor",
    request_timeout_s: float = 30.0,
    gpus: int = 0,
) -> GatewayKernel:
    """Start one kernel on the gateway and return it connected and ready.

    The kernel's whole environment is sent (``kernel_env``), including its fresh ``channel_key``, with the
    resource variables of ``kernels.gateway.rest.resource_env``. The gateway's kernelspec decides the
    interpreter, the preload lines and the sandbox; ``config`` supplies the environment, the resources, the
    readiness timeout and the message size cap. Raises ``KernelStartError``.
    """
    channel_key = new_channel_key()
    body = start_body(config, channel_key, kernel_name, gpus=gpus)
    probe = GatewayREST(url, token, request_timeout_s=request_timeout_s)
    try:
        kid = await probe.start(body)
    finally:
        await probe.aclose()
    kernel = GatewayKernel(
        url,
        token,
        kid,
        max_message_bytes=config.max_message_bytes,
        purpose=config.purpose,
        request_timeout_s=request_timeout_s,
        start_body=body,
    )
    kernel.channel_key = channel_key
    try:
        await kernel.connect(ready_timeout=config.ready_timeout_s)
    except BaseException:
        await kernel.shutdown()
        raise
    return kernel


async def attach_gateway_kernel(
    url: str,
    token: str,
    kernel_id: str,
    session_id: str,
    *,
    max_message_bytes: int = 64 << 20,
    purpose: str = "",
    ready_timeout_s: float = 60.0,
    request_timeout_s: float = 30.0,
) -> GatewayKernel:
    """Connect to a running kernel under the session id it was used with (the gateway replays what it
    buffered for that session, and closes any older connection with the same id). Raises ``KernelGone``
    when the gateway no longer knows the kernel, ``KernelStartError`` when it cannot be reached.
    The returned kernel cannot be restarted once dead (a new one is the caller's business)."""
    kernel = GatewayKernel(
        url,
        token,
        kernel_id,
        max_message_bytes=max_message_bytes,
        purpose=purpose,
        request_timeout_s=request_timeout_s,
        session_id=session_id,
    )
    try:
        if not await kernel.ensure_attached(ready_timeout_s):
            raise KernelGone("the kernel is gone")
    except BaseException:
        await kernel.detach()
        raise
    return kernel
