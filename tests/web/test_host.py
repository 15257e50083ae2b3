"""Host preparation at server start: refuse without a sandbox, sweep only a runtime dir we own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import Settings
from app.main import create_app
from app.services import host
from kernels.sandbox.readiness import SandboxReport

from .conftest import serve


def _not_ready(**_: object) -> SandboxReport:
    report = SandboxReport()
    report.add("root", True, "running as root")
    report.add("kernel user", False, "user 'jaxtutor-kernel' does not exist (run scripts/setup-host.sh)")
    return report


def test_unsafe_mode_warns_takes_the_runtime_dir_and_sweeps_leftovers(settings: Settings) -> None:
    settings.unsafe_no_sandbox = True
    leftover = settings.runtime_dir / "k" / "0123456789ab"
    leftover.mkdir(parents=True)
    first = host.prepare_host(settings)
    try:
        assert first.owns_runtime_dir
        assert first.warnings == [host.UNSAFE_WARNING]
        assert first.swept >= 1 and not leftover.exists()
        leftover.mkdir()
        second = host.prepare_host(settings)  # another server on the same runtime dir
        assert not second.owns_runtime_dir and second.swept == 0
        assert leftover.exists()  # the first server's kernels are left alone
        assert any("another jaxtutor server" in w for w in second.warnings)
    finally:
        first.release()
    third = host.prepare_host(settings)  # the first one has stopped: the dir is free again
    assert third.owns_runtime_dir
    third.release()


def test_a_sandbox_that_is_not_ready_refuses_with_the_reason(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kernels.sandbox.readiness.check_sandbox", _not_ready)
    with pytest.raises(host.HostNotReady) as info:
        host.prepare_host(settings)
    text = str(info.value)
    assert "will not start" in text and "kernel user" in text and "setup-host.sh" in text
    assert not (settings.runtime_dir / host.LOCK_NAME).exists()


async def test_the_lifespan_refuses_too(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kernels.sandbox.readiness.check_sandbox", _not_ready)
    app = create_app(settings)  # no test provider: the real host preparation runs
    with pytest.raises(host.HostNotReady):
        async with serve(app):
            pass


def test_jaxtutor_serve_exits_non_zero_with_a_clear_message(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        JAXTUTOR_DATA_DIR=str(tmp_path / "data"),
        JAXTUTOR_RUNTIME_DIR=str(tmp_path / "rt"),
        JAXTUTOR_SANDBOX_USER="no-such-jaxtutor-user",
    )
    env.pop("JAXTUTOR_UNSAFE_NO_SANDBOX", None)
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 5, proc.stderr
    assert "jaxtutor will not start: the kernel sandbox is not ready" in proc.stderr
    assert "Traceback" not in proc.stderr
