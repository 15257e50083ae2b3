"""The non-root server mode, for real: setup-host.sh prepares a throwaway server user (helper with file
capabilities, kernel group, delegated cgroup v1 subtree, runtime dir), then a process running AS THAT USER
starts sandboxed kernels through the provisioner (tests/sandbox/nonroot_driver.py) and reports what it saw."""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kernels.outcomes import Reason
from kernels.sandbox.cgroups import CGROUP_ROOT
from kernels.sandbox.privilege import CAP_SETGID, CAP_SETUID, file_capabilities
from tests.support.required import unavailable

from .conftest import KERNEL_PYTHON, REPO, SERVER_PYTHON

pytestmark = [pytest.mark.kernel, pytest.mark.sandbox, pytest.mark.slow, pytest.mark.usefixtures("sandbox_ready")]

SERVER_USER = "jxt-srv-test"
RUNTIME = Path("/run/jxt-nrtest")
HELPER_DIR = Path("/usr/local/lib/jaxtutor-test")
HELPER = HELPER_DIR / "kernel-exec"
CGROUP = "jxt-nrtest"  # relative: below the test's own cgroups, which the server process inherits
KERNEL_USER = "jaxtutor-kernel"


def _own_cgroup_dirs() -> list[Path]:
    own: dict[str, str] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, ctrls, path = line.split(":", 2)
        for c in ctrls.split(","):
            own[c] = path
    return [CGROUP_ROOT / c / own.get(c, "/").lstrip("/") / CGROUP for c in ("memory", "pids", "cpu")]


def _cleanup() -> None:
    shutil.rmtree(RUNTIME, ignore_errors=True)
    shutil.rmtree(HELPER_DIR, ignore_errors=True)
    for d in _own_cgroup_dirs():
        if d.is_dir():
            for child in d.iterdir():
                if child.is_dir():
                    child.rmdir()
            d.rmdir()
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        return
    subprocess.run(["userdel", SERVER_USER], check=False, capture_output=True)
    subprocess.run(["groupdel", SERVER_USER], check=False, capture_output=True)


