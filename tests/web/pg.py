"""A throwaway PostgreSQL cluster for the ``postgres`` suites: initdb + pg_ctl on a loopback port.

Runs as the ``postgres`` system user when we are root (initdb refuses root), in a temp dir under /tmp,
with fsync off (a test cluster only). Up in about a second; stopped and deleted at the end of the session.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

_databases = itertools.count()


def pg_bin() -> Path | None:
    """The newest installed PostgreSQL's bin dir; ``JAXTUTOR_TEST_PG_BIN`` overrides it (a test hides
    PostgreSQL by pointing it at an empty directory)."""
    override = os.environ.get("JAXTUTOR_TEST_PG_BIN")
    if override is not None:
        return Path(override) if (Path(override) / "pg_ctl").exists() else None
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def skip_reason() -> str | None:
    if pg_bin() is None:
        return "PostgreSQL server binaries are missing (apt-get install -y postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root but there is no 'postgres' user to run the cluster as"
    return None


@dataclass
class PgCluster:
    port: int
    bindir: Path
    control: Callable[[str], None] | None = None  # pg_ctl start|stop on this cluster (throwaway_cluster's)

    def stop(self) -> None:
        """Stop the server (fast shutdown: clients are disconnected), e.g. to take the database away."""
        assert self.control is not None
        self.control("stop")

    def start(self) -> None:
        assert self.control is not None
        self.control("start")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://jaxtutor@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database for one test."""
        import psycopg

        name = f"t{os.getpid()}_{next(_databases)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=jaxtutor dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[PgCluster]:
    bindir = pg_bin()
    assert bindir is not None
    root = Path(tempfile.mkdtemp(prefix="jtpg", dir="/tmp"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        prefix = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", "--"]
    data, log = root / "data", root / "log"
    port = _free_port()
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}

    def run(*args: str) -> None:
        proc = subprocess.run(
            [*prefix, *args], env=env, cwd=root, capture_output=True, text=True, timeout=120, check=False
        )
        if proc.returncode != 0:
            detail = (proc.stdout + proc.stderr)[-2000:]
            if log.exists():
                detail += log.read_text()[-2000:]
            raise RuntimeError(f"{args[0]} failed: {detail}")

    try:
        run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "jaxtutor",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )

        def control(action: str) -> None:
            if action == "start":
                run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "60", "start")
            else:
                run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "60", "stop")

        control("start")
        try:
            yield PgCluster(port=port, bindir=bindir, control=control)
        finally:
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    from tests.support.required import unavailable

    reason = skip_reason()
    if reason:
        unavailable("postgres", reason)
    with throwaway_cluster() as cluster:
        yield cluster
