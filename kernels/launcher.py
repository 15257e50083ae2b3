"""Starting kernels: builds the kernelspec in memory and hands it to jupyter-client.

The launcher owns the choice of provisioner (the bubblewrap sandbox, or the loudly named unsafe
local one for development), the kernel's explicit environment (nothing from the server leaks in),
the per-kernel directory holding the ipc sockets, and preloading JAX so that a warm kernel answers
its first JAX cell fast. Callers get a connected :class:`KernelHandle`.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

from kernels.environment import default_kernel_python
from kernels.runtime import KernelHandle, KernelStartError, new_channel_key

#: Imported at kernel start when ``preload`` is on, so the first JAX cell costs ~75 ms, not ~1 s.
PRELOAD_LINES = [
    "import jax, jax.numpy as jnp, numpy as np",
    # Compile the primitives almost every first cell uses (iota, reductions, matmul, elementwise, PRNG) once,
    # while the kernel waits in the pool, so a learner's first JAX cell does not pay for them.
    "_ = (jnp.zeros(2) + 1).block_until_ready(); del _",
    "_ = (jnp.arange(10).sum(), jnp.arange(10.0).mean(), jnp.ones((2, 2)) @ jnp.ones((2, 2)), "
    "jnp.sin(jnp.ones(2)) * 2.0, jax.random.normal(jax.random.key(0), (2,))); del _",
]

#: Run by every kernel (light ones too): copy the matplotlib font list that scripts/install.sh built into the
#: kernel environment (``share/jaxtutor-matplotlib``) to the kernel's private, writable MPLCONFIGDIR, so a
#: first plot does not spend about a second scanning fonts.
PRELOAD_MPL_CACHE = (
    "import os as _os, shutil as _sh, sys as _sys; "
    "_p = _os.path.join(_sys.prefix, 'share', 'jaxtutor-matplotlib'); "
    "_os.path.isdir(_p) and _sh.copytree(_p, _os.environ['MPLCONFIGDIR'], dirs_exist_ok=True); "
    "del _os, _sh, _sys, _p"
)

#: Run by every kernel (light ones too): ipykernel names each cell after a hash of its code, computed in pure Python
#: (murmur2, ~20 ms per 100 KB and more inside the sandbox). The grading bootstrap cell carries the harness's
#: sources (~130 KB) and paid it on every grading. A checksum computed in C names cells just as well (one
#: name per distinct code; still "<digits>.py", which ``app.templating`` names "your code" in tracebacks).
PRELOAD_CELL_NAMES = (
    "try:\n"
    "    import ipykernel.compiler as _c, zlib as _z\n"
    "    if hasattr(_c, 'murmur2_x86'):\n"
    "        _c.murmur2_x86 = lambda data, seed, _crc=_z.crc32: _crc(data.encode('utf-8', 'surrogatepass'), seed)\n"
    "    del _c, _z\n"
    "except ImportError:\n"
    "    pass"
)

#: Imported by warm Run kernels (those with ``preload_warmup``), so a learner's first plot is fast.
PRELOAD_PLOTTING = "try:\n    import matplotlib.pyplot as _plt; del _plt\nexcept ImportError:\n    pass"

#: Last line of a warmed-up preload: the warm-up's compiled programs are dropped (a learner's first cell rarely
#: has their shapes; what makes it fast, LLVM and JAX's lowering set up, stays) and the freed heap goes back to
#: the system. Measured: an idle Run kernel's own memory about 140 -> 110 MiB, its first JAX cell no slower.
PRELOAD_SETTLE = (
    "try:\n"
    "    import gc as _gc, ctypes as _ct\n"
    "    jax.clear_caches(); _gc.collect()\n"
    "    _ct.CDLL('libc.so.6').malloc_trim(0)\n"
    "    del _gc, _ct\n"
    "except Exception:\n"
    "    pass"
)

#: Added to the preload for kernels that may need the neural-network stack (~0.6 s of CPU per kernel).
PRELOAD_LIBS = ["import flax, optax", "from flax import nnx"]

#: Environment variables a kernel may receive from a lesson (anything else is refused).
ALLOWED_KERNEL_ENV = ("XLA_FLAGS", "JAX_ENABLE_X64", "JAX_PLATFORMS", "JAX_DEFAULT_MATMUL_PRECISION")


def kernel_interpreter(python: str | None = None) -> str:
    """The venv interpreter for kernels (``python``, else the kernel environment of
    :mod:`kernels.environment`), with its directory resolved: ``.venv-kernel`` may be a symlink to a venv
    outside the checkout (scripts/install.sh does that when the checkout is below /tmp or not traversable),
    and the sandbox binds the venv at its real path."""
    exe = python or default_kernel_python()
    return os.path.join(os.path.realpath(os.path.dirname(exe)), os.path.basename(exe))


@dataclass
class KernelConfig:
    """Everything needed to start one kernel. Host paths here never reach learner-visible messages."""

    runtime_dir: str = "/run/jaxtutor"  # short: Unix socket paths are limited to 107 bytes
    python: str = field(default_factory=lambda: kernel_interpreter())
    sandbox: bool = True
    preload: bool = True
    preload_libs: bool = True  # also import flax and optax (grading kernels of plain-JAX code skip it)
    # Also compile the primitives a learner's first cell uses. Grading kernels started on demand skip it:
    # it costs ~0.4 s of their start, and grading compiles at its own shapes anyway.
    preload_warmup: bool = True
    ready_timeout_s: float = 60.0
    max_message_bytes: int = 64 << 20
    env: dict[str, str] = field(default_factory=dict)  # lesson/kernel environment (validated)
    device_count: int = 0  # >0: simulate this many CPU devices (sharding lessons)
    sandbox_options: dict[str, Any] = field(default_factory=dict)  # read by the sandbox provisioner
    purpose: str = ""


class _InMemorySpecs(KernelSpecManager):
    """A KernelSpecManager that serves exactly one in-memory spec."""

    spec: KernelSpec | None = None

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        assert self.spec is not None
        return self.spec


def kernel_env(config: KernelConfig, channel_key: str) -> dict[str, str]:
    """The kernel's whole environment: explicit, minimal, and never the server's."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": "/tmp",  # noqa: S108 - the sandbox's private, sized tmpfs
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MPLCONFIGDIR": "/tmp/.matplotlib",  # noqa: S108 - the sandbox's private tmpfs (see PRELOAD_MPL_CACHE)
        "JAX_PLATFORMS": "cpu",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
        "JAXTUTOR_CHANNEL_KEY": channel_key,
    }
    for key, value in config.env.items():
        if key not in ALLOWED_KERNEL_ENV:
            raise ValueError(f"kernel environment variable {key!r} is not allowed")
        env[key] = value
    if config.device_count > 0:
        flags = env.get("XLA_FLAGS", "")
        env["XLA_FLAGS"] = (flags + f" --xla_force_host_platform_device_count={config.device_count}").strip()
    return env


