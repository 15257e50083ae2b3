"""Fixtures of the fault suite: short directories the kernel user can reach (kernels' ipc sockets), a
small tmpfs for the full-disk fault (we run as root in CI), and whether kernels run sandboxed.

The suite is ``faults`` in ``JAXTUTOR_REQUIRED_SUITES`` (tests/support/required.py): where it cannot run
(no mount, no nginx, no chattr) it fails in CI instead of skipping."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.required import unavailable
from tests.web.conftest import make_short_dir, sandbox_ready  # noqa: F401  (a session fixture, reused)

TMPFS_MIB = 64


@pytest.fixture
def fault_root() -> Iterator[Path]:
    path = make_short_dir("jtf")
    yield path
    for log in sorted(path.glob("*.log")):  # captured: pytest shows it when the test failed
        print(f"--- {log.name} (last 4000 characters) ---\n{log.read_text(errors='replace')[-4000:]}")
    subprocess.run(["chattr", "-R", "-i", str(path)], capture_output=True, check=False)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def small_tmpfs(fault_root: Path) -> Iterator[Path]:
    """A ``TMPFS_MIB`` MiB tmpfs mounted for this test only: a data dir that really fills up."""
    mount = fault_root / "data"
    mount.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_MIB}m,mode=0755", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        unavailable("faults", f"cannot mount a tmpfs (root needed): {proc.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)
