"""Red team: escape and resource-abuse attempts against the sandbox, each bounded in time and size.

Every attempt asserts containment from the *host* side where one exists: a loopback TCP/UDP listener and
an abstract Unix socket that count what reaches them, canary files outside the sandbox (a world-readable
secret in a host tmp dir and under a fake data dir) whose content must never show up in any output and
must stay untouched, the kernel directory's files, and the host process still answering. Attempts that do
not kill the kernel share one kernel; the others go through ``jaxtutor run FILE --json`` (exit code and
reason asserted).
"""

# ruff: noqa: E501  (one attempt or case per line reads better than wrapped code strings)

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import textwrap
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from kernels.launcher import KernelConfig, start_kernel
from kernels.outcomes import Reason
from kernels.runtime import ExecuteOptions, KernelHandle
from kernels.sandbox.cgroups import detect_layout
from kernels.sandbox.limits import SandboxLimits

from .conftest import KERNEL_PYTHON, REPO, RUNTIME_DIR, Listener, RunResult

pytestmark = [
    pytest.mark.kernel,
    pytest.mark.sandbox,
    pytest.mark.usefixtures("sandbox_ready"),
]
in_module_loop = pytest.mark.asyncio(loop_scope="module")  # the shared kernel lives in the module's loop

SECRET = "jaxtutor-canary-" + secrets.token_hex(8)
VENV = str(Path(KERNEL_PYTHON).parent.parent)

PRELUDE = textwrap.dedent(
    """
    import ctypes, errno, os
    _libc = ctypes.CDLL(None, use_errno=True)
    def attempt(fn):
        try:
            r = fn()
        except BaseException as e:
            print("DENIED", type(e).__name__, e)
        else:
            print("OPEN", repr(r)[:200])
    def sys_call(*args):
        r = _libc.syscall(*args)
        if r < 0:
            e = ctypes.get_errno(); raise OSError(e, os.strerror(e))
        return r
    def libc(name, *args):
        r = getattr(_libc, name)(*args)
        if r < 0:
            e = ctypes.get_errno(); raise OSError(e, os.strerror(e))
        return r
    """
)


@dataclass
class Host:
    """Host-side witnesses and paths planted for the attempts."""

    canary: Path
    data_secret: Path
    other_kernel_secret: Path
    files: dict[Path, tuple[str, float]]

    def untouched(self) -> bool:
        return all(_fingerprint(p) == fp for p, fp in self.files.items())


def _fingerprint(path: Path) -> tuple[str, float]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime


@pytest.fixture(scope="module")
def host() -> Iterator[Host]:
    tmp_dir = Path(f"/tmp/jaxtutor-canary-{os.getpid()}")
    data_dir = Path(f"/srv/jaxtutor-redteam-data-{os.getpid()}")
    other = Path(RUNTIME_DIR) / "k" / f"other{os.getpid()}"
    made = []
    for d in (tmp_dir, data_dir, other):
        d.mkdir(parents=True, exist_ok=True, mode=0o755)
        d.chmod(0o755)
        made.append(d)
    canary, data_secret, other_secret = (
        tmp_dir / "canary.txt",
        data_dir / "secret.txt",
        other / "connection.json",
    )
    for p in (canary, data_secret, other_secret):
        p.write_text(SECRET)
        p.chmod(0o644)  # world-readable on the host: only the sandbox stands between it and the kernel
    h = Host(canary, data_secret, other_secret, {p: _fingerprint(p) for p in (canary, data_secret, other_secret)})
    yield h
    assert h.untouched(), "a canary file outside the sandbox was modified"
    for d in made:
        shutil.rmtree(d, ignore_errors=True)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def kernel() -> AsyncIterator[KernelHandle]:
    opts = SandboxLimits().to_options()
    h = await start_kernel(
        KernelConfig(runtime_dir=RUNTIME_DIR, python=KERNEL_PYTHON, preload=False, sandbox_options=opts)
    )
    result = await h.execute(PRELUDE, ExecuteOptions(timeout=20))
    assert result.reason is Reason.OK, result.error
    yield h
    await h.shutdown()


async def attempt(kernel: KernelHandle, code: str, timeout: float = 20.0) -> str:
    result = await kernel.execute(textwrap.dedent(code), ExecuteOptions(timeout=timeout, output_limit=20_000))
    assert result.reason in (Reason.OK, Reason.RAISED), (result.reason, result.message)
    out = result.stdout() + result.stderr() + (result.error.evalue if result.error else "")
    assert SECRET not in out, "a host secret reached the kernel"
    return out