def kernel_argv(config: KernelConfig) -> list[str]:
    argv = [
        config.python,
        "-m",
        "ipykernel_launcher",
        "-f",
        "{connection_file}",
        "--HistoryManager.enabled=False",
        "--IPKernelApp.quiet=True",
    ]
    if config.purpose == "session":
        # A learner's Run kernel answers the editor's completion (complete_request) with IPython's own
        # completer, not jedi: jedi's first completion in a kernel took over 5 s of CPU (it analyses jax's
        # sources) where IPython's answers from the live namespace in milliseconds, names and attributes alike.
        argv.append("--IPCompleter.use_jedi=False")
    # Every kernel, preloaded or light, names cells in C and has the font list (both cost next to nothing);
    # ``preload`` adds the imports.
    lines = [PRELOAD_CELL_NAMES, PRELOAD_MPL_CACHE]
    if config.preload:
        lines += [*PRELOAD_LINES[:1]] + (PRELOAD_LIBS if config.preload_libs else [])
        lines += [*PRELOAD_LINES[1:], PRELOAD_PLOTTING, PRELOAD_SETTLE] if config.preload_warmup else []
    argv.append("--IPKernelApp.exec_lines=" + json.dumps(lines))
    return argv


async def start_kernel(config: KernelConfig) -> KernelHandle:
    """Start one kernel and return it connected and ready. Raises ``KernelStartError`` with a safe message."""
    kid = secrets.token_hex(6)
    kdir = Path(config.runtime_dir) / "k" / kid
    kdir.mkdir(parents=True, mode=0o770)
    channel_key = new_channel_key()
    provisioner = "jaxtutor-sandbox" if config.sandbox else "jaxtutor-unsafe-local"
    spec = KernelSpec(
        argv=kernel_argv(config),
        display_name="JAX (jaxtutor)",
        language="python",
        interrupt_mode="message",  # SIGINT would hit the outer bwrap and kill it
        env=kernel_env(config, channel_key),
        metadata={
            "kernel_provisioner": {
                "provisioner_name": provisioner,
                "config": {"kernel_dir": str(kdir), "options": json.dumps(_jsonable(config))},
            }
        },
    )
    specs = _InMemorySpecs()
    specs.spec = spec
    km = AsyncKernelManager(kernel_name="jaxtutor", kernel_spec_manager=specs)
    km.transport = "ipc"
    km.ip = str(kdir / "s")
    km.connection_file = str(kdir / "connection.json")
    try:
        await km.start_kernel(kernel_id=kid, env=spec.env)
    except Exception as exc:
        with contextlib.suppress(Exception):
            shutil.rmtree(kdir)
        raise KernelStartError(_safe_start_message(exc)) from exc
    handle = KernelHandle(km, max_message_bytes=config.max_message_bytes, purpose=config.purpose)
    handle.id = kid
    handle.channel_key = channel_key
    try:
        await handle.connect(ready_timeout=config.ready_timeout_s)
    except KernelStartError:
        await handle.shutdown()
        raise
    return handle


def _jsonable(config: KernelConfig) -> dict[str, Any]:
    data = asdict(config)
    return data


def _safe_start_message(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    home = os.path.expanduser("~")
    return text.replace(home, "~")
