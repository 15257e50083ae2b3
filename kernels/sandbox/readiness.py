"""Is the sandbox usable on this host? A structured report for ``jaxtutor doctor`` and for refusing to start.

Also the host-side helpers around it: :func:`ensure_kernel_user` and :func:`sweep_leftovers` (run at
server start: a killed server leaves kernel directories and cgroups behind).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kernels.sandbox.argv import LaunchPlan, launch_command
from kernels.sandbox.cgroups import CGROUP_ROOT, CgroupLayout, Killer, detect_layout, sweep_cgroups
from kernels.sandbox.limits import SandboxLimits
from kernels.sandbox.privilege import helper_killer, helper_problem, in_group
from kernels.sandbox.provisioner import ensure_etc, reachable_by_others
from kernels.sandbox.seccomp_filter import bpf_file, bpf_program

FIXED_BWRAP = (0, 12, 0)
BWRAP_CVE = "CVE-2026-87766"
REQUIRED_TOOLS = ("bwrap", "setpriv", "prlimit", "taskset")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    level: str = "error"  # "error" (the sandbox cannot run), "warning", "info"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "level": self.level}


@dataclass
class SandboxReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.checks if c.level == "error")

    @property
    def reason(self) -> str:
        """Why the sandbox cannot start (empty when ready); safe to show to anyone."""
        return "; ".join(f"{c.name}: {c.detail}" for c in self.checks if c.level == "error" and not c.ok)

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if c.level == "warning" and not c.ok]

    def add(self, name: str, ok: bool, detail: str, level: str = "error") -> Check:
        check = Check(name, ok, detail, level)
        self.checks.append(check)
        return check

    def to_json(self) -> dict[str, Any]:
        return {"ready": self.ready, "reason": self.reason, "checks": [c.to_json() for c in self.checks]}


def bwrap_version() -> tuple[int, ...] | None:
    exe = shutil.which("bwrap")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
    return tuple(int(x or 0) for x in m.groups()) if m else None


def gpu_devices() -> list[int]:
    return sorted(int(p.removeprefix("/dev/nvidia")) for p in glob.glob("/dev/nvidia[0-9]*"))


def _userns_check(report: SandboxReport) -> None:
    try:
        max_ns = int(Path("/proc/sys/user/max_user_namespaces").read_text())
    except (OSError, ValueError):
        max_ns = 1
    flags = {
        "/proc/sys/kernel/unprivileged_userns_clone": "1",
        "/proc/sys/kernel/apparmor_restrict_unprivileged_userns": "0",
    }
    blocked = [
        k.rsplit("/", 1)[1] for k, want in flags.items() if Path(k).exists() and Path(k).read_text().strip() != want
    ]
    if max_ns <= 0 or blocked:
        report.add(
            "user namespaces",
            False,
            "disabled for unprivileged users (" + ", ".join(blocked or ["max_user_namespaces=0"]) + ")",
        )
    else:
        report.add("user namespaces", True, f"allowed (max {max_ns})")


def _writable_dir(path: Path) -> bool:
    return os.access(path, os.W_OK | os.X_OK)


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def delegation_problem(layout: CgroupLayout) -> str | None:
    """Non-root mode: why this process cannot create, limit and join the kernels' cgroups (None: it can)."""
    if layout.version == 0 or layout.missing:
        return None  # reported by the "cgroups" check
    bases = sorted(set(layout.bases.values()))
    if layout.version == 1:
        for base in bases:
            target = base if base.is_dir() else _nearest_existing(base)
            if not _writable_dir(target):
                return (
                    f"{base} is not writable by uid {os.geteuid()}: run scripts/setup-host.sh --server-user USER "
                    "as root (after each boot) and set JAXTUTOR_SANDBOX_CGROUP=/jaxtutor"
                )
        return None
    # cgroup v2 (untested here: this machine has no v2 controllers). Delegation = the directory and its
    # cgroup.procs and cgroup.subtree_control files belong to the server; moving a process also needs the
    # common ancestor's cgroup.procs, so the server's own cgroup must be the delegated one.
    base = bases[0]
    own_dir = base.parent if base.parent.exists() else _nearest_existing(base)
    procs = own_dir / "cgroup.procs"
    subtree = own_dir / "cgroup.subtree_control"
    if not (_writable_dir(own_dir) and os.access(procs, os.W_OK) and os.access(subtree, os.W_OK)):
        return (
            f"cgroup v2: {own_dir} is not delegated to uid {os.geteuid()} (its directory, cgroup.procs and "
            "cgroup.subtree_control must be the server's): run the server as a systemd service with "
            "User= and Delegate=yes, and leave JAXTUTOR_SANDBOX_CGROUP empty or relative"
        )
    with contextlib.suppress(OSError):
        lines = Path("/proc/self/cgroup").read_text().splitlines()
        path = next((ln.split(":", 2)[2] for ln in lines if ln.startswith("0::")), "")
        mine = CGROUP_ROOT / path.lstrip("/")
        if path and not mine.is_relative_to(own_dir):
            return (
                f"cgroup v2: the server's own cgroup is outside {own_dir}, so it cannot move kernels there "
                "(the common ancestor must be delegated too): leave JAXTUTOR_SANDBOX_CGROUP empty or relative"
            )
    return None


