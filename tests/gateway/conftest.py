"""A real Jupyter Kernel Gateway on 127.0.0.1 serving the jaxtutor kernelspec (unsafe-local provisioner)."""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kernels.launcher import KernelConfig
from tests.support.required import unavailable

GATEWAY_MISSING = importlib.util.find_spec("kernel_gateway") is None


@dataclass
class Gateway:
    url: str
    token: str
    runtime_dir: str
    config: KernelConfig
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gateway(config: KernelConfig, spec_root: str, log: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    from kernels.gateway.command import gateway_command
    from kernels.gateway.kernelspec import write_kernelspec

    write_kernelspec(spec_root, config)
    port = free_port()
    token = secrets.token_hex(16)
    argv, env = gateway_command(
        port=port, spec_root=spec_root, runtime_dir=config.runtime_dir, token=token, python=sys.executable
    )
    proc = subprocess.Popen(argv, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 30
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"the gateway exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url + "/api", headers={"Authorization": f"token {token}"}, timeout=1).status_code == 200:
                return proc, url, token
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("the gateway did not come up within 30 s")


@pytest.fixture(scope="module")
def gateway() -> Iterator[Gateway]:
    if GATEWAY_MISSING:
        unavailable("gateway", "jupyter-kernel-gateway is not installed (pip install 'jaxtutor[gateway]')")
    runtime_dir = tempfile.mkdtemp(prefix="jtg", dir="/tmp")
    spec_root = tempfile.mkdtemp(prefix="jtspec")
    config = KernelConfig(runtime_dir=runtime_dir, python=sys.executable, sandbox=False, preload=False)
    log = Path(spec_root) / "gateway.log"
    proc, url, token = start_gateway(config, spec_root, log)
    try:
        yield Gateway(url, token, runtime_dir, config, log)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(runtime_dir, ignore_errors=True)
        shutil.rmtree(spec_root, ignore_errors=True)
        os.environ.pop("JAXTUTOR_GATEWAY_TEST", None)