def denied(out: str) -> None:
    assert "DENIED" in out and "OPEN" not in out, out


# -- attempts in the shared kernel: (id, code, check) -------------------------------------------------
Check = Callable[[str], None]
KID = "{kid}"


def _only(*allowed: str) -> Check:
    def check(out: str) -> None:
        names = set(out.split()) - {"OPEN"}
        assert names <= set(allowed), out

    return check


ATTEMPTS: list[tuple[str, str, Check]] = [
    # network
    (
        "tcp-to-host-loopback",
        "import socket; attempt(lambda: socket.create_connection(('127.0.0.1', {tcp}), timeout=2))",
        denied,
    ),
    (
        "tcp-to-host-address",
        "import socket; attempt(lambda: socket.create_connection(('{host_ip}', {tcp}), timeout=2))",
        denied,
    ),
    (
        "tcp-to-internet",
        "import socket; attempt(lambda: socket.create_connection(('1.1.1.1', 53), timeout=2))",
        denied,
    ),
    ("dns-lookup", "import socket; attempt(lambda: socket.getaddrinfo('example.com', 80))", denied),
    (
        "abstract-unix-socket",
        "import socket\ndef f():\n s = socket.socket(socket.AF_UNIX)\n s.connect('\\0jaxtutor-redteam-{pid}')\nattempt(f)",
        denied,
    ),
    ("af-packet", "import socket; attempt(lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW))", denied),
    (
        "raw-icmp",
        "import socket; attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))",
        denied,
    ),
    ("af-vsock", "import socket; attempt(lambda: socket.socket(40, socket.SOCK_STREAM))", denied),
    ("only-loopback-interface", "import socket; print(*[n for _, n in socket.if_nameindex()])", _only("lo")),
    # reading host files
    ("read-etc-shadow", "attempt(lambda: open('/etc/shadow').read())", denied),
    ("read-host-tmp-canary", "attempt(lambda: open('{canary}').read())", denied),
    ("read-data-dir-secret", "attempt(lambda: open('{data_secret}').read())", denied),
    ("read-other-kernel-dir", "attempt(lambda: open('{other_secret}').read())", denied),
    ("list-kernel-dirs", "print(*os.listdir('{runtime}/k'))", _only(KID)),
    ("read-repo", "attempt(lambda: open('{repo}/pyproject.toml').read())", denied),
    ("read-root-home", "attempt(lambda: os.listdir('/root'))", denied),
    (
        "etc-is-minimal",
        "print(*[n for n in os.listdir('/etc') if n in ('shadow', 'gshadow', 'ssh', 'sudoers', 'hostname')])",
        _only(),
    ),
    ("read-dev-mem", "attempt(lambda: open('/dev/mem', 'rb').read(1))", denied),
    ("read-proc-kcore", "attempt(lambda: open('/proc/kcore', 'rb').read(1))", denied),
    ("no-cgroupfs-or-sys", "attempt(lambda: os.listdir('/sys/fs/cgroup'))", denied),
    # writing where it must not
    ("write-usr", "attempt(lambda: open('/usr/evil', 'w'))", denied),
    ("write-venv", "attempt(lambda: open('{venv}/lib/python3.11/site-packages/evil.pth', 'w'))", denied),
    ("write-root", "attempt(lambda: open('/evil', 'w'))", denied),
    ("write-dev", "attempt(lambda: open('/dev/evil', 'w'))", denied),
    ("write-etc", "attempt(lambda: open('/etc/passwd', 'a'))", denied),
    ("write-proc-sys", "attempt(lambda: open('/proc/sys/kernel/hostname', 'w').write('x'))", denied),
    ("write-sysrq", "attempt(lambda: open('/proc/sysrq-trigger', 'w').write('b'))", denied),
    ("write-connection-file", "attempt(lambda: open('{kdir}/connection.json', 'w'))", denied),
    ("chmod-connection-file", "attempt(lambda: os.chmod('{kdir}/connection.json', 0o666))", denied),
    (
        "swap-socket-for-symlink",
        "attempt(lambda: (os.unlink('{kdir}/s-1'), os.symlink('/run/x', '{kdir}/s-1')))",
        denied,
    ),
    ("create-in-kernel-dir", "attempt(lambda: open('{kdir}/evil', 'w'))", denied),
    # limits
    (
        "file-size-cap",
        "attempt(lambda: open('/tmp/big', 'wb').write(b'x' * (32 << 20)))\nos.remove('/tmp/big')",
        denied,
    ),
    (
        "tmpfs-cap",
        "def f():\n for i in range(8):\n  open(f'/tmp/f{{i}}', 'wb').write(b'x' * (15 << 20))\nattempt(f)\nfor n in os.listdir('/tmp'):\n os.path.isfile('/tmp/' + n) and n.startswith('f') and os.remove('/tmp/' + n)",
        denied,
    ),
    (
        "dev-shm-cap",
        "def f():\n for i in range(3):\n  open(f'/dev/shm/s{{i}}', 'wb').write(b'x' * (12 << 20))\nattempt(f)\nfor n in os.listdir('/dev/shm'): os.remove('/dev/shm/' + n)",
        denied,
    ),
    (
        "open-files-cap",
        "fs = []\ndef f():\n while True: fs.append(open('/dev/null'))\nattempt(f)\nfor x in fs: x.close()\ndel fs",
        denied,
    ),
    (
        "raise-rlimit",
        "import resource; attempt(lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (-1, -1)))",
        denied,
    ),
    ("setuid-root", "attempt(lambda: os.setuid(0))", denied),
    ("huge-numpy-allocation", "import numpy as np; attempt(lambda: np.ones(30 * 10**9 // 8))", denied),
    # kernel-level attack surface
    ("ptrace-attach-pid1", "attempt(lambda: libc('ptrace', 16, 1, 0, 0))", denied),
    ("process-vm-readv", "attempt(lambda: sys_call(310, 1, 0, 0, 0, 0, 0))", denied),
    ("nested-user-namespace", "attempt(lambda: libc('unshare', 0x10000000))", denied),
    (
        "unshare-net-command",
        "import subprocess; attempt(lambda: subprocess.run(['unshare', '-n', 'true'], check=True, capture_output=True))",
        denied,
    ),
    ("mount-syscall", "attempt(lambda: libc('mount', b'none', b'/tmp', b'tmpfs', 0, None))", denied),
    (
        "mount-command",
        "import subprocess; attempt(lambda: subprocess.run(['mount', '-t', 'tmpfs', 'none', '/tmp'], check=True, capture_output=True))",
        denied,
    ),
    ("io-uring-setup", "attempt(lambda: sys_call(425, 8, ctypes.create_string_buffer(120)))", denied),
    ("bpf-syscall", "attempt(lambda: sys_call(321, 0, ctypes.create_string_buffer(128), 128))", denied),
    ("keyctl", "attempt(lambda: sys_call(250, 0, -3, 0))", denied),
    (
        "perf-event-open",
        "attempt(lambda: sys_call(298, ctypes.create_string_buffer(128), 0, -1, -1, 0))",
        denied,
    ),
    (
        "tiocsti-injection",
        "import fcntl, termios\nm, s = os.openpty()\nattempt(lambda: fcntl.ioctl(s, termios.TIOCSTI, b'x'))",
        denied,
    ),
    (
        "ps-sees-only-sandbox",
        "print(len([p for p in os.listdir('/proc') if p.isdigit()]) <= 3 and 'FEW' or 'MANY')",
        _only("FEW"),
    ),
    ("kill-host-process", "import signal; attempt(lambda: os.kill({pid}, signal.SIGKILL))", denied),
    (
        "kill-pid-1",
        "import signal\ntry: os.kill(1, signal.SIGKILL)\nexcept OSError: pass\nimport time; time.sleep(0.3); print('ALIVE')",
        _only("ALIVE"),
    ),
]


