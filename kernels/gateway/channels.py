"""The gateway's websocket side: one connection per kernel carrying the Jupyter messages.

One JSON text frame per message, routed by ``parent_header.msg_id`` (``GatewayKernel`` does the routing).
Details that matter (see /work/shared/notes/gateway-and-postgres.md):

* the token goes on the websocket handshake too;
* a kernel is ready only when a ``kernel_info_request`` got its shell reply *and* an iopub message
  (re-sent until both: iopub output is otherwise lost after some restarts);
* TCP_NODELAY, and TCP_QUICKACK re-armed after every received frame: no ~40 ms Nagle/delayed-ACK stall;
* messages larger than ``max_message_bytes`` close the websocket (websockets' ``max_size``);
* the connection is named by a **session id**. Reconnecting with the same one makes the gateway replay what
  it buffered while nobody was connected, and a second connection with the same id replaces the first
  (the gateway closes the older one). So a connection that drops while the kernel is *in use*
  (``active``: executing, restarting, starting) is reopened at once, while one that drops while idle is
  left closed (``detached``) and reopened by ``ensure()`` on next use: another replica serving the same
  learner may have taken the session over, and reconnecting at once would take it back, ping-pong;
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

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect

from kernels.gateway.rest import GatewayREST
from kernels.outcomes import Reason, plain_message
from kernels.runtime import KernelStartError

PROTOCOL_VERSION = "5.3"
_TOO_BIG = 1009  # websocket close code: message too big

Message = tuple[str, dict[str, Any]]


class KernelChannels:
    """The websocket of one kernel under one session id."""

    def __init__(
        self, rest: GatewayREST, token: str, kernel_id: str, session_id: str, *, max_message_bytes: int
    ) -> None:
        self.rest = rest
        self.kernel_id = kernel_id
        self.session_id = session_id
        self._token = token
        self._max_message_bytes = max_message_bytes
        self.queue: asyncio.Queue[Message] = asyncio.Queue()
        self.connected = asyncio.Event()
        self.active = False  # the kernel is in use: reconnect at once when the connection drops
        self.restarting = False  # a restart of ours is under way: its "restarting" status is expected
        self.lost: tuple[Reason, dict[str, Any]] | None = None  # the kernel is gone, and why
        self.oversized = 0  # frames refused because they exceeded max_message_bytes
        self.reconnects = 0
        self._ws: ClientConnection | None = None
        self._sock: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._closing = False

    # -- opening -------------------------------------------------------------------------------
    def _ws_url(self) -> str:
        url = self.rest.url
        base = "ws" + url[4:] if url.startswith("http") else url
        return f"{base}/api/kernels/{self.kernel_id}/channels?session_id={self.session_id}"

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
        self.connected.set()

    def _quickack(self) -> None:
        # Linux clears TCP_QUICKACK after a while; re-arm it so our ACKs never wait for the delayed-ACK timer.
        if self._sock is not None and hasattr(socket, "TCP_QUICKACK"):
            with contextlib.suppress(OSError, AttributeError):
                self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

    async def open(self, ready_timeout: float = 60.0) -> None:
        """Open the websocket and wait until the kernel answers on both shell and iopub."""
        self._closing = False
        try:
            await self._open_ws()
        except (OSError, websockets.exceptions.WebSocketException, TimeoutError) as exc:
            raise KernelStartError(self.why_lost() or f"cannot connect to the kernel ({type(exc).__name__})") from exc
        self._reader = asyncio.create_task(self._read_loop())
        await self.wait_ready(ready_timeout)

    @property
    def detached(self) -> bool:
        """The connection was closed while idle (by the gateway, the network, or another replica's
        connection with the same session id) and not reopened yet."""
        return self.lost is None and not self._closing and not self.connected.is_set()

    async def ensure(self, ready_timeout: float = 60.0) -> bool:
        """Connected and ready (reopening a detached connection with the same session id); False when the
        kernel is gone. Raises ``KernelStartError`` when the gateway cannot be reached."""
        if self.lost is not None:
            return False
        if self.connected.is_set() and self._reader is not None and not self._reader.done():
            return True
        await self.close()
        if not await self.rest.exists(self.kernel_id):
            self.mark_lost((Reason.KILLED, {}))
            return False
        await self.open(ready_timeout)
        self.reconnects += 1
        return True

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
                    self.queue.put_nowait((channel, msg))
            except websockets.exceptions.ConnectionClosed:
                pass
            self.connected.clear()
            if self._closing or self.lost is not None:
                return
            codes = {f.code for f in (ws.protocol.close_sent, ws.protocol.close_rcvd) if f is not None}
            if _TOO_BIG in codes:
                self.oversized += 1
            if not self.active:
                return  # detached: ensure() reopens it on next use
            if not await self._reconnect():
                return

    async def _reconnect(self) -> bool:
        """Reconnect with the same session id (the gateway replays what it buffered meanwhile)."""
        for attempt in range(5):
            if self._closing:
                return False
            if not await self.rest.exists(self.kernel_id):
                self.mark_lost((Reason.KILLED, {}))
                return False
            try:
                await self._open_ws()
                self.reconnects += 1
                return True
            except (OSError, websockets.exceptions.WebSocketException, TimeoutError):
                await asyncio.sleep(0.1 * (attempt + 1))
        self.mark_lost((Reason.KILLED, {}))
        return False

    def _note_status(self, channel: str, msg: dict[str, Any]) -> None:
        if channel != "iopub" or msg.get("header", {}).get("msg_type") != "status" or msg.get("parent_header"):
            return
        content = msg.get("content", {})
        state = content.get("execution_state")
        if state == "dead" or (state == "restarting" and not self.restarting):
            self.mark_lost(_death_from(content))

    def mark_lost(self, why: tuple[Reason, dict[str, Any]]) -> None:
        if self.lost is None:
            self.lost = why
        self.connected.set()  # wake anyone waiting to send

    def why_lost(self) -> str | None:
        return None if self.lost is None else plain_message(self.lost[0], **self.lost[1])

    # -- messages ------------------------------------------------------------------------------
    async def send(self, channel: str, msg_type: str, content: dict[str, Any]) -> str:
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
            if not self.connected.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.connected.wait(), 10)
            ws = self._ws
            if self.lost is not None or ws is None:
                break
            try:
                await ws.send(data)
                return msg_id
            except websockets.exceptions.ConnectionClosed:
                self.connected.clear()
                await asyncio.sleep(0.05)
        raise ConnectionError("the kernel's websocket is closed")

    async def next(self, wait: float) -> Message | None:
        try:
            return await asyncio.wait_for(self.queue.get(), wait)
        except TimeoutError:
            return None

    def drain(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()

    async def wait_ready(self, timeout: float = 60.0) -> None:
        """Ready = a kernel_info_request answered on shell *and* seen on iopub; re-sent until both."""
        end = time.monotonic() + timeout
        sent: set[str] = set()
        got_shell = got_iopub = False
        while not (got_shell and got_iopub):
            if self.lost is not None:
                raise KernelStartError(self.why_lost() or "the kernel died while starting")
            if time.monotonic() > end:
                raise KernelStartError(f"kernel did not become ready within {timeout:g} s")
            try:
                sent.add(await self.send("shell", "kernel_info_request", {}))
            except ConnectionError as exc:
                raise KernelStartError(self.why_lost() or "lost the connection to the kernel") from exc
            resend_at = time.monotonic() + 0.25
            while not (got_shell and got_iopub) and time.monotonic() < min(resend_at, end):
                item = await self.next(max(0.01, min(resend_at, end) - time.monotonic()))
                if item is None:
                    if self.lost is not None:
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
        self.drain()

    # -- closing -------------------------------------------------------------------------------
    async def close(self) -> None:
        """Close the websocket (the kernel keeps running; the gateway buffers for this session id)."""
        self._closing = True
        self.connected.clear()
        ws, self._ws = self._ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
            self._reader = None
        self.drain()


def _death_from(content: dict[str, Any]) -> tuple[Reason, dict[str, Any]]:
    info = content.get("jaxtutor_death")
    if isinstance(info, dict):
        try:
            return Reason(str(info.get("reason"))), dict(info.get("figures") or {})
        except ValueError:
            pass
    return Reason.KILLED, {}
