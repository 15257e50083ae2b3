"""``SandboxProvisioner``: jupyter-client's hook for launching a kernel, wrapping it in bubblewrap.

Called by jupyter-client's ``AsyncKernelManager`` (named ``jaxtutor-sandbox`` in the kernelspec that
``kernels.launcher.start_kernel`` builds). Per start it: prepares the kernel directory (writable by the
kernel uid only until its sockets exist, then sealed), creates fresh cgroups, builds the launch chain
(see ``argv.py``), and after the kernel dies tells why (:meth:`death_reason`). Cleanup kills whatever is
left in the cgroups and removes them and the kernel directory.

The server is either root (it drops each kernel to the kernel uid with setpriv) or an unprivileged user
(``SandboxLimits.mode``; see ``privilege.py``): then the privileged helper replaces setpriv and signals the
kernels, the kernel directory is shared through the kernel user's group, and the cgroups come from a
subtree delegated to the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import pwd
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner
from traitlets import Unicode

from kernels.outcomes import Reason
from kernels.sandbox.argv import LaunchPlan, gpu_env, launch_command, pick_cpus
from kernels.sandbox.cgroups import KernelCgroups, Killer, detect_layout
from kernels.sandbox.limits import SandboxLimits
from kernels.sandbox.privilege import helper_killer, helper_problem, in_group
from kernels.sandbox.seccomp_filter import bpf_file

_cpu_rotation = itertools.count()
SOCKET_KEYS = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")


class SandboxError(RuntimeError):
    """The sandbox cannot start this kernel; the message is safe to show (no host paths)."""


def ensure_etc(runtime_dir: Path, user: pwd.struct_passwd) -> Path:
    """Minimal ``passwd``/``group`` files shown to kernels instead of the host's."""
    etc = runtime_dir / "etc"
    etc.mkdir(mode=0o755, exist_ok=True)
    files = {
        "passwd": "root:x:0:0::/:/usr/sbin/nologin\n"
        f"{user.pw_name}:x:{user.pw_uid}:{user.pw_gid}::/tmp:/usr/sbin/nologin\n",
        "group": f"root:x:0:\n{user.pw_name}:x:{user.pw_gid}:\n",
    }
    for name, text in files.items():
        path = etc / name
        if not path.exists() or path.read_text() != text:
            tmp = etc / f".{name}.{os.getpid()}"
            tmp.write_text(text)
            tmp.chmod(0o644)
            tmp.replace(path)
    return etc


def reachable_by_others(path: Path) -> bool:
    """Every ancestor of ``path`` can be traversed by an unrelated uid (o+x)."""
    for parent in path.parents:
        try:
            if not parent.stat().st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


