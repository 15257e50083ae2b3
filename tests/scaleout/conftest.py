"""Real ``jaxtutor serve`` replicas (subprocesses on loopback ports) sharing one throwaway PostgreSQL.

The replicas are uvicorn processes built by the test-only factory ``tests.support.app_factory`` (settings
from ``JAXTUTOR_*`` as for ``jaxtutor serve``, graded by ``FakeGrader``, which runs no code): these suites
test the web tier and the shared grading queue, and start no kernel of their own (``pool_warm_kernels=0``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.fakes import EVENTS_FILE
from tests.web.pg import PgCluster, pg_cluster  # noqa: F401  (the session's throwaway PostgreSQL cluster)

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "tests" / "web" / "lessons"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Replica:
    name: str
    port: int
    data_dir: Path
    proc: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def events(self) -> list[dict[str, Any]]:
        path = self.data_dir / EVENTS_FILE
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a crashed host."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def replica_env(name: str, database_url: str, data_dir: Path, runtime_dir: Path, **settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAXTUTOR_")}
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "runtime_dir": runtime_dir,
        "lesson_dirs": json.dumps([str(LESSONS)]),
        "bundled_lessons": "0",
        "unsafe_no_sandbox": "1",
        "replica_id": name,
        "pool_warm_kernels": 0,
        "cookie_secure": "0",
        "submit_rate_per_minute": 10_000,
        "login_rate_per_minute": 10_000,
        "grading_workers": 2,
        "grading_poll_s": 0.2,
        **settings,
    }
    env.update({f"JAXTUTOR_{k.upper()}": str(v) for k, v in values.items()})
    return env


def start_replica(name: str, database_url: str, root: Path, **settings: Any) -> Replica:
    data_dir, runtime_dir = root / f"data-{name}", root / f"rt-{name}"
    port = free_port()
    env = replica_env(name, database_url, data_dir, runtime_dir, **settings)
    log = root / f"replica-{name}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "tests.support.app_factory:create_test_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-proxy-headers",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    replica = Replica(name, port, data_dir, proc, log, env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"replica {name} exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{replica.url}/healthz", timeout=1).status_code == 200:
                return replica
        time.sleep(0.1)
    replica.kill()
    raise RuntimeError(f"replica {name} did not answer /healthz in 60 s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def database(pg_cluster: PgCluster) -> str:  # noqa: F811
    return pg_cluster.url(pg_cluster.new_database())


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[list[Replica]]:
    """Started replicas (append with ``start_replica``); all stopped at the end, whatever happened."""
    started: list[Replica] = []
    yield started
    for replica in started:
        replica.stop()
