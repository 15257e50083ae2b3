"""Shared fixtures: where kernels run, and whether the real sandbox is available here."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def sandbox_refusal() -> str | None:
    try:
        from app.config import Settings
        from kernels.sandbox import readiness
    except ImportError:
        return "kernels.sandbox is not installed"
    return readiness.refusal_reason(Settings())


@pytest.fixture(scope="session")
def kernel_env() -> dict[str, str]:
    """Environment for CLI subprocesses that start kernels.

    Uses the real sandbox when this machine has it (CI installs it); otherwise the grader tests run
    with the development-only unsafe flag, on our own fixed test programs only.
    """
    runtime = tempfile.mkdtemp(prefix="jt", dir="/tmp")
    env = dict(os.environ, JAXTUTOR_RUNTIME_DIR=runtime, JAXTUTOR_DATA_DIR=tempfile.mkdtemp(prefix="jtdata"))
    if sandbox_refusal() is not None:
        env["JAXTUTOR_UNSAFE_NO_SANDBOX"] = "1"
    return env