def check_sandbox(
    *,
    user: str = "jaxtutor-kernel",
    runtime_dir: str | Path = "/run/jaxtutor",
    python: str = "",
    smoke: bool = True,
    limits: SandboxLimits | None = None,
) -> SandboxReport:
    """Check everything the sandbox needs; with ``smoke`` also start the kernel interpreter in bwrap once.

    ``limits`` gives the host-side settings (mode, helper, cgroup); without it they come from the
    ``JAXTUTOR_SANDBOX_*`` environment variables that ``Settings`` reads."""
    from kernels.launcher import kernel_interpreter

    python = kernel_interpreter(python or None)
    host = limits or SandboxLimits.host_defaults()
    mode = host.resolved_mode()
    euid = os.geteuid()
    report = SandboxReport()
    if mode == "root":
        report.add(
            "root",
            euid == 0,
            "running as root"
            if euid == 0
            else "the server must run as root to drop kernels to their own user (JAXTUTOR_SANDBOX_MODE=root); "
            "an unprivileged server needs sandbox_mode 'auto' or 'helper' and the privileged helper",
        )
    else:
        report.add("server user", True, f"non-root mode: running as uid {euid}, kernels start through the helper")
        problem = helper_problem(host.helper)
        report.add(
            "privileged helper",
            problem is None,
            problem or f"{host.helper}: cap_setuid,cap_setgid+ep, usable by this user only through its group",
        )
    missing = [t for t in REQUIRED_TOOLS if shutil.which(t) is None]
    report.add(
        "tools",
        not missing,
        "missing: " + ", ".join(missing) if missing else "bwrap, setpriv, prlimit, taskset found",
    )
    version = bwrap_version()
    if version is not None:
        vtext = ".".join(map(str, version))
        fixed = version >= FIXED_BWRAP
        report.add(
            "bubblewrap version",
            fixed,
            f"{vtext}"
            if fixed
            else f"{vtext} is older than 0.12.0 and lacks the fix for {BWRAP_CVE} "
            "(symlink following during sandbox setup); Debian bookworm's 0.8.0 is affected",
            level="warning",
        )
    _userns_check(report)
    layout = detect_layout(parent=host.cgroup)
    report.add(
        "cgroups",
        layout.version != 0 and not layout.missing,
        layout.detail + (f"; missing controllers: {', '.join(layout.missing)}" if layout.missing else ""),
    )
    if mode == "helper":
        problem = delegation_problem(layout)
        report.add(
            "cgroup delegation",
            problem is None,
            problem
            or "the kernels' cgroups go below "
            + ", ".join(sorted({str(b) for b in layout.bases.values()}))
            + ", writable by this user",
        )
    try:
        entry: pwd.struct_passwd | None = pwd.getpwnam(user)
    except KeyError:
        entry = None
    if entry is None:
        report.add("kernel user", False, f"user {user!r} does not exist (run scripts/setup-host.sh)")
    else:
        report.add(
            "kernel user",
            entry.pw_uid != 0,
            f"{user} (uid {entry.pw_uid})" if entry.pw_uid else "must not be root",
        )
        if mode == "helper":
            ok = in_group(entry.pw_gid) and entry.pw_uid != os.getuid()
            report.add(
                "kernel group",
                ok,
                f"this server process is in the group of {user} (gid {entry.pw_gid})"
                if ok
                else f"this server process must be in the group of {user} (gid {entry.pw_gid}) and not be that "
                "user: setup-host.sh --server-user USER adds it (usermod -aG); restart the server afterwards",
            )
    try:
        size = len(bpf_program())
        report.add("seccomp", True, f"python3-seccomp filter ready ({size // 8} instructions)")
    except RuntimeError as exc:
        report.add("seccomp", False, str(exc))
    rdir = Path(runtime_dir)
    with contextlib.suppress(OSError):
        (rdir / "k").mkdir(parents=True, exist_ok=True, mode=0o711)
    rd_ok = (rdir / "k").is_dir() and reachable_by_others(rdir / "k" / "x") and os.access(rdir / "k", os.W_OK)
    hidden = rdir.resolve().is_relative_to("/tmp") or rdir.resolve().is_relative_to("/dev/shm")  # noqa: S108
    report.add(
        "runtime directory",
        rd_ok and not hidden,
        "ready"
        if rd_ok and not hidden
        else "below /tmp or /dev/shm, which the sandbox replaces with its own private mounts: use e.g. /run/jaxtutor"
        if hidden
        else "missing, not writable, or not traversable by the kernel user",
    )
    gpus = gpu_devices()
    report.add(
        "GPU devices",
        True,
        f"{len(gpus)} NVIDIA GPU(s): " + ", ".join(map(str, gpus)) if gpus else "none (CPU only)",
        level="info",
    )
    interp_dir = Path(os.path.realpath(os.path.dirname(python)))
    interp_hidden = interp_dir.is_relative_to("/tmp") or interp_dir.is_relative_to("/dev/shm")  # noqa: S108
    report.add(
        "kernel interpreter",
        not interp_hidden and reachable_by_others(interp_dir / "x"),
        "reachable by the kernel user"
        if not interp_hidden and reachable_by_others(interp_dir / "x")
        else "the venv is below /tmp or /dev/shm (the sandbox mounts its own there) or not traversable by the "
        "kernel user: reinstall with scripts/install.sh, which then places it under /opt/jaxtutor",
    )
    _kernel_environment_checks(report, python)
    if smoke and report.ready and entry is not None:
        ok, detail = _smoke(entry, rdir, python, host.helper if mode == "helper" else "")
        report.add("smoke test", ok, detail)
    return report


