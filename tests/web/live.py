"""A real ``jaxtutor serve`` (uvicorn) subprocess on a loopback port, with SQLite in its own data dir.

For tests that need real sockets: chunked uploads, proxies, restarts. No kernel is started
(``pool_warm_kernels=0``; the unsafe dev mode only skips the sandbox check, nothing Runs code).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "tests" / "web" / "lessons"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_PAGE_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"|"X-CSRF-Token": "([^"]+)"')


def csrf_from_page(html: str) -> str:
    """The CSRF token a page carries (as a browser sees it: bound to the session once signed in)."""
    match = _PAGE_CSRF.search(html)
    assert match is not None, "the page has no CSRF token"
    return match.group(1) or match.group(2)


def proc_status_kib(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` memory figure in KiB (VmRSS: now; VmHWM: the peak since start)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


@dataclass
class LiveServer:
    url: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def server_env(root: Path, **settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAXTUTOR_")}
    values: dict[str, Any] = {
        "data_dir": root / "data",
        "runtime_dir": root / "rt",
        "lesson_dirs": json.dumps([str(LESSONS)]),
        "unsafe_no_sandbox": "1",
        "pool_warm_kernels": 0,
        "cookie_secure": "0",
        **settings,
    }
    env.update({f"JAXTUTOR_{k.upper()}": str(v) for k, v in values.items()})
    env["PYTHONPATH"] = str(ROOT)
    return env


def start_server(root: Path, *, port: int | None = None, name: str = "server", **settings: Any) -> LiveServer:
    """Start ``python -m app.cli serve`` and wait for ``/healthz``."""
    root.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    env = server_env(root, **settings)
    log = root / f"{name}.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", port, proc, log, env)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        time.sleep(0.1)
    server.stop(signal.SIGKILL)
    raise RuntimeError(f"server did not answer /healthz in 90 s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def live_server(root: Path, **settings: Any) -> Iterator[LiveServer]:
    server = start_server(root, **settings)
    try:
        yield server
    finally:
        server.stop()


def chunked_upload(
    host: str, port: int, path: str, *, total: int, chunk: int = 64 * 1024, headers: dict[str, str] | None = None
) -> tuple[int, bytes, int]:
    """POST ``total`` bytes with ``Transfer-Encoding: chunked`` on a raw socket, stopping as soon as the
    server answers. Returns (status, response bytes, bytes sent). The payload is the start of a JSON
    document that never ends (``{"code": "xxxx…``), like the probe's 200 MiB submission."""
    head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Transfer-Encoding: chunked"]
    head += [f"{k}: {v}" for k, v in ({"Content-Type": "application/json"} | (headers or {})).items()]
    sock = socket.create_connection((host, port), timeout=30)
    sent = 0
    response = b""
    try:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        piece = b'{"code": "' + b"x" * (chunk - 10)
        sock.setblocking(False)
        while sent < total:
            response += _read_ready(sock)
            if response:
                break
            data = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
            view = memoryview(data)
            while view:
                try:
                    n = sock.send(view)
                    view = view[n:]
                except BlockingIOError:
                    response += _read_ready(sock, wait=0.05)
                    if response:
                        break
                except (BrokenPipeError, ConnectionResetError):
                    break
            if response:
                break
            sent += len(piece)
        sock.settimeout(30)
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in response or not _complete(response):
                more = sock.recv(65536)
                if not more:
                    break
                response += more
    finally:
        sock.close()
    status = int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else 0
    return status, response, sent


def _read_ready(sock: socket.socket, wait: float = 0.0) -> bytes:
    import select

    readable, _, _ = select.select([sock], [], [], wait)
    if not readable:
        return b""
    try:
        return sock.recv(65536)
    except (BlockingIOError, ConnectionResetError):
        return b""


def _complete(response: bytes) -> bool:
    head, _, body = response.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False
