"""The learner kernels' own Python environment (issue 12: learner code must not see the server stack).

``scripts/install.sh`` builds it next to the checkout as ``.venv-kernel`` from ``requirements-kernel.lock``
(jax, flax, optax, orbax, chex, numpy, matplotlib, ipykernel and what they need, with hashes). Kernels run
its interpreter unless ``JAXTUTOR_KERNEL_PYTHON`` names another; a development checkout without it falls
back to the server's own interpreter, which ``jaxtutor doctor`` reports as a warning.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

#: Where install.sh puts the kernel environment (a symlink when the checkout is not reachable by the
#: kernel user; see install.sh).
KERNEL_VENV = Path(__file__).resolve().parents[1] / ".venv-kernel"

#: What lessons need: reported by ``jaxtutor doctor``.
LESSON_PACKAGES = ("jax", "jaxlib", "flax", "optax", "orbax-checkpoint", "chex", "numpy", "matplotlib", "ipykernel")

#: Importable in the server's environment and never in a learner kernel's.
SERVER_ONLY_MODULES = ("fastapi", "sqlalchemy", "sqlmodel", "psycopg", "uvicorn", "playwright", "pytest", "mypy")

_PROBE = """
import importlib.metadata as md, importlib.util as iu, json, sys
versions = {}
for name in %r:
    try:
        versions[name] = md.version(name)
    except md.PackageNotFoundError:
        versions[name] = None
leaks = [m for m in %r if iu.find_spec(m) is not None]
print(json.dumps({"python": sys.version.split()[0], "versions": versions, "server_modules": leaks}))
"""


def default_kernel_python() -> str:
    """The kernel environment's interpreter when it exists, else the server's (development checkouts)."""
    exe = KERNEL_VENV / "bin" / "python"
    return str(exe) if exe.exists() else sys.executable


@dataclass
class KernelEnvironment:
    """What ``python`` offers learner code: lesson package versions, and any server module it can import."""

    python: str
    python_version: str = ""
    versions: dict[str, str | None] = field(default_factory=dict)
    server_modules: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def missing(self) -> list[str]:
        return [name for name, version in self.versions.items() if version is None]


def inspect_environment(python: str, timeout_s: float = 60.0) -> KernelEnvironment:
    """Ask ``python`` (our own probe, not learner code) for its lesson packages and server modules."""
    env = KernelEnvironment(python=python)
    try:
        proc = subprocess.run(
            [python, "-I", "-c", _PROBE % (LESSON_PACKAGES, SERVER_ONLY_MODULES)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        env.error = f"{type(exc).__name__}: {exc}"
        return env
    if proc.returncode != 0:
        env.error = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return env
    data = json.loads(proc.stdout)
    env.python_version = data["python"]
    env.versions = data["versions"]
    env.server_modules = data["server_modules"]
    return env


@functools.lru_cache(maxsize=32)
def kernel_package_version(python: str, name: str) -> str:
    """The version of ``name`` installed in the environment of the kernel interpreter ``python``, read from its
    site-packages (no process started); "unknown" when it is not there (e.g. kernels on a remote gateway).

    The server keys caches of kernel results (reference observations, public examples) by the kernels' JAX
    version: the server's own environment need not have JAX at all."""
    venv = Path(python).parent.parent
    wanted = name.lower().replace("_", "-")
    for site in sorted(venv.glob("lib/python3*/site-packages")):
        for dist in importlib.metadata.distributions(path=[str(site)]):
            if (dist.metadata["Name"] or "").lower().replace("_", "-") == wanted:
                return dist.version
    return "unknown"
