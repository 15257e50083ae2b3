"""Shared fixtures: where kernels run, and whether the real sandbox is available here; and the hooks that
make a required suite's skip a failure (``JAXTUTOR_REQUIRED_SUITES``, see tests/support/required.py)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.required import ENV as REQUIRED_ENV
from tests.support.required import required_suites, suites_of

ROOT = Path(__file__).resolve().parent.parent
_skipped_modules: list[str] = []


def _rel(path: Path | str) -> str:
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def pytest_configure(config: pytest.Config) -> None:
    required_suites()  # a typo in the list is a usage error, not a silently smaller CI


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    """A skipped test of a required suite is a failure (GPU tests excepted: no suite requires a GPU)."""
    outcome: Any = yield
    rep = outcome.get_result()
    if not rep.skipped or hasattr(rep, "wasxfail"):
        return
    markers = {m.name for m in item.iter_markers()}
    suites = suites_of(_rel(item.path), markers) & required_suites()
    if not suites or "gpu" in markers:
        return
    reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
    rep.outcome = "failed"
    rep.longrepr = f"required suite(s) {sorted(suites)} skipped ({REQUIRED_ENV}): {reason}"


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A required suite's module skipped at import (e.g. a missing browser): remembered, fails the session."""
    if report.skipped and suites_of(_rel(report.nodeid.split("::")[0]), set()) & required_suites():
        _skipped_modules.append(f"{report.nodeid}: {report.longrepr}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped_modules and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for line in _skipped_modules:
        terminalreporter.write_line(f"FAILED (required suite skipped, {REQUIRED_ENV}): {line}", red=True)


def sandbox_refusal() -> str | None:
    from app.config import Settings
    from kernels.sandbox.readiness import check_sandbox

    settings = Settings()
    report = check_sandbox(
        user=settings.sandbox_user,
        runtime_dir=settings.runtime_dir,
        python=settings.kernel_python_path(),
        smoke=True,
    )
    return None if report.ready else report.reason


@pytest.fixture(scope="session")
def kernel_env() -> dict[str, str]:
    """Environment for CLI subprocesses that start kernels.

    Uses the real sandbox when this machine has it (CI installs it); otherwise the grader tests run
    with the development-only unsafe flag, on our own fixed test programs only.
    """
    env = dict(os.environ, JAXTUTOR_DATA_DIR=tempfile.mkdtemp(prefix="jtdata"))
    refusal = sandbox_refusal()
    if refusal is not None and "sandbox" in required_suites():
        pytest.fail(f"required suite 'sandbox' cannot run ({REQUIRED_ENV}): {refusal}", pytrace=False)
    if refusal is not None:
        env["JAXTUTOR_UNSAFE_NO_SANDBOX"] = "1"
        env["JAXTUTOR_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="jt", dir="/tmp")
    return env
