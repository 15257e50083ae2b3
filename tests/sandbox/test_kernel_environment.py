"""Learner kernels run in their own environment: lesson packages only, never the server stack (issue 12)."""

from __future__ import annotations

import base64

import pytest

from kernels.environment import KERNEL_VENV, SERVER_ONLY_MODULES, inspect_environment
from kernels.launcher import KernelConfig, start_kernel
from kernels.outcomes import Reason
from kernels.runtime import ExecuteOptions

from .conftest import KERNEL_PYTHON, RUNTIME_DIR

pytestmark = [pytest.mark.kernel, pytest.mark.sandbox, pytest.mark.usefixtures("sandbox_ready")]


def test_the_kernel_environment_is_installed_and_lean() -> None:
    # scripts/install.sh always builds it; a missing one would silently give learners the server's packages.
    assert (KERNEL_VENV / "bin" / "python").exists(), "no .venv-kernel: run scripts/install.sh"
    assert KERNEL_PYTHON.startswith(str(KERNEL_VENV.resolve()))
    env = inspect_environment(KERNEL_PYTHON)
    assert env.error == "" and env.missing == [], env
    assert env.server_modules == []


async def test_learner_kernel_cannot_import_the_server_stack_but_can_plot() -> None:
    h = await start_kernel(KernelConfig(runtime_dir=RUNTIME_DIR, python=KERNEL_PYTHON, preload=True))
    try:
        probe = f"import importlib.util as u; print([m for m in {SERVER_ONLY_MODULES!r} if u.find_spec(m)])"
        result = await h.execute(probe, ExecuteOptions(timeout=30))
        assert result.reason is Reason.OK, result.error
        assert result.stdout().strip() == "[]"
        failed = await h.execute("import fastapi", ExecuteOptions(timeout=30))
        assert failed.reason is Reason.RAISED and failed.error is not None
        assert failed.error.ename == "ModuleNotFoundError"

        plot = "import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0])\nplt.show()"
        shown = await h.execute(plot, ExecuteOptions(timeout=60))
        assert shown.reason is Reason.OK, shown.error
        pngs = [o.data["image/png"] for o in shown.outputs if "image/png" in o.data]
        assert pngs and base64.b64decode(pngs[0]).startswith(b"\x89PNG")
        assert "Fontconfig" not in shown.stderr()  # the prebuilt font list was used, no font scan ran
    finally:
        await h.shutdown()
