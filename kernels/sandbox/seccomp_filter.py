"""The kernels' seccomp filter, host side: generated once per process with Debian's python3-seccomp.

The venv cannot import ``seccomp`` (it is a Debian package for ``/usr/bin/python3``), so
``seccomp_gen.py`` runs under that interpreter in a subprocess and prints the BPF program. The launch
wrapper opens the file on fd 9 and bwrap loads it with ``--seccomp 9``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
_GENERATOR = Path(__file__).with_name("seccomp_gen.py")
_cache: bytes | None = None
#: The CLI checks the sandbox in a thread while a kernel starts: generate once, and write the file once.
_lock = threading.Lock()


class SeccompUnavailable(RuntimeError):
    """python3-seccomp is missing or failed; the message is safe to show."""


def bpf_program() -> bytes:
    """The BPF program (cached for the life of the process)."""
    with _lock:
        return _cache or _generate()


def _generate() -> bytes:
    global _cache
    if _cache is None:
        try:
            proc = subprocess.run(
                [SYSTEM_PYTHON, "-I", str(_GENERATOR)],
                capture_output=True,
                timeout=30,
                check=False,
                env={"PATH": "/usr/bin:/bin"},
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SeccompUnavailable(f"cannot run the seccomp generator ({type(exc).__name__})") from exc
        if proc.returncode != 0 or not proc.stdout or len(proc.stdout) % 8:
            last = (proc.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
            raise SeccompUnavailable(f"python3-seccomp failed: {last[-200:]}")
        _cache = proc.stdout
    return _cache


def bpf_file(runtime_dir: str | Path) -> Path:
    """Write the program under ``runtime_dir`` (root-owned, read-only) and return its path."""
    data = bpf_program()
    digest = hashlib.sha256(data).hexdigest()[:12]
    path = Path(runtime_dir) / f"seccomp-{digest}.bpf"
    with _lock:
        if path.exists() and path.read_bytes() == data:
            return path
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        tmp.chmod(0o444)
        tmp.replace(path)
    return path
