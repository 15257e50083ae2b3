"""The command line that starts a Kernel Gateway serving jaxtutor kernels (no gateway imports here)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from kernels.gateway.kernelspec import env_keys


def gateway_command(
    *,
    port: int,
    spec_root: Path | str,
    runtime_dir: Path | str,
    token: str,
    ip: str = "127.0.0.1",
    kernel_name: str = "jaxtutor",
    max_kernels: int | None = None,
    cull_idle_timeout_s: int = 0,
    python: str = sys.executable,
) -> tuple[list[str], dict[str, str]]:
    """argv and environment that start a Kernel Gateway serving jaxtutor kernels.

    ``spec_root`` is where :func:`kernels.gateway.kernelspec.write_kernelspec` wrote the spec. The
    interpreter must be one in which ``jaxtutor`` is installed (the provisioners are entry points).
    """
    keys = ",".join(env_keys())
    argv = [
        python,
        "-m",
        "kernel_gateway",
        f"--KernelGatewayApp.ip={ip}",
        f"--KernelGatewayApp.port={port}",
        "--KernelGatewayApp.port_retries=0",
        "--KernelGatewayApp.api=kernel_gateway.jupyter_websocket",
        f"--KernelGatewayApp.default_kernel_name={kernel_name}",
        "--KernelGatewayApp.kernel_websocket_connection_class=kernels.gateway.server.NoDelayWebsocketConnection",
        "--MappingKernelManager.kernel_manager_class=kernels.gateway.server.JaxtutorKernelManager",
        f"--JaxtutorKernelManager.runtime_dir={runtime_dir}",
        "--ZMQChannelsWebsocketConnection.limit_rate=False",
        "--KernelRestarter.restart_limit=0",
        "--KernelRestarter.time_to_dead=0.5",
        "--KernelSpecManager.ensure_native_kernel=False",
        f"--KernelSpecManager.allowed_kernelspecs={kernel_name}",
    ]
    if max_kernels:
        argv.append(f"--KernelGatewayApp.max_kernels={max_kernels}")
    if cull_idle_timeout_s:
        argv += [
            f"--MappingKernelManager.cull_idle_timeout={cull_idle_timeout_s}",
            "--MappingKernelManager.cull_interval=30",
        ]
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": os.environ.get("HOME", "/root"),
        "JUPYTER_PATH": str(spec_root),
        "JUPYTER_RUNTIME_DIR": str(Path(runtime_dir) / "gateway"),
        "KG_AUTH_TOKEN": token,
        "KG_ENV_WHITELIST": keys,  # the handler drops any other variable a client sends
    }
    return argv, env