@pytest.fixture(scope="module")
def fmt(host: Host, listener: Listener) -> dict[str, object]:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        host_ip = probe.getsockname()[0]
    except OSError:
        host_ip = "127.0.0.2"
    finally:
        probe.close()
    return {
        "tcp": listener.tcp_port,
        "udp": listener.udp_port,
        "pid": os.getpid(),
        "host_ip": host_ip,
        "canary": host.canary,
        "data_secret": host.data_secret,
        "other_secret": host.other_kernel_secret,
        "runtime": RUNTIME_DIR,
        "repo": REPO,
        "venv": VENV,
    }


@in_module_loop
@pytest.mark.parametrize(("name", "code", "check"), ATTEMPTS, ids=[a[0] for a in ATTEMPTS])
async def test_attempt_in_shared_kernel(
    kernel: KernelHandle,
    fmt: dict[str, object],
    listener: Listener,
    host: Host,
    name: str,
    code: str,
    check: Check,
) -> None:
    kdir = Path(RUNTIME_DIR) / "k" / kernel.id
    before = {p.name: p.lstat().st_mode for p in kdir.iterdir()}
    conn = _fingerprint(kdir / "connection.json")
    out = await attempt(kernel, code.format(kdir=kdir, **fmt))
    check(out.replace(kernel.id, KID))
    # host-side containment after every attempt
    assert listener.foreign_hits() == 0
    assert host.untouched()
    assert {p.name: p.lstat().st_mode for p in kdir.iterdir()} == before
    assert _fingerprint(kdir / "connection.json") == conn
    assert listener.still_answers()
    alive = await kernel.execute("print('still here')", ExecuteOptions(timeout=10))
    assert alive.stdout() == "still here\n", name


