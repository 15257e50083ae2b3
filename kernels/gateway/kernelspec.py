"""The kernelspec a Kernel Gateway serves for jaxtutor kernels.

It names one of our provisioners (``jaxtutor-sandbox`` or, for development, ``jaxtutor-unsafe-local``)
exactly as ``kernels.launcher.start_kernel`` does in memory. The per-kernel parts (``kernel_dir``, the
ipc transport, the environment) cannot live in a static file: ``kernels.gateway.server.JaxtutorKernelManager``
fills them in for every start. Without that kernel manager the sandbox provisioner refuses to start
(no kernel directory), which is the safe failure.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from kernels.launcher import ALLOWED_KERNEL_ENV, KernelConfig, kernel_argv, kernel_env

DEFAULT_NAME = "jaxtutor"


def env_keys() -> list[str]:
    """Every variable a client may set in a kernel's environment (the gateway's ``env_whitelist``)."""
    keys = list(kernel_env(KernelConfig(), "x"))
    keys += [k for k in ALLOWED_KERNEL_ENV if k not in keys]
    return keys


def kernelspec_dict(config: KernelConfig) -> dict[str, object]:
    provisioner = "jaxtutor-sandbox" if config.sandbox else "jaxtutor-unsafe-local"
    return {
        "argv": kernel_argv(config),
        "display_name": "JAX (jaxtutor, " + ("sandboxed" if config.sandbox else "UNSAFE, not sandboxed") + ")",
        "language": "python",
        "interrupt_mode": "message",  # SIGINT would hit the outer bwrap and kill it
        # A template only: every start replaces it with the environment the client sent.
        "env": kernel_env(config, ""),
        "metadata": {
            "kernel_provisioner": {
                "provisioner_name": provisioner,
                "config": {"kernel_dir": "", "options": json.dumps(asdict(config))},
            }
        },
    }


def write_kernelspec(root: Path | str, config: KernelConfig, name: str = DEFAULT_NAME) -> Path:
    """Write ``<root>/kernels/<name>/kernel.json`` (point the gateway's ``JUPYTER_PATH`` at ``root``).

    ``config`` is what ``app.grader.pipeline.kernel_config(settings, purpose="session")`` builds (the warm-up
    compiles included, as Run kernels want them): its interpreter, preload
    lines, sandbox flag and sandbox limits become the gateway's; its ``env`` and ``channel_key`` are sent
    per kernel by the client instead.
    """
    spec_dir = Path(root) / "kernels" / name
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps(kernelspec_dict(config), indent=2))
    return spec_dir
