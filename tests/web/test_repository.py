"""Repository basics: the declared license's full text, the security policy, the changelog, --version."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from app import __version__
from app.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_license_is_the_declared_apache_2() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]
    assert declared == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and len(text.splitlines()) > 190  # the full text


def test_security_policy_and_changelog() -> None:
    security = (ROOT / "SECURITY.md").read_text()
    for heading in (
        "## Reporting a vulnerability",
        "## What the sandbox promises",
        "## What the sandbox does not promise",
    ):
        assert heading in security
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog and f"## [{__version__}]" in changelog


def test_version_flag() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert __version__ == version
    proc = subprocess.run([sys.executable, "-m", "app.cli", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and proc.stdout.strip() == f"jaxtutor {version}"
    assert main(["--version"]) == 0


def test_install_script_builds_two_environments() -> None:
    script = (ROOT / "scripts" / "install.sh").read_text()
    assert "make_venv .venv-kernel kvenv" in script
    assert '--require-hashes --only-binary=:all: -r "$kernel_lock"' in script
    bad = subprocess.run(["bash", "scripts/install.sh", "--bogus"], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and "usage" in bad.stderr
    for lock in ("requirements-kernel.lock", "requirements-kernel-cuda12.lock"):
        text = (ROOT / lock).read_text()
        pins = [line for line in text.splitlines() if "==" in line and not line.startswith("#")]
        assert pins and all(" \\" in line for line in pins)  # every pin is followed by its hashes
        assert "--hash=sha256:" in text
        assert not any(line.lower().startswith(("fastapi", "sqlalchemy", "psycopg", "pytest")) for line in pins)
    assert (
        "serve" in (ROOT / "scripts" / "serve.sh").read_text()
        and "--serve" in (ROOT / "scripts" / "serve.sh").read_text()
    )