@in_module_loop
async def test_udp_to_host_listener_never_arrives(kernel: KernelHandle, listener: Listener) -> None:
    code = (
        "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        f"for _ in range(20):\n  try: s.sendto(b'x', ('127.0.0.1', {listener.udp_port}))\n  except OSError: pass\nprint('sent')"
    )
    await attempt(kernel, code)
    assert listener.hits["udp"] == 0


@in_module_loop
async def test_jnp_huge_allocation_is_a_clean_error(kernel: KernelHandle) -> None:
    out = await attempt(
        kernel,
        "import jax.numpy as jnp\nattempt(lambda: jnp.ones((30 * 10**9 // 4,), dtype=jnp.float32).block_until_ready())",
        timeout=60,
    )
    denied(out)
    assert "RESOURCE_EXHAUSTED" in out or "MemoryError" in out or "Out of memory" in out, out


@in_module_loop
async def test_forged_huge_iopub_message_is_dropped() -> None:
    """A kernel forging a 96 MiB iopub message must not balloon the server (client MAXMSGSIZE)."""
    h = await start_kernel(
        KernelConfig(runtime_dir=RUNTIME_DIR, python=KERNEL_PYTHON, preload=False, max_message_bytes=16 << 20)
    )
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset our peak RSS
        code = (
            "k = get_ipython().kernel\n"
            "k.session.send(k.iopub_socket, 'stream', {'name': 'stdout', 'text': 'x' * (96 << 20)}, parent=k.get_parent())\n"
            "print('sent')"
        )
        # The oversized frame is dropped with its pipe, so the cell's idle status may be lost too:
        # the run then ends at its deadline (a short one here) instead of hanging.
        result = await h.execute(code, ExecuteOptions(timeout=6, interrupt_grace_s=1))
        peak_kib = int(
            next(
                line.split()[1]
                for line in Path("/proc/self/status").read_text().splitlines()
                if line.startswith("VmHWM")
            )
        )
        rss_kib = int(
            next(
                line.split()[1]
                for line in Path("/proc/self/status").read_text().splitlines()
                if line.startswith("VmRSS")
            )
        )
        assert peak_kib - rss_kib < 64 << 10, "the forged message was buffered by the server"
        assert "x" * 1000 not in result.stdout()
    finally:
        await h.shutdown()


# -- attempts that end the kernel, through `jaxtutor run --json` --------------------------------------
CLI_CASES: list[tuple[str, str, list[str], int, str]] = [
    ("ok", "print('hi')", [], 0, "ok"),
    ("raises", "1/0", [], 1, "raised"),
    ("file-size-cap", "open('/tmp/big', 'wb').write(b'x' * (32 << 20))", [], 4, "file_too_large"),
    (
        "python-fork-loop",
        "import os, time\nwhile True:\n    if os.fork() == 0:\n        time.sleep(30); os._exit(0)",
        ["--timeout", "20"],
        4,
        "too_many_processes",
    ),
    (
        "shell-fork-bomb",
        "import subprocess\nsubprocess.run(['sh', '-c', 'b() { b | b & }; b'], timeout=3, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "raise RuntimeError('the bomb went off')",
        ["--timeout", "20"],
        4,
        "too_many_processes",
    ),
    ("oom-kill", "x = b'x' * (600 << 20)", ["--memory", "256M"], 4, "out_of_memory"),
    ("infinite-loop", "while True: pass", ["--timeout", "2"], 3, "timeout"),
    (
        "sigint-ignoring-loop",
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True: pass",
        ["--timeout", "2"],
        3,
        "killed",
    ),
    ("output-flood", "for _ in range(200): print('x' * 10_000)", [], 0, "output_limit"),
    ("self-exit", "import os; os._exit(3)", [], 3, "crashed"),
    ("segfault", "import ctypes; ctypes.string_at(0)", [], 3, "crashed"),
]