def _kernel_environment_checks(report: SandboxReport, python: str) -> None:
    """Lesson package versions of the kernels' environment, and whether learner code could import the server."""
    from kernels.environment import inspect_environment

    env = inspect_environment(python)
    if env.error:
        report.add("kernel environment", False, f"cannot inspect the kernel interpreter: {_strip_paths(env.error)}")
        return
    shown = ", ".join(f"{name} {version}" for name, version in env.versions.items() if version)
    report.add(
        "kernel environment",
        "jax" not in env.missing and "ipykernel" not in env.missing,
        f"Python {env.python_version}; {shown}" + (f"; missing: {', '.join(env.missing)}" if env.missing else ""),
    )
    report.add(
        "kernel isolation from the server stack",
        not env.server_modules,
        "learner kernels cannot import the server's packages"
        if not env.server_modules
        else "learner kernels share the server's environment and can import "
        + ", ".join(env.server_modules)
        + ": run scripts/install.sh to build the kernel environment (.venv-kernel)",
        level="warning",
    )


def _smoke(entry: pwd.struct_passwd, rdir: Path, python: str, helper: str = "") -> tuple[bool, str]:
    """Run the kernel interpreter once through the real launch chain (without cgroups)."""
    kdir = rdir / "k" / f"doctor-{os.getpid()}"
    try:
        kdir.mkdir(mode=0o700, exist_ok=True)
        if helper:
            os.chown(kdir, -1, entry.pw_gid)  # non-root: the kernel user reaches it through its group
            kdir.chmod(0o750)
        else:
            os.chown(kdir, entry.pw_uid, entry.pw_gid)
        plan = LaunchPlan(
            kernel_dir=str(kdir),
            python=python,
            uid=entry.pw_uid,
            gid=entry.pw_gid,
            limits=SandboxLimits(user=entry.pw_name),
            seccomp_path=str(bpf_file(rdir)),
            etc_dir=str(ensure_etc(rdir, entry)),
            helper=helper,
        )
        code = f"import ipykernel, zmq, os; assert os.getuid() == {entry.pw_uid} != 0; print('ok')"
        cmd = launch_command(plan, [python, "-c", code])
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"}, check=False
        )
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
        return False, f"could not start a sandbox ({type(exc).__name__})"
    finally:
        shutil.rmtree(kdir, ignore_errors=True)
    if proc.returncode == 0 and proc.stdout.strip() == "ok":
        return True, "the kernel interpreter starts inside bubblewrap as the kernel user"
    last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
    return False, "the kernel interpreter failed inside the sandbox: " + _strip_paths(last)[-200:]


def _strip_paths(text: str) -> str:
    return re.sub(r"(/[\w.@+-]+)+", "<path>", text)


def ensure_kernel_user(name: str = "jaxtutor-kernel") -> pwd.struct_passwd:
    """The kernel user, created as a system user (no home, no shell) if missing. Needs root to create."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    if os.geteuid() != 0:
        raise PermissionError(f"user {name!r} is missing and only root can create it")
    subprocess.run(["groupadd", "--system", "-f", name], check=True)
    subprocess.run(
        [
            "useradd",
            "--system",
            "--gid",
            name,
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            name,
        ],
        check=True,
    )
    return pwd.getpwnam(name)


def sweep_leftovers(runtime_dir: str | Path, limits: SandboxLimits | None = None) -> int:
    """At server start: remove kernel directories and cgroups a dead server left behind. Returns a count.
    ``limits``: the host-side settings, as for :func:`check_sandbox`."""
    kroot = Path(runtime_dir) / "k"
    names: set[str] = set()
    removed = 0
    if kroot.is_dir():
        for d in kroot.iterdir():
            if d.is_dir() and not d.is_symlink():
                names.add(d.name)
                shutil.rmtree(d, ignore_errors=True)
                removed += 1
    host = limits or SandboxLimits.host_defaults()
    layout = detect_layout(parent=host.cgroup)
    killer: Killer | None = None
    if host.resolved_mode() == "helper" and helper_problem(host.helper) is None:
        killer = helper_killer(host.helper)
    if layout.version:
        removed += sweep_cgroups(layout, names, killer=killer)
    return removed