@pytest.fixture(scope="module")
def nonroot_host() -> Iterator[None]:
    if not shutil.which("cc") or not shutil.which("setcap"):
        unavailable("nonroot", "needs a C compiler and setcap (libcap2-bin) to build and install the helper")
    if not (CGROUP_ROOT / "memory" / "cgroup.procs").exists():
        unavailable("nonroot", "setup-host.sh delegates cgroup v1 subtrees only (v2: systemd Delegate=yes)")
    _cleanup()
    env = {**os.environ, "JAXTUTOR_RUNTIME_DIR": str(RUNTIME)}
    proc = subprocess.run(
        [
            str(REPO / "scripts" / "setup-host.sh"),
            "--no-apt",
            "--server-user",
            SERVER_USER,
            "--helper",
            str(HELPER),
            "--cgroup",
            CGROUP,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    home = RUNTIME / "home"
    home.mkdir()
    shutil.chown(home, SERVER_USER, SERVER_USER)
    try:
        yield
    finally:
        _cleanup()


def _as_server(
    script_args: dict[str, Any], *, extra_env: dict[str, str] | None = None, groups: str = "--init-groups"
) -> dict[str, Any]:
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(RUNTIME / "home"),
        "PYTHONPATH": str(REPO),
        "PYTHONDONTWRITEBYTECODE": "1",
        "JAXTUTOR_RUNTIME_DIR": str(RUNTIME),
        "JAXTUTOR_SANDBOX_HELPER": str(HELPER),
        "JAXTUTOR_SANDBOX_CGROUP": CGROUP,
        **(extra_env or {}),
    }
    proc = subprocess.run(
        [
            "setpriv",
            f"--reuid={SERVER_USER}",
            f"--regid={SERVER_USER}",
            groups,
            "--",
            SERVER_PYTHON,  # the driver plays the server: jupyter-client and our provisioners live there
            str(REPO / "tests" / "sandbox" / "nonroot_driver.py"),
            json.dumps(script_args),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
        timeout=150,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_setup_host_installs_a_narrow_helper(nonroot_host: None) -> None:
    st = HELPER.stat()
    server = pwd.getpwnam(SERVER_USER)
    kernel = pwd.getpwnam(KERNEL_USER)
    assert st.st_uid == 0 and st.st_gid == server.pw_gid and stat.S_IMODE(st.st_mode) == 0o750
    caps = file_capabilities(HELPER)
    assert caps is not None and caps[0] == {CAP_SETUID, CAP_SETGID} and caps[1]
    assert SERVER_USER in grp.getgrgid(kernel.pw_gid).gr_mem
    for d in _own_cgroup_dirs():
        assert d.stat().st_uid == server.pw_uid, d
    assert RUNTIME.stat().st_uid == server.pw_uid and (RUNTIME / "k").stat().st_uid == server.pw_uid


def test_unprivileged_server_runs_sandboxed_kernels(nonroot_host: None) -> None:
    server = pwd.getpwnam(SERVER_USER)
    kernel = pwd.getpwnam(KERNEL_USER)
    out = _as_server({"runtime_dir": str(RUNTIME), "python": KERNEL_PYTHON, "helper": str(HELPER)})
    report = out["report"]
    assert report["ready"], report
    names = {c["name"] for c in report["checks"]}
    assert {"server user", "privileged helper", "cgroup delegation", "kernel group", "smoke test"} <= names
    assert "root" not in names and out["euid"] == server.pw_uid and out["mode"] == "helper"

    # The helper becomes the kernel user, and nothing else.
    assert out["helper_id"] == str(kernel.pw_uid)
    assert out["helper_to_root"][0] != 0 and out["helper_to_root"][1] != "0"

    # The kernel: the kernel uid, no capabilities, no_new_privs, seccomp; JAX works.
    reason, text = out["identity"]
    assert reason == "ok"
    ident = json.loads(text)
    assert ident["uid"] == ident["euid"] == kernel.pw_uid and ident["gid"] == kernel.pw_gid
    assert ident["groups"] in ([], [kernel.pw_gid])
    assert ident["cap_eff"] == ident["cap_prm"] == "0000000000000000"
    assert ident["nnp"] == "1" and ident["seccomp"] == "2"
    assert out["jax"] == ["ok", "3.0\n"]
    assert out["kernel_uids"] == [kernel.pw_uid]
    assert out["kdir"] == [server.pw_uid, kernel.pw_gid, "0o750"]  # sealed, shared through the kernel group

    # Uid separation both ways: the kernel cannot read the server's 0600 file nor run the helper, and the
    # server cannot signal the kernel directly (it goes through the helper).
    assert out["secret"] == ["ok", "denied\n"]
    assert out["helper_in_kernel"] == ["ok", "denied\n"]
    assert out["server_can_signal_kernel"] is False

    # The memory cgroup applies and the OOM kill is detected; a restart gets fresh cgroups.
    reason, message, lost = out["oom"]
    assert reason == Reason.OOM.value and "256 MiB" in message and lost
    assert out["after_restart"] == ["ok", "42\n"]
    assert out["cgroups_after_restart"] == 1

    # A kernel ignoring interrupts is killed through the helper; shutdown leaves nothing behind.
    assert out["runaway"][1] is True, out["runaway"]
    assert out["runaway_left"] == []
    assert out["left_after_shutdown"] == []
    assert out["kdir_after_shutdown"] is False
    assert out["cgroups_after_shutdown"] == []


def _failed_checks(out: dict[str, Any]) -> dict[str, str]:
    report = out["report"]
    assert not report["ready"]
    assert "smoke test" not in {c["name"] for c in report["checks"]}
    return {c["name"]: c["detail"] for c in report["checks"] if not c["ok"] and c["level"] == "error"}


def test_doctor_names_what_is_missing(nonroot_host: None) -> None:
    args = {"runtime_dir": str(RUNTIME), "python": KERNEL_PYTHON, "helper": str(HELPER)}
    out = _as_server(
        args,
        extra_env={"JAXTUTOR_SANDBOX_HELPER": "/nonexistent/kernel-exec", "JAXTUTOR_SANDBOX_CGROUP": "/not-delegated"},
    )
    failed = _failed_checks(out)
    assert "missing" in failed["privileged helper"]
    assert "not writable" in failed["cgroup delegation"]

    # A copy of the helper without its file capabilities.
    nocaps = HELPER_DIR / "nocaps"
    shutil.copyfile(HELPER, nocaps)
    shutil.chown(nocaps, "root", SERVER_USER)
    nocaps.chmod(0o750)
    failed = _failed_checks(_as_server(args, extra_env={"JAXTUTOR_SANDBOX_HELPER": str(nocaps)}))
    assert set(failed) == {"privileged helper"} and "lacks the file capabilities" in failed["privileged helper"]

    # A server process started without its supplementary groups cannot share the kernel directories.
    failed = _failed_checks(_as_server(args, groups="--clear-groups"))
    assert set(failed) == {"kernel group"}, failed

    # Forcing the root mode as a non-root user is refused with the reason.
    failed = _failed_checks(_as_server(args, extra_env={"JAXTUTOR_SANDBOX_MODE": "root"}))
    assert set(failed) == {"root"} and "must run as root" in failed["root"]