@pytest.mark.parametrize(("name", "code", "args", "exit_code", "reason"), CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_run(
    jaxtutor_run: Callable[..., RunResult], name: str, code: str, args: list[str], exit_code: int, reason: str
) -> None:
    started = time.monotonic()
    res = jaxtutor_run(code, *args)
    assert (res.code, res.reason) == (exit_code, reason), (res.stdout[-2000:], res.stderr[-2000:])
    assert time.monotonic() - started < 40
    assert "/run/" not in res.data.get("message", "") and str(REPO) not in res.data.get("message", "")
    if reason == "out_of_memory":
        assert "256 MiB" in res.data["message"]


def test_cli_raw_fd_writes_do_not_reach_the_host(jaxtutor_run: Callable[..., RunResult]) -> None:
    res = jaxtutor_run("import os\nos.write(1, b'RAW' * 100000)\nos.write(2, b'ERR' * 100000)\nprint('done')")
    assert res.code == 0 and res.reason in ("ok", "output_limit")  # ipykernel captures fds 1 and 2
    assert res.data and res.stdout.count("\n") == 1  # our stdout is exactly one JSON document
    assert "ERR" not in res.stderr


def test_cli_private_tmp_between_kernels(jaxtutor_run: Callable[..., RunResult]) -> None:
    first = jaxtutor_run("open('/tmp/marker', 'w').write('x'); print(sorted(__import__('os').listdir('/tmp')))")
    assert first.code == 0
    second = jaxtutor_run("import os; print('present' if os.path.exists('/tmp/marker') else 'absent')")
    assert second.code == 0 and second.text.strip() == "absent"


def test_cli_refuses_without_sandbox(jaxtutor_run: Callable[..., RunResult]) -> None:
    res = jaxtutor_run("print('never')", env={"JAXTUTOR_SANDBOX_USER": "no-such-user-xyz"})
    assert res.code == 5 and res.reason == "sandbox_unavailable"
    assert "never" not in res.stdout
    msg = res.data["message"]
    assert "/run" not in msg and str(REPO) not in msg and "/etc" not in msg


def test_cli_unsafe_mode_warns_loudly(jaxtutor_run: Callable[..., RunResult]) -> None:
    res = jaxtutor_run("print('plain')", env={"JAXTUTOR_UNSAFE_NO_SANDBOX": "1"})
    assert res.code == 0 and "WITHOUT any sandbox" in res.stderr


def test_killing_the_server_kills_its_kernel(jaxtutor_run: Callable[..., RunResult], tmp_path: Path) -> None:
    from .conftest import _cli_prefix

    layout = detect_layout()
    base = layout.bases["pids"]
    before = {d.name for d in base.iterdir() if d.is_dir()} if base.is_dir() else set()
    cell = tmp_path / "sleep.py"
    cell.write_text("import time\nwhile True: time.sleep(1)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAXTUTOR_")}
    env.update(JAXTUTOR_RUNTIME_DIR=RUNTIME_DIR, JAXTUTOR_KERNEL_PYTHON=KERNEL_PYTHON)
    server = subprocess.Popen(
        [*_cli_prefix(), "run", str(cell), "--timeout", "60"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    new: Path | None = None
    try:
        end = time.monotonic() + 30
        while time.monotonic() < end and new is None:
            for d in base.iterdir():
                if d.is_dir() and d.name not in before and len((d / "cgroup.procs").read_text().split()) >= 2:
                    new = d
            time.sleep(0.1)
        assert new is not None, "the kernel did not start"
        time.sleep(1.0)  # the cell is running
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        end = time.monotonic() + 10
        while time.monotonic() < end and (new / "cgroup.procs").read_text().split():
            time.sleep(0.1)
        assert (new / "cgroup.procs").read_text().split() == [], "kernel processes outlived the server"
    finally:
        if server.poll() is None:
            server.kill()
        from kernels.sandbox.cgroups import sweep_cgroups

        if new is not None:
            sweep_cgroups(layout, {new.name.split(".")[0]})
            shutil.rmtree(Path(RUNTIME_DIR) / "k" / new.name.split(".")[0], ignore_errors=True)


def test_host_paths_are_not_world_traversable_into_kernel_dirs() -> None:
    kroot = Path(RUNTIME_DIR) / "k"
    mode = stat.S_IMODE(kroot.stat().st_mode)
    assert not mode & stat.S_IROTH, "others can list the kernel directories"
