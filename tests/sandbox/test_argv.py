"""Unit tests: limits, the launch chain argv, GPU binds, exit classification. Nothing is started."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from kernels.outcomes import ErrorInfo, ExecutionResult, Reason
from kernels.sandbox.argv import (
    LaunchPlan,
    bwrap_args,
    gpu_device_paths,
    gpu_env,
    launch_command,
    outer_args,
    pick_cpus,
    wrapper_script,
)
from kernels.sandbox.doctor import refine_result
from kernels.sandbox.limits import SandboxLimits, parse_size_mb
from kernels.sandbox.provisioner import classify_exit

HOST = {
    "/etc/ld.so.cache",
    "/etc/shadow",
    "/etc/passwd",
    "/venv/pyvenv.cfg",
    "/bin",
    "/lib",
    "/lib64",
    "/dev/nvidiactl",
    "/dev/nvidia-uvm",
    "/dev/nvidia0",
    "/dev/nvidia1",
    "/dev/nvidia-caps",
}
LINKS = {"/bin": "usr/bin", "/lib": "usr/lib", "/lib64": "usr/lib64"}


def fake_exists(path: str) -> bool:
    return path in HOST


def plan(**kw: object) -> LaunchPlan:
    limits = kw.pop("limits", SandboxLimits())
    return LaunchPlan(
        kernel_dir="/run/jaxtutor/k/abc",
        python="/venv/bin/python",
        uid=999,
        gid=995,
        limits=limits,  # type: ignore[arg-type]
        seccomp_path="/run/jaxtutor/seccomp-x.bpf",
        cpus=[1],
        procs_files=["/sys/fs/cgroup/memory/jaxtutor/abc.1/cgroup.procs"],
        etc_dir="/run/jaxtutor/etc",
        **kw,  # type: ignore[arg-type]
    )


def build(p: LaunchPlan) -> list[str]:
    return bwrap_args(
        p,
        ["/venv/bin/python", "-m", "ipykernel_launcher"],
        exists=fake_exists,
        islink=lambda x: x in LINKS,
        readlink=LINKS.__getitem__,
    )


def pairs(args: list[str], flag: str) -> list[tuple[str, str]]:
    return [(args[i + 1], args[i + 2]) for i, a in enumerate(args) if a == flag]


@pytest.mark.parametrize(
    ("text", "mb"), [("512M", 512), ("2G", 2048), ("1.5GiB", 1536), ("100", 100), ("64MB", 64), (300, 300)]
)
def test_parse_size(text: str | int, mb: int) -> None:
    assert parse_size_mb(text) == mb


def test_parse_size_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        parse_size_mb("lots")


def test_limits_from_settings_style_options() -> None:
    lim = SandboxLimits.from_options({"sandbox_memory_mb": 512, "sandbox_pids": 64, "gpu_mode": "shared"})
    assert (lim.memory_mb, lim.pids, lim.gpu_mode) == (512, 64, "shared")
    assert SandboxLimits.from_options(lim.to_options()) == lim
    with pytest.raises(ValueError):
        SandboxLimits.from_options({"sandbox_bogus": 1})
    with pytest.raises(ValueError):
        SandboxLimits(memory_mb=10)


def test_every_limit_field_is_documented() -> None:
    import inspect

    from kernels.sandbox import limits as mod

    source = inspect.getsource(mod.SandboxLimits)
    for name in SandboxLimits.__dataclass_fields__:
        after = source.split(f"    {name}:", 1)[1].split("\n")[1]
        assert after.strip().startswith('"""'), f"{name} has no docstring"


def test_bwrap_isolates_everything_by_default() -> None:
    args = build(plan())
    assert args[0] == "bwrap"
    for flag in ("--unshare-all", "--die-with-parent", "--disable-userns", "--new-session"):
        assert flag in args
    assert "--share-net" not in args
    ro = pairs(args, "--ro-bind")
    sources = {s for s, _ in ro}
    assert ("/usr", "/usr") in ro and ("/venv", "/venv") in ro
    assert "/etc/shadow" not in sources and "/etc" not in sources and "/" not in sources
    assert ("/run/jaxtutor/etc/passwd", "/etc/passwd") in ro  # synthesized, not the host's
    assert pairs(args, "--bind") == [("/run/jaxtutor/k/abc", "/run/jaxtutor/k/abc")]  # the only writable bind
    assert pairs(args, "--symlink")[0] == ("usr/bin", "/bin")
    assert "--dev-bind" not in args and "/sys" not in args  # no GPU: no devices, no /sys


