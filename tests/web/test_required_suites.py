"""CI cannot pass by skipping: scripts/test.sh (what .ci/run runs) fails when a required suite's dependency
is missing, and passes with a skip when the suite is not required (JAXTUTOR_REQUIRED_SUITES empty)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.required import KNOWN, suites_of

ROOT = Path(__file__).resolve().parents[2]
PG_TEST = "tests/web/test_services.py::test_users_create_authenticate_and_roles[postgres]"

pytestmark = pytest.mark.slow


def ci_script(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """scripts/test.sh on an already prepared host (JAXTUTOR_TEST_SKIP_SETUP: no apt, no pip)."""
    full = {k: v for k, v in os.environ.items() if k != "JAXTUTOR_REQUIRED_SUITES"}
    full.update(JAXTUTOR_TEST_SKIP_SETUP="1", PYTHONPATH=str(ROOT), **env)
    cmd = ["bash", "scripts/test.sh", "-p", "no:cacheprovider", "-q", *args]
    return subprocess.run(cmd, cwd=ROOT, env=full, capture_output=True, text=True, timeout=600)


def test_hidden_postgres_fails_the_ci_script(tmp_path: Path) -> None:
    hidden = {"JAXTUTOR_TEST_PG_BIN": str(tmp_path)}  # an empty directory: no pg_ctl
    proc = ci_script([PG_TEST], **hidden)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert "required suite 'postgres' cannot run" in proc.stdout, proc.stdout[-3000:]
    relaxed = ci_script([PG_TEST], JAXTUTOR_REQUIRED_SUITES="", **hidden)
    assert relaxed.returncode == 0, relaxed.stdout[-3000:]
    assert "1 skipped" in relaxed.stdout


def test_hidden_chromium_fails_the_ci_script(tmp_path: Path) -> None:
    proc = ci_script(["tests/web/test_browser.py"], JAXTUTOR_TEST_CHROMIUM=str(tmp_path / "no-chromium"))
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert "required suite 'browser' cannot run" in proc.stdout, proc.stdout[-3000:]


def test_any_skip_in_a_required_suite_fails(tmp_path: Path) -> None:
    """The hook catches skips that do not go through ``unavailable`` (a plain pytest.skip, a skipif)."""
    (tmp_path / "test_x.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.postgres\n"
        "def test_marked():\n    pytest.skip('no database here')\n\n"
        "@pytest.mark.postgres\n@pytest.mark.gpu\n"
        "def test_gpu_may_skip():\n    pytest.skip('no GPU')\n\n"
        "def test_unmarked_may_skip():\n    pytest.skip('optional')\n"
    )
    cmd = [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider", "-q", str(tmp_path)]
    env = dict(os.environ, PYTHONPATH=str(ROOT), JAXTUTOR_REQUIRED_SUITES="postgres")
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert "1 failed, 2 skipped" in proc.stdout, proc.stdout[-3000:]
    assert "required suite(s) ['postgres'] skipped" in proc.stdout


def test_suites_by_marker_and_path() -> None:
    assert suites_of("tests/gateway/test_gateway_kernel.py", {"kernel", "slow"}) == {"gateway", "kernel"}
    assert suites_of("tests/web/test_browser.py", set()) == {"browser"}
    assert suites_of("tests/web/test_pages.py", {"slow"}) == set()
    assert {"sandbox", "postgres", "browser", "gateway", "nonroot", "kernel"} <= KNOWN
