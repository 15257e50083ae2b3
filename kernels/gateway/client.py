"""``GatewayKernel``: a kernel behind a Jupyter Kernel Gateway, with ``KernelHandle``'s surface.

REST (httpx) starts, interrupts, restarts and deletes kernels; one WebSocket per kernel carries the
Jupyter messages (one JSON text frame each, routed by ``parent_header.msg_id``). Execution has the same
semantics and outcomes as ``kernels.runtime.KernelHandle.execute``: outputs streamed to ``on_output``, a
moving ``Deadline`` (interrupt, then kill = DELETE after the grace period, or at once with
``kill_on_timeout``), the output budget (``budget_streams_only`` too), and death detection.

Details that matter (see /work/shared/notes/gateway-and-postgres.md):

* the token goes on every REST call *and* on the websocket handshake;
* every start sends an explicit ``env`` (``kernel_env(config, channel_key)``), so the grader's per-kernel
  ``JAXTUTOR_CHANNEL_KEY`` reaches the kernel and nothing of the gateway's environment does;
* a kernel is ready only when a ``kernel_info_request`` got its shell reply *and* an iopub message
  (re-sent until both: iopub output is otherwise lost after some restarts);
* TCP_NODELAY, and TCP_QUICKACK re-armed after every received frame: no ~40 ms Nagle/delayed-ACK stall;
* messages larger than ``max_message_bytes`` close the websocket (websockets' ``max_size``); the client
  reconnects with the same session id (the gateway replays what it buffered) and reports the output as
  cut (``OUTPUT_LIMIT``), like a hostile kernel's huge message is refused locally;
* a kernel that dies is reported with the reason the gateway sends (``kernels.gateway.server``) or as
  ``KILLED``; a kernel the gateway no longer knows (404) is dead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect

from kernels.launcher import KernelConfig, kernel_env
from kernels.outcomes import ErrorInfo, ExecutionResult, Output, Reason, plain_message
from kernels.runtime import Deadline, ExecuteOptions, KernelStartError, emit_capped, new_channel_key

PROTOCOL_VERSION = "5.3"
_TOO_BIG = 1009  # websocket close code: message too big


class GatewayError(KernelStartError):
    """The gateway refused or failed a request; the message is safe to show."""


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
    ) -> None:
        self.url = url.rstrip("/")
        self.id = kernel_id
        self.purpose = purpose
        self.channel_key = ""
        self.session_id = uuid.uuid4().hex
        self.busy = False
        self.started_at = time.monotonic()
        self.last_used = time.monotonic()
        self.dead_reason: tuple[Reason, dict[str, Any]] | None = None
        self._token = token
        self._max_message_bytes = max_message_bytes
        self._start_body = start_body
        self._http = httpx.AsyncClient(
            base_url=self.url, headers={"Authorization": f"token {token}"}, timeout=request_timeout_s
        )
        self._lock = asyncio.Lock()
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._ws: ClientConnection | None = None
        self._sock: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._closing = False
        self._restarting = False
        self._lost: tuple[Reason, dict[str, Any]] | None = None  # the gateway says the kernel is gone
        self.oversized = 0  # frames refused because they exceeded max_message_bytes
        self.reconnects = 0

    # -- connection ---------------------------------------------------------------------------
    def _ws_url(self) -> str:
        base = "ws" + self.url[4:] if self.url.startswith("http") else self.url
        return f"{base}/api/kernels/{self.id}/channels?session_id={self.session_id}"

    async def _open_ws(self) -> None:
        ws = await ws_connect(
            self._ws_url(),
            additional_headers={"Authorization": f"token {self._token}"},
            max_size=self._max_message_bytes,
            compression=None,
            proxy=None,
            open_timeout=60,
            ping_interval=20,
            ping_timeout=60,
            close_timeout=2,
            max_queue=None,
        )
        self._ws = ws
        self._sock = ws.transport.get_extra_info("socket")
        with contextlib.suppress(OSError, AttributeError):
            self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._quickack()
        self._connected.set()

    def _quickack(self) -> None:
        # Linux clears TCP_QUICKACK after a while; re-arm it so our ACKs never wait for the delayed-ACK timer.
        if self._sock is not None and hasattr(socket, "TCP_QUICKACK"):
            with contextlib.suppress(OSError, AttributeError):
                self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

    async def connect(self, ready_timeout: float = 60.0) -> None:
        """Open the websocket and wait until the kernel answers on both shell and iopub."""
        try:
            await self._open_ws()
        except (OSError, websockets.exceptions.WebSocketException, TimeoutError) as exc:
            raise KernelStartError(self._why_lost() or f"cannot connect to the kernel ({type(exc).__name__})") from exc
        self._reader = asyncio.create_task(self._read_loop())
        await self.wait_ready(ready_timeout)

    async def _read_loop(self) -> None:
        while not self._closing:
            ws = self._ws
            if ws is None:
                return
            try:
                async for raw in ws:
                    self._quickack()
                    if not isinstance(raw, str):
                        continue  # binary (v1) protocol frames: never requested
                    try:
                        msg = json.loads(raw)
                    except ValueError:
                        continue
                    channel = msg.get("channel", "")
                    self._note_status(channel, msg)
                    self._queue.put_nowait((channel, msg))
            except websockets.exceptions.ConnectionClosed:
                pass
            self._connected.clear()
            if self._closing or self._lost is not None:
                return
            codes = {f.code for f in (ws.protocol.close_sent, ws.protocol.close_rcvd) if f is not None}
            if _TOO_BIG in codes:
                self.oversized += 1
            if not await self._reconnect():
                return

    async def _reconnect(self) -> bool:
        """Reconnect with the same session id (the gateway replays what it buffered meanwhile)."""
        for attempt in range(5):
            if self._closing:
                return False
            if not await self._exists():
                self._mark_lost((Reason.KILLED, {}))
                return False
            try:
                await self._open_ws()
                self.reconnects += 1
                return True
            except (OSError, websockets.exceptions.WebSocketException, TimeoutError):
                await asyncio.sleep(0.1 * (attempt + 1))
        self._mark_lost((Reason.KILLED, {}))
        return False

    def _note_status(self, channel: str, msg: dict[str, Any]) -> None:
        if channel != "iopub" or msg.get("header", {}).get("msg_type") != "status" or msg.get("parent_header"):
            return
        content = msg.get("content", {})
        state = content.get("execution_state")
        if state == "dead" or (state == "restarting" and not self._restarting):
            self._mark_lost(_death_from(content))

    def _mark_lost(self, why: tuple[Reason, dict[str, Any]]) -> None:
        if self._lost is None:
            self._lost = why
        self._connected.set()  # wake anyone waiting to send

    def _why_lost(self) -> str | None:
        return None if self._lost is None else plain_message(self._lost[0], **self._lost[1])

    async def _send(self, channel: str, msg_type: str, content: dict[str, Any]) -> str:
        msg_id = uuid.uuid4().hex
        msg = {
            "header": {
                "msg_id": msg_id,
                "msg_type": msg_type,
                "username": "jaxtutor",
                "session": self.session_id,
                "date": datetime.now(UTC).isoformat(),
                "version": PROTOCOL_VERSION,
            },
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": channel,
            "buffers": [],
        }
        data = json.dumps(msg)
        for _ in range(3):
            if not self._connected.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._connected.wait(), 10)
            ws = self._ws
            if self._lost is not None or ws is None:
                break
            try:
                await ws.send(data)
                return msg_id
            except websockets.exceptions.ConnectionClosed:
                self._connected.clear()
                await asyncio.sleep(0.05)
        raise ConnectionError("the kernel's websocket is closed")

    async def _next(self, wait: float) -> tuple[str, dict[str, Any]] | None:
        try:
            return await asyncio.wait_for(self._queue.get(), wait)
        except TimeoutError:
            return None

    async def wait_ready(self, timeout: float = 60.0) -> None:
        """Ready = a kernel_info_request answered on shell *and* seen on iopub; re-sent until both."""
        end = time.monotonic() + timeout
        sent: set[str] = set()
        got_shell = got_iopub = False
        while not (got_shell and got_iopub):
            if self._lost is not None:
                raise KernelStartError(self._why_lost() or "the kernel died while starting")
            if time.monotonic() > end:
                raise KernelStartError(f"kernel did not become ready within {timeout:g} s")
            try:
                sent.add(await self._send("shell", "kernel_info_request", {}))
            except ConnectionError as exc:
                raise KernelStartError(self._why_lost() or "lost the connection to the kernel") from exc
            resend_at = time.monotonic() + 0.25
            while not (got_shell and got_iopub) and time.monotonic() < min(resend_at, end):
                item = await self._next(max(0.01, min(resend_at, end) - time.monotonic()))
                if item is None:
                    if self._lost is not None:
                        break
                    continue
                channel, m = item
                if m.get("parent_header", {}).get("msg_id") not in sent:
                    continue
                if channel == "shell":
                    got_shell = True
                elif channel == "iopub":
                    got_iopub = True
        # Let the idle status of the last request arrive, then start from an empty queue.
        await asyncio.sleep(0)
        while not self._queue.empty():
            self._queue.get_nowait()

    # -- REST ------------------------------------------------------------------------------------
    async def _exists(self) -> bool:
        try:
            r = await self._http.get(f"/api/kernels/{self.id}")
        except httpx.HTTPError:
            return True  # the gateway is unreachable, not the kernel known to be gone
        return r.status_code != 404

    def death_reason(self) -> tuple[Reason, dict[str, Any]] | None:
        return self._lost

    async def is_alive(self) -> bool:
        if self._lost is not None or self._closing:
            return False
        try:
            r = await self._http.get(f"/api/kernels/{self.id}")
        except httpx.HTTPError:
            return False
        if r.status_code == 404:
            self._mark_lost((Reason.KILLED, {}))
            return False
        return r.status_code == 200 and r.json().get("execution_state") != "dead"

    async def interrupt(self) -> None:
        r = await self._http.post(f"/api/kernels/{self.id}/interrupt")
        if r.status_code not in (200, 204):
            raise GatewayError(f"the gateway refused to interrupt the kernel (HTTP {r.status_code})")

    async def restart(self) -> None:
        """Restart (state is lost) and wait until ready on both channels. A killed kernel is started anew."""
        self.dead_reason = None
        self._restarting = True
        try:
            r = None
            if self._lost is None:
                with contextlib.suppress(httpx.HTTPError):
                    r = await self._http.post(f"/api/kernels/{self.id}/restart", timeout=120)
            if r is not None and r.status_code == 200:
                while not self._queue.empty():
                    self._queue.get_nowait()
                await self.wait_ready()
                return
            if self._start_body is None:
                raise GatewayError("the kernel is gone and cannot be restarted")
            await self._close_ws()
            self._lost = None
            self._closing = False
            self.id = await _post_kernel(self._http, self._start_body)
            self.session_id = uuid.uuid4().hex
            await self.connect()
        finally:
            self._restarting = False

    async def _delete(self) -> None:
        with contextlib.suppress(httpx.HTTPError):
            await self._http.delete(f"/api/kernels/{self.id}")

    async def _close_ws(self) -> None:
        self._closing = True
        self._connected.clear()
        ws, self._ws = self._ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
            self._reader = None
        while not self._queue.empty():
            self._queue.get_nowait()

    async def shutdown(self) -> None:
        self._closing = True
        await self._delete()
        await self._close_ws()
        with contextlib.suppress(Exception):
            await self._http.aclose()

    async def status(self) -> str:
        if not await self.is_alive():
            return "dead"
        return "busy" if self.busy else "idle"

    # -- execution ---------------------------------------------------------------------------------
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

    def _lost_result(self, result: ExecutionResult) -> None:
        why = self._lost or (Reason.KILLED, {})
        result.reason, result.message = why[0], plain_message(why[0], **why[1])
        self.dead_reason = why

    async def _execute(self, code: str, opts: ExecuteOptions, deadline: Deadline) -> ExecutionResult:
        started = time.monotonic()
        result = ExecutionResult(reason=Reason.OK)
        if self._lost is not None:
            self._lost_result(result)
            return result
        budget = [opts.output_limit]
        oversized_before = self.oversized
        try:
            msg_id = await self._send(
                "shell",
                "execute_request",
                {
                    "code": code,
                    "silent": False,
                    "store_history": False,
                    "user_expressions": opts.user_expressions,
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
            )
        except ConnectionError:
            self._mark_lost(self._lost or (Reason.KILLED, {}))
            self._lost_result(result)
            return result
        got_idle = False
        reply: dict[str, Any] | None = None
        interrupted_at: float | None = None
        probe_id: str | None = None
        quiet_since = time.monotonic()

        async def emit(out: Output) -> None:
            await emit_capped(out, result, budget, opts)

        while not (got_idle and reply is not None):
            # Deadline handling: interrupt first (keeps state), kill (DELETE) after the grace period.
            if deadline.expired():
                if opts.kill_on_timeout or (
                    interrupted_at is not None and time.monotonic() - interrupted_at > opts.interrupt_grace_s
                ):
                    self._mark_lost((Reason.KILLED, {}))
                    await self._delete()
                    if opts.kill_on_timeout:
                        result.reason = Reason.TIMEOUT
                        result.message = plain_message(Reason.TIMEOUT, limit_s=deadline.limit_s)
                    else:
                        result.reason = Reason.KILLED
                        result.message = (
                            plain_message(Reason.TIMEOUT, limit_s=deadline.limit_s)
                            + " It did not stop when interrupted, so the kernel was stopped and its state is lost."
                        )
                    self.dead_reason = (result.reason, {})
                    break
                if interrupted_at is None:
                    interrupted_at = time.monotonic()
                    with contextlib.suppress(Exception):
                        await self.interrupt()
            wait = 0.25
            rem = deadline.remaining()
            if rem is not None and rem > 0:
                wait = min(wait, rem)
            if probe_id is None and self.oversized > oversized_before and self._connected.is_set():
                with contextlib.suppress(ConnectionError):
                    probe_id = await self._send("shell", "kernel_info_request", {})
            item = await self._next(wait)
            if item is None:
                if reply is None:
                    if self._lost is not None:
                        self._lost_result(result)
                        break
                    # Belt and braces: a gateway without our server classes may never say "dead".
                    if time.monotonic() - quiet_since > 2.0:
                        quiet_since = time.monotonic()
                        if not await self.is_alive():
                            self._lost_result(result)
                            break
                continue
            quiet_since = time.monotonic()
            channel, m = item
            parent_id = m.get("parent_header", {}).get("msg_id")
            if probe_id is not None and parent_id == probe_id and channel == "shell":
                # The shell answers in order: the execution is over, its last messages were lost with the
                # oversized frame's connection. Its output was cut either way.
                if reply is None:
                    reply = {"content": {"status": "ok"}}
                break
            if parent_id != msg_id:
                if self._lost is not None and reply is None:
                    self._lost_result(result)
                    break
                continue
            if channel == "shell":
                reply = m
                if got_idle:
                    break
                continue
            if channel != "iopub":
                continue
            mtype = m["header"]["msg_type"]
            content = m["content"]
            if mtype == "status" and content.get("execution_state") == "idle":
                got_idle = True
            elif mtype == "stream":
                await emit(Output(kind="stream", name=content.get("name", "stdout"), text=content.get("text", "")))
            elif mtype in ("display_data", "update_display_data"):
                await emit(Output(kind="display", data=dict(content.get("data", {}))))
            elif mtype == "execute_result":
                await emit(Output(kind="result", data=dict(content.get("data", {}))))
            elif mtype == "error":
                err = ErrorInfo(content.get("ename", ""), content.get("evalue", ""), list(content.get("traceback", [])))
                result.error = err
                await emit(Output(kind="error", name=err.ename, text=err.evalue))
        if self.oversized > oversized_before:
            result.truncated = True
        result.duration_s = time.monotonic() - started
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


def _death_from(content: dict[str, Any]) -> tuple[Reason, dict[str, Any]]:
    info = content.get("jaxtutor_death")
    if isinstance(info, dict):
        try:
            return Reason(str(info.get("reason"))), dict(info.get("figures") or {})
        except ValueError:
            pass
    return Reason.KILLED, {}


async def _post_kernel(http: httpx.AsyncClient, body: dict[str, Any]) -> str:
    try:
        r = await http.post("/api/kernels", json=body)
    except httpx.HTTPError as exc:
        raise GatewayError(f"the kernel gateway is unreachable ({type(exc).__name__})") from exc
    if r.status_code == 201:
        return str(r.json()["id"])
    if r.status_code in (401, 403) and "max" not in r.text.lower():
        raise GatewayError(f"the kernel gateway refused the token (HTTP {r.status_code})")
    if r.status_code == 403:
        raise GatewayError("the kernel gateway runs as many kernels as it may (max_kernels)")
    if r.status_code == 500:
        # Unknown kernelspec names are a 500 with a traceback: say which, never pass the traceback on.
        with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
            specs = (await http.get("/api/kernelspecs")).json()["kernelspecs"]
            if body.get("name") not in specs:
                raise GatewayError(f"the kernel gateway has no kernelspec {body.get('name')!r}")
    raise GatewayError(f"the kernel gateway could not start a kernel (HTTP {r.status_code})")


async def start_gateway_kernel(
    config: KernelConfig,
    url: str,
    token: str,
    *,
    kernel_name: str = "jaxtutor",
    request_timeout_s: float = 30.0,
) -> GatewayKernel:
    """Start one kernel on the gateway and return it connected and ready.

    The kernel's whole environment is sent (``kernel_env``), including its fresh ``channel_key``. The
    gateway's kernelspec decides the interpreter, the preload lines and the sandbox; ``config`` supplies the
    environment, the readiness timeout and the message size cap. Raises ``KernelStartError``.
    """
    channel_key = new_channel_key()
    body = {"name": kernel_name, "env": kernel_env(config, channel_key)}
    probe = httpx.AsyncClient(
        base_url=url.rstrip("/"), headers={"Authorization": f"token {token}"}, timeout=request_timeout_s
    )
    try:
        kid = await _post_kernel(probe, body)
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