def test_bwrap_ordering_and_sizes() -> None:
    lim = SandboxLimits(scratch_mb=64, shm_mb=8)
    args = build(plan(limits=lim))
    tmp = args.index("/tmp", args.index("--tmpfs") + 1)
    assert args[tmp - 1] == "--tmpfs" and args[tmp - 3 : tmp - 1] == ["--size", str(64 << 20)]
    shm = args.index("/dev/shm")
    assert args[shm - 3 : shm] == ["--size", str(8 << 20), "--tmpfs"]
    assert args.index("--remount-ro") < tmp  # /dev read-only before /tmp is mounted
    last_ro = len(args) - 1 - args[::-1].index("--remount-ro")
    assert args[last_ro + 1] == "/" and last_ro > tmp  # / read-only after every mount
    sep = args.index("--")
    assert args[sep - 2 : sep] == ["--seccomp", "9"]
    assert args[sep + 1 :] == ["/venv/bin/python", "-m", "ipykernel_launcher"]


def test_gpu_binds_only_assigned_devices_before_dev_goes_readonly() -> None:
    args = build(plan(limits=SandboxLimits(gpu_devices=[1])))
    devs = [s for s, _ in pairs(args, "--dev-bind")]
    assert "/dev/nvidia1" in devs and "/dev/nvidia0" not in devs
    assert "/dev/nvidiactl" in devs and "/dev/nvidia-uvm" in devs and "/dev/nvidia-caps" in devs
    assert ("/sys", "/sys") in pairs(args, "--ro-bind")
    first_ro_dev = args.index("--remount-ro")
    assert args[first_ro_dev + 1] == "/dev"
    assert all(args.index(d) < first_ro_dev for d in devs)
    assert gpu_device_paths([], fake_exists) == []


