"""A full grading through the gateway gives the same verdict as a local one."""

from __future__ import annotations

import tempfile
from typing import Any

import pytest

from app.config import Settings
from app.grader.kernel_source import ColdKernels, GatewayKernels
from app.grader.pipeline import grade_free_code

from .conftest import Gateway

pytestmark = [pytest.mark.kernel, pytest.mark.slow]

GOOD = """
import jax.numpy as jnp

def reference(x):
    return jnp.tanh(x) * 2.0

def example_args(seed=0):
    return (jnp.linspace(-1.0, 1.0, 8) + seed,)

def f(x):
    return 2.0 * jnp.tanh(x)
"""

WRONG = """
import jax.numpy as jnp

def reference(x):
    return jnp.tanh(x) * 2.0

def example_args(seed=0):
    return (jnp.linspace(-1.0, 1.0, 8) + seed,)

def f(x):
    return jnp.tanh(x) + 1.0
"""


def _verdict(report: Any) -> tuple[str, list[tuple[str, str]]]:
    return report.status, sorted((c.name, c.status) for c in report.checks)


@pytest.mark.parametrize("program", [GOOD, WRONG], ids=["good", "wrong"])
async def test_same_verdict_as_local(gateway: Gateway, program: str) -> None:
    settings = Settings(
        unsafe_no_sandbox=True,
        runtime_dir=gateway.runtime_dir,
        data_dir=tempfile.mkdtemp(prefix="jtdata"),
        kernel_python=gateway.config.python,
    )
    local = await grade_free_code(program, settings, kernel_source=ColdKernels())
    remote = await grade_free_code(program, settings, kernel_source=GatewayKernels(gateway.url, gateway.token))
    assert not local.error and not remote.error, (local.error, remote.error)
    assert _verdict(remote) == _verdict(local)
    assert (local.status == "pass") == (program is GOOD)
