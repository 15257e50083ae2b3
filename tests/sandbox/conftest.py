"""Fixtures for the sandbox suites: readiness skip, the `jaxtutor run` driver, host-side witnesses."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kernels.launcher import kernel_interpreter
from tests.support.required import unavailable

REPO = Path(__file__).resolve().parents[2]
RUNTIME_DIR = os.environ.get("JAXTUTOR_RUNTIME_DIR", "/run/jaxtutor")
# The learner kernels' own environment (.venv-kernel, built by scripts/install.sh), as the server uses it.
KERNEL_PYTHON = kernel_interpreter()
# The server's interpreter runs the `jaxtutor` CLI (the kernel environment has no server stack, by design).
SERVER_PYTHON = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv").exists() else sys.executable


def sandbox_skip_reason() -> str | None:
    """Why sandboxed kernels cannot run here (None: they can)."""
    if os.geteuid() != 0:
        return "needs root (the sandbox drops kernels to the jaxtutor-kernel user)"
    from kernels.sandbox.readiness import check_sandbox

    report = check_sandbox(runtime_dir=RUNTIME_DIR, python=KERNEL_PYTHON, smoke=False)
    return None if report.ready else f"sandbox not ready: {report.reason} (run scripts/setup-host.sh)"


@pytest.fixture(scope="session")
def sandbox_ready() -> None:
    why = sandbox_skip_reason()
    if why:
        unavailable("sandbox", why)


def _cli_prefix() -> list[str]:
    """The `jaxtutor` command. Falls back to a stand-in while app.cli cannot import (a sibling module missing)."""
    exe = REPO / ".venv" / "bin" / "jaxtutor"
    probe = subprocess.run([SERVER_PYTHON, "-c", "import app.cli"], capture_output=True, cwd=REPO, check=False)
    if exe.exists() and probe.returncode == 0:
        return [str(exe)]
    stub = (
        "import sys, types\n"
        "m = types.ModuleType('app.cli.grading_cmds'); m.register = lambda sub: None\n"
        "sys.modules.setdefault('app.cli.grading_cmds', m)\n"
        "from app.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    return [SERVER_PYTHON, "-c", stub]


@dataclass
class RunResult:
    code: int
    data: dict[str, Any]
    stdout: str
    stderr: str

    @property
    def reason(self) -> str:
        return str(self.data.get("reason", ""))

    @property
    def text(self) -> str:
        return "".join(o.get("text", "") for o in self.data.get("outputs", []))


@pytest.fixture(scope="session")
def jaxtutor_run(sandbox_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Run code through `jaxtutor run FILE --json` in a subprocess (fresh sandboxed kernel)."""
    prefix = _cli_prefix()
    folder = tmp_path_factory.mktemp("cells")
    counter = iter(range(10_000))

    def run(code: str, *args: str, timeout: float = 60.0, env: dict[str, str] | None = None) -> RunResult:
        path = folder / f"cell{next(counter)}.py"
        path.write_text(code)
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("JAXTUTOR_")}
        full_env["JAXTUTOR_RUNTIME_DIR"] = RUNTIME_DIR
        full_env["JAXTUTOR_KERNEL_PYTHON"] = KERNEL_PYTHON
        full_env.update(env or {})
        proc = subprocess.run(
            [*prefix, "run", str(path), "--json", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=REPO,
            env=full_env,
            check=False,
        )
        try:
            data = json.loads(proc.stdout)
        except json.JSONDecodeError:
            data = {}
        return RunResult(proc.returncode, data, proc.stdout, proc.stderr)

    return run


class Listener:
    """Host-side witness: counts TCP connections and UDP datagrams on loopback, and abstract-socket connects."""

    def __init__(self) -> None:
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(16)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.abstract_name = f"\0jaxtutor-redteam-{os.getpid()}"
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(self.abstract_name)
        self.unix.listen(16)
        self.hits = {"tcp": 0, "udp": 0, "unix": 0}
        self.own_probes = 0
        self._stop = False
        self._threads = [
            threading.Thread(target=self._loop, args=(s, k), daemon=True)
            for s, k in ((self.tcp, "tcp"), (self.udp, "udp"), (self.unix, "unix"))
        ]
        for t in self._threads:
            t.start()

    @property
    def tcp_port(self) -> int:
        return int(self.tcp.getsockname()[1])

    @property
    def udp_port(self) -> int:
        return int(self.udp.getsockname()[1])

    def _loop(self, sock: socket.socket, kind: str) -> None:
        sock.settimeout(0.2)
        while not self._stop:
            try:
                if kind == "udp":
                    sock.recvfrom(65536)
                else:
                    conn, _ = sock.accept()
                    conn.close()
            except (TimeoutError, OSError):
                continue
            self.hits[kind] += 1

    def still_answers(self) -> bool:
        self.own_probes += 1
        with socket.create_connection(("127.0.0.1", self.tcp_port), timeout=2):
            pass
        return True

    def foreign_hits(self) -> int:
        """Connections and datagrams that did not come from :meth:`still_answers`."""
        time.sleep(0.3)  # let the accept loops count what already arrived
        return self.hits["tcp"] - self.own_probes + self.hits["udp"] + self.hits["unix"]

    def close(self) -> None:
        self._stop = True
        for t in self._threads:
            t.join(timeout=2)
        for s in (self.tcp, self.udp, self.unix):
            s.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    lst = Listener()
    yield lst
    lst.close()