def test_gpu_env() -> None:
    assert gpu_env(SandboxLimits(), False) == {}
    env = gpu_env(SandboxLimits(gpu_devices=[0, 2]), False)
    assert env["CUDA_VISIBLE_DEVICES"] == "0,2" and env["JAX_PLATFORMS"] == "cuda,cpu"
    assert env["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false" and "XLA_CLIENT_MEM_FRACTION" not in env
    shared = gpu_env(SandboxLimits(gpu_devices=[0], gpu_mode="shared", gpu_memory_fraction=0.3), True)
    assert shared["XLA_CLIENT_MEM_FRACTION"] == "0.30" and "JAX_PLATFORMS" not in shared


def test_outer_chain_drops_privileges_and_sets_rlimits() -> None:
    args = outer_args(plan(limits=SandboxLimits(file_size_mb=16, open_files=256)))
    assert args[0] == "prlimit" and f"--fsize={16 << 20}" in args and "--nofile=256:256" in args and "--core=0" in args
    assert args[args.index("taskset") + 1 : args.index("taskset") + 3] == ["-c", "1"]
    sp = args.index("setpriv")
    assert {"--reuid=999", "--regid=995", "--clear-groups", "--inh-caps=-all", "--no-new-privs"} <= set(args[sp:])
    assert args[-1] == "--"


def test_wrapper_joins_cgroups_before_exec_and_opens_seccomp() -> None:
    script = wrapper_script(plan())
    lines = script.splitlines()
    assert lines[0] == "set -e"  # a failed cgroup join stops the launch
    join = next(i for i, line in enumerate(lines) if "cgroup.procs" in line)
    assert lines[join].startswith("echo $$ > ")
    assert "JPY_PARENT_PID" in script and "umask 007" in script
    assert lines[-1].startswith('exec "$@" 9< ') and join < len(lines) - 1
    cmd = launch_command(plan(), ["python"], exists=fake_exists, islink=lambda x: x in LINKS)
    assert cmd[:2] == ["/bin/sh", "-c"] and cmd.index("setpriv") < cmd.index("bwrap")


def test_pick_cpus_rotates_and_matches_quota() -> None:
    assert pick_cpus(1.0, [0, 1], 0) == [0]
    assert pick_cpus(1.0, [0, 1], 1) == [1]
    assert pick_cpus(1.5, [0, 1, 2, 3], 3) == [3, 0]
    assert pick_cpus(8, [0, 1], 0) == [0, 1]
    assert pick_cpus(1, [], 0) == []


@pytest.mark.parametrize(
    ("code", "counters", "reason"),
    [
        (137, {"oom_kill": 1}, Reason.OOM),
        (128 + signal.SIGXFSZ, {}, Reason.FSIZE),
        (134, {"pids_max": 3}, Reason.PIDS),
        (137, {}, Reason.KILLED),
        (-9, {}, Reason.KILLED),
        (139, {}, Reason.CRASHED),
        (1, {}, Reason.CRASHED),
    ],
)
def test_classify_exit(code: int, counters: dict[str, int], reason: Reason) -> None:
    got, figures = classify_exit(code, counters, SandboxLimits(memory_mb=512))
    assert got is reason
    if reason is Reason.OOM:
        assert figures == {"limit": "512 MiB"}
    if code == 139:
        assert figures == {"signal": "SIGSEGV"}


def test_refine_result_names_the_limit() -> None:
    efbig = ExecutionResult(reason=Reason.RAISED, error=ErrorInfo("OSError", "[Errno 27] File too large", []))
    assert refine_result(efbig, {}).reason is Reason.FSIZE
    fork = ExecutionResult(reason=Reason.RAISED, error=ErrorInfo("BlockingIOError", "[Errno 11]", []))
    assert refine_result(fork, {"pids_max": 5}).reason is Reason.PIDS
    ok = ExecutionResult(reason=Reason.OK)
    assert refine_result(ok, {"pids_max": 5}).reason is Reason.OK
    oom = refine_result(ExecutionResult(reason=Reason.RAISED), {"oom_kill": 1}, SandboxLimits(memory_mb=256))
    assert oom.reason is Reason.OOM and "256 MiB" in oom.message


def test_non_root_chain_uses_the_helper_instead_of_setpriv() -> None:
    args = outer_args(plan(helper="/usr/local/lib/jaxtutor/kernel-exec"))
    assert args[-1] == "/usr/local/lib/jaxtutor/kernel-exec" and "setpriv" not in args
    assert args[0] == "prlimit" and "taskset" in args
    full = launch_command(plan(helper="/h"), ["python", "-m", "ipykernel_launcher"])
    assert full[full.index("/h") + 1] == "bwrap"


def test_sandbox_mode_and_host_settings() -> None:
    assert SandboxLimits(mode="auto").resolved_mode(euid=0) == "root"
    assert SandboxLimits(mode="auto").resolved_mode(euid=1000) == "helper"
    assert SandboxLimits(mode="root").resolved_mode(euid=1000) == "root"
    assert SandboxLimits(mode="helper").resolved_mode(euid=0) == "helper"
    with pytest.raises(ValueError):
        SandboxLimits(mode="sudo")
    with pytest.raises(ValueError):
        SandboxLimits(cgroup="/jaxtutor/../escape")
    host = SandboxLimits.host_defaults(
        {"JAXTUTOR_SANDBOX_MODE": "helper", "JAXTUTOR_SANDBOX_HELPER": "/h", "JAXTUTOR_SANDBOX_CGROUP": "/jaxtutor"}
    )
    assert (host.mode, host.helper, host.cgroup) == ("helper", "/h", "/jaxtutor")
    opts = SandboxLimits(mode="helper", cgroup="x").to_options()
    assert opts["sandbox_mode"] == "helper" and SandboxLimits.from_options(opts).cgroup == "x"


def test_cgroup_parent_paths(tmp_path: Path) -> None:
    from kernels.sandbox.cgroups import _base

    assert _base(tmp_path / "memory", "/a/b", "") == tmp_path / "memory/a/b/jaxtutor"
    assert _base(tmp_path / "memory", "/a/b", "sub") == tmp_path / "memory/a/b/sub"
    assert _base(tmp_path / "memory", "/a/b", "/jaxtutor") == tmp_path / "memory/jaxtutor"
    assert _base(tmp_path, "/", "/deleg/x") == tmp_path / "deleg/x"


def test_grading_kernels_started_on_demand_skip_the_warmup_compiles() -> None:
    from app.config import Settings
    from app.grader.pipeline import kernel_config
    from kernels.launcher import kernel_argv

    settings = Settings()
    grading = " ".join(kernel_argv(kernel_config(settings)))
    session = " ".join(kernel_argv(kernel_config(settings, purpose="session")))
    assert "import jax" in grading and "jax.random.normal" not in grading
    assert "import jax" in session and "jax.random.normal" in session


def test_only_run_kernels_answer_completion_with_ipythons_own_completer() -> None:
    from app.config import Settings
    from app.grader.pipeline import kernel_config
    from kernels.launcher import kernel_argv

    settings = Settings()
    assert "--IPCompleter.use_jedi=False" in kernel_argv(kernel_config(settings, purpose="session"))
    assert "--IPCompleter.use_jedi=False" not in kernel_argv(kernel_config(settings))


def test_preload_lines_by_kind_of_kernel() -> None:
    """Light kernels import nothing but still name cells in C and get the font list; a warmed-up kernel ends
    its preload by dropping the warm-up's compiled programs and trimming the heap (idle memory)."""
    import dataclasses
    import json

    from app.config import Settings
    from app.services.run.providers import session_kernel_config
    from kernels.launcher import PRELOAD_CELL_NAMES, PRELOAD_MPL_CACHE, PRELOAD_SETTLE, kernel_argv

    def lines(config: object) -> list[str]:
        [arg] = [a for a in kernel_argv(config) if a.startswith("--IPKernelApp.exec_lines=")]  # type: ignore[arg-type]
        return list(json.loads(arg.split("=", 1)[1]))

    warm = session_kernel_config(Settings())
    light = dataclasses.replace(warm, preload=False)
    assert lines(light) == [PRELOAD_CELL_NAMES, PRELOAD_MPL_CACHE]
    assert lines(warm)[:2] == [PRELOAD_CELL_NAMES, PRELOAD_MPL_CACHE] and lines(warm)[-1] == PRELOAD_SETTLE
    assert PRELOAD_SETTLE not in lines(dataclasses.replace(warm, preload_warmup=False))