class SandboxProvisioner(LocalProvisioner):
    """Launches ipykernel inside bubblewrap as the unprivileged kernel user, with cgroups and seccomp."""

    kernel_dir = Unicode("", config=True)
    options = Unicode("{}", config=True)

    _cgroups: KernelCgroups | None = None
    _baseline: dict[str, int] | None = None
    _final_counters: dict[str, int] | None = None
    _exit_code: int | None = None
    _limits: SandboxLimits | None = None
    _starts = 0
    _kernel_gid = -1
    _mode = "root"
    _killer: Killer | None = None  # non-root mode: signals the kernel through the helper

    # -- launch -----------------------------------------------------------------------------------
    def _config(self) -> tuple[dict[str, Any], SandboxLimits]:
        opts = json.loads(self.options or "{}")
        return opts, SandboxLimits.from_options(opts.get("sandbox_options"))

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        opts, limits = self._config()
        mode = limits.resolved_mode()
        if mode == "root" and os.geteuid() != 0:
            raise SandboxError("the sandbox must be started by root (it drops to the kernel user itself)")
        if mode == "helper" and helper_problem(limits.helper) is not None:
            raise SandboxError("the privileged helper of the non-root mode is not usable (see `jaxtutor doctor`)")
        try:
            user = pwd.getpwnam(limits.user)
        except KeyError:
            raise SandboxError(f"the kernel user {limits.user!r} does not exist (run scripts/setup-host.sh)") from None
        if user.pw_uid == 0:
            raise SandboxError("the kernel user must not be root")
        if mode == "helper" and (user.pw_uid == os.getuid() or not in_group(user.pw_gid)):
            raise SandboxError(
                "the server must be a member of the kernel user's group and not the kernel user itself "
                "(see `jaxtutor doctor`)"
            )
        self._mode = mode
        self._killer = helper_killer(limits.helper) if mode == "helper" else None
        kdir = Path(self.kernel_dir)
        if not self.kernel_dir or not kdir.is_dir():
            raise SandboxError("the kernel directory is missing")
        if not reachable_by_others(kdir):
            raise SandboxError("the runtime directory is not reachable by the kernel user (needs o+x on every parent)")
        self._limits = limits
        self._exit_code = None
        self._final_counters = None
        self._kernel_gid = user.pw_gid
        self._open_dir(kdir, user)
        kwargs = await super().pre_launch(**kwargs)  # writes the connection file
        conn = Path(self.parent.connection_file) if self.parent is not None else kdir / "connection.json"
        os.chown(conn, os.getuid(), user.pw_gid)
        conn.chmod(0o640)  # readable by the kernel's group, writable by nobody but the server

        self._starts += 1
        layout = detect_layout(parent=limits.cgroup)
        try:
            self._cgroups = KernelCgroups.create(layout, f"{kdir.name}.{self._starts}", limits, killer=self._killer)
        except OSError as exc:
            raise SandboxError(f"cannot create the kernel's cgroups ({type(exc).__name__})") from exc
        try:
            return self._finish_pre_launch(kwargs, opts, limits, user, kdir)
        except BaseException:
            self._remove_cgroups()
            raise

    def _finish_pre_launch(
        self,
        kwargs: dict[str, Any],
        opts: dict[str, Any],
        limits: SandboxLimits,
        user: pwd.struct_passwd,
        kdir: Path,
    ) -> dict[str, Any]:
        assert self._cgroups is not None
        self._baseline = self._cgroups.counters()
        runtime_dir = kdir.parent.parent
        try:
            seccomp_path = bpf_file(runtime_dir)
        except RuntimeError as exc:
            raise SandboxError(str(exc)) from exc
        available = sorted(os.sched_getaffinity(0))
        plan = LaunchPlan(
            kernel_dir=str(kdir),
            python=opts.get("python") or kwargs["cmd"][0],
            uid=user.pw_uid,
            gid=user.pw_gid,
            limits=limits,
            seccomp_path=str(seccomp_path),
            cpus=pick_cpus(limits.cpus, available, next(_cpu_rotation)),
            procs_files=[str(p) for p in self._cgroups.procs_files()],
            etc_dir=str(ensure_etc(runtime_dir, user)),
            helper=limits.helper if self._mode == "helper" else "",
        )
        kwargs["cmd"] = launch_command(plan, kwargs["cmd"])
        env = dict(self.kernel_spec.env)  # exactly the kernelspec's env, never the server's
        env.update(gpu_env(limits, "JAX_PLATFORMS" in (opts.get("env") or {})))
        kwargs["env"] = env
        kwargs["stdout"] = subprocess.DEVNULL  # raw fd 1/2 writes must not reach the server's terminal
        kwargs["stderr"] = subprocess.DEVNULL
        kwargs["stdin"] = subprocess.DEVNULL
        kwargs["cwd"] = "/"
        return kwargs

    def _open_dir(self, kdir: Path, user: pwd.struct_passwd) -> None:
        """Fresh start: remove stale socket files and let the kernel uid create its sockets."""
        for entry in kdir.iterdir():
            if entry.name != "connection.json":
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
        if self._mode == "helper":
            # Only root may give the directory away: share it through the kernel group (the server is a member).
            os.chown(kdir, -1, user.pw_gid)
            kdir.chmod(0o2770)  # sockets belong to the kernel group, connectable by the server (umask 007)
            return
        os.chown(kdir, user.pw_uid, os.getgid())
        kdir.chmod(0o2770)  # setgid: sockets belong to the server's group (umask 007 in the sandbox)

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        try:
            info = await super().launch_kernel(cmd, **kwargs)
            opts, _ = self._config()
            await self._seal(float(opts.get("ready_timeout_s") or 60.0))
        except BaseException:
            await self.kill()
            self._remove_cgroups()  # jupyter-client calls no cleanup when the launch itself fails
            raise
        return info

    async def _seal(self, timeout: float) -> None:
        """Once the kernel has bound its sockets, take the directory away from it (no symlink swaps later)."""
        kdir = Path(self.kernel_dir)
        info: dict[str, Any] = dict(self.connection_info)
        paths = [Path(f"{info.get('ip', '')}-{info[k]}") for k in SOCKET_KEYS]
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.process is None or self.process.poll() is not None:
                return  # died during start: the ready wait reports why
            modes = []
            for p in paths:
                with contextlib.suppress(OSError):
                    modes.append(p.lstat().st_mode)
            if any(stat.S_ISLNK(m) for m in modes):
                await self.kill()
                raise SandboxError("the kernel replaced a socket with a symlink")
            if len(modes) == len(paths) and all(stat.S_ISSOCK(m) for m in modes):
                # Read-only for the kernel from now on (ipykernel still re-reads its connection file).
                os.chown(kdir, os.getuid(), self._kernel_gid)
                kdir.chmod(0o750)
                return
            await asyncio.sleep(0.01)

    async def send_signal(self, signum: int) -> None:
        """Root: jupyter-client's own (the process group). Non-root: the kernel runs as another uid, so every
        process of its cgroups is signalled as the kernel user, through the helper."""
        if self._killer is None or self.process is None:
            await super().send_signal(signum)
            return
        pids = self._cgroups.pids() if self._cgroups is not None else []
        if self.process.pid not in pids:
            pids.append(self.process.pid)  # not reaped yet (our child), so its pid cannot have been reused
        await asyncio.to_thread(self._killer, pids, signum)

    # -- outcome ----------------------------------------------------------------------------------
    async def poll(self) -> int | None:
        code = await super().poll()
        if self.process is not None and code is not None:
            self._exit_code = code
        return code

    async def wait(self) -> int | None:
        had = self.process is not None
        code = await super().wait()
        if had:
            self._exit_code = code
        return code

    def limit_counters(self) -> dict[str, int]:
        """Counters since this start: ``oom_kill``, ``pids_max`` (refused forks), ``memory_failcnt``."""
        now = self._final_counters
        if now is None:
            now = self._cgroups.counters() if self._cgroups is not None else {}
        base = self._baseline or {}
        return {k: v - base.get(k, 0) for k, v in now.items()}

    def death_reason(self) -> tuple[Reason, dict[str, Any]] | None:
        """Why the kernel died (None while it runs): OOM with its limit, pids, file size, or the signal."""
        code = self._exit_code
        if self.process is not None:
            polled = self.process.poll()
            if polled is None:
                return None
            code = polled
        if code is None:
            return None
        return classify_exit(code, self.limit_counters(), self._limits)

    # -- teardown ---------------------------------------------------------------------------------
    def _remove_cgroups(self) -> None:
        if self._cgroups is not None:
            with contextlib.suppress(Exception):
                self._final_counters = self._cgroups.counters()
            self._cgroups.remove()
            self._cgroups = None

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart=restart)
        self._remove_cgroups()
        if not restart and self.kernel_dir:
            shutil.rmtree(self.kernel_dir, ignore_errors=True)


def classify_exit(code: int, counters: dict[str, int], limits: SandboxLimits | None) -> tuple[Reason, dict[str, Any]]:
    """Map bwrap's exit status (``128 + signal`` if the kernel was killed) and cgroup counters to a Reason."""
    sig: int | None = None
    if code < 0:
        sig = -code
    elif code > 128:
        sig = code - 128
    if counters.get("oom_kill", 0) > 0:
        limit = f"{limits.memory_mb} MiB" if limits is not None else None
        return Reason.OOM, {"limit": limit} if limit else {}
    if sig == signal.SIGXFSZ:
        return Reason.FSIZE, {}
    if counters.get("pids_max", 0) > 0:
        return Reason.PIDS, {}
    if sig == signal.SIGKILL:
        return Reason.KILLED, {}
    if sig is not None:
        try:
            return Reason.CRASHED, {"signal": signal.Signals(sig).name}
        except ValueError:
            return Reason.CRASHED, {"signal": str(sig)}
    return Reason.CRASHED, {"exit_code": code}
