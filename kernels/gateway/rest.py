"""The gateway's REST side: start, look up, interrupt, restart and delete kernels (httpx).

Everything here is one HTTP request to ``/api/kernels``; the Jupyter messages travel on the websocket
(``kernels.gateway.channels``). The token goes on every request (``Authorization: token <t>``).

``start_body`` is the start request: the kernelspec name and an explicit ``env`` (without one the gateway
hands the kernel its own environment), which carries the kernel's environment (``kernel_env``) *and*
Enterprise Gateway's per-kernel resource variables (``resource_env``). Enterprise Gateway's Kubernetes
kernel pod template (``etc/kernel-launchers/kubernetes/scripts/kernel-pod.yaml.j2``) turns ``KERNEL_CPUS``,
``KERNEL_MEMORY`` and ``KERNEL_GPUS`` into the pod's resource *requests* and ``KERNEL_CPUS_LIMIT``,
``KERNEL_MEMORY_LIMIT`` and ``KERNEL_GPUS_LIMIT`` into its *limits* (GPUs as ``nvidia.com/gpu``); both
gateways forward every ``KERNEL_*`` variable a client sends. Behind a Kernel Gateway they are inert: the
jaxtutor kernel manager (``kernels.gateway.server``) passes only the kernel's own variables on, and the
sandbox applies the same limits itself.
"""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

from kernels.launcher import KernelConfig, kernel_env
from kernels.runtime import KernelStartError


class GatewayError(KernelStartError):
    """The gateway refused or failed a request; the message is safe to show."""


class KernelGone(GatewayError):
    """The gateway no longer knows the kernel (it died, was culled or deleted)."""


def resource_env(sandbox_options: dict[str, Any], gpus: int = 0) -> dict[str, str]:
    """Enterprise Gateway's per-kernel resources from the sandbox limits (``sandbox_cpus``,
    ``sandbox_memory_mb``): requests equal to limits. ``KERNEL_GPUS``/``KERNEL_GPUS_LIMIT`` only for a
    kernel that needs GPUs (``gpus > 0``): jaxtutor kernels run JAX on the CPU unless told otherwise."""
    env: dict[str, str] = {}
    cpus = sandbox_options.get("sandbox_cpus")
    if cpus:
        env["KERNEL_CPUS"] = env["KERNEL_CPUS_LIMIT"] = f"{float(cpus):g}"
    memory_mb = sandbox_options.get("sandbox_memory_mb")
    if memory_mb:
        env["KERNEL_MEMORY"] = env["KERNEL_MEMORY_LIMIT"] = f"{int(memory_mb)}Mi"  # the sandbox's MB are MiB
    if gpus > 0:
        env["KERNEL_GPUS"] = env["KERNEL_GPUS_LIMIT"] = str(int(gpus))
    return env


def start_body(config: KernelConfig, channel_key: str, kernel_name: str, *, gpus: int = 0) -> dict[str, Any]:
    """The ``POST /api/kernels`` body: kernelspec name, the kernel's whole environment and its resources.

    A kernel given GPUs runs JAX on them (``JAX_PLATFORMS=cuda,cpu``) unless its lesson chose the
    platforms itself (``config.env``), as the local sandbox does for the GPUs it assigns.
    """
    env = kernel_env(config, channel_key)
    if gpus > 0 and "JAX_PLATFORMS" not in config.env:
        env["JAX_PLATFORMS"] = "cuda,cpu"
    return {"name": kernel_name, "env": {**env, **resource_env(config.sandbox_options, gpus)}}


class GatewayREST:
    """REST calls about kernels on one gateway."""

    def __init__(self, url: str, token: str, *, request_timeout_s: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.http = httpx.AsyncClient(
            base_url=self.url, headers={"Authorization": f"token {token}"}, timeout=request_timeout_s
        )

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await self.http.aclose()

    async def start(self, body: dict[str, Any]) -> str:
        """Start a kernel; its id. Returns before the kernel is ready (see ``GatewayKernel.wait_ready``)."""
        try:
            r = await self.http.post("/api/kernels", json=body)
        except httpx.HTTPError as exc:
            raise GatewayError(f"the kernel gateway is unreachable ({type(exc).__name__})") from exc
        if r.status_code == 201:
            return str(r.json()["id"])
        if r.status_code in (401, 403) and "max" not in r.text.lower():
            raise GatewayError(f"the kernel gateway refused the token (HTTP {r.status_code})")
        if r.status_code == 403:
            raise GatewayError("the kernel gateway runs as many kernels as it may (max_kernels)")
        if r.status_code == 500:
            # Unknown kernelspec names are a 500 with a traceback: say which, never pass the traceback on.
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                specs = (await self.http.get("/api/kernelspecs")).json()["kernelspecs"]
                if body.get("name") not in specs:
                    raise GatewayError(f"the kernel gateway has no kernelspec {body.get('name')!r}")
        raise GatewayError(f"the kernel gateway could not start a kernel (HTTP {r.status_code})")

    async def exists(self, kernel_id: str) -> bool:
        """False only when the gateway says it does not know the kernel (an unreachable gateway is not that)."""
        try:
            r = await self.http.get(f"/api/kernels/{kernel_id}")
        except httpx.HTTPError:
            return True
        return r.status_code != 404

    async def state(self, kernel_id: str) -> str | None:
        """The kernel's ``execution_state``; ``"gone"`` when the gateway does not know it; None when the
        gateway could not be asked."""
        try:
            r = await self.http.get(f"/api/kernels/{kernel_id}")
        except httpx.HTTPError:
            return None
        if r.status_code == 404:
            return "gone"
        if r.status_code != 200:
            return None
        with contextlib.suppress(ValueError):
            return str(r.json().get("execution_state") or "unknown")
        return None

    async def interrupt(self, kernel_id: str) -> None:
        try:
            r = await self.http.post(f"/api/kernels/{kernel_id}/interrupt")
        except httpx.HTTPError as exc:
            raise GatewayError(f"the kernel gateway is unreachable ({type(exc).__name__})") from exc
        if r.status_code == 404:
            raise KernelGone("the kernel is gone")
        if r.status_code not in (200, 204):
            raise GatewayError(f"the gateway refused to interrupt the kernel (HTTP {r.status_code})")

    async def restart(self, kernel_id: str) -> bool:
        """Restart in place (state is lost); False when the gateway could not (the kernel is gone)."""
        with contextlib.suppress(httpx.HTTPError):
            r = await self.http.post(f"/api/kernels/{kernel_id}/restart", timeout=120)
            return r.status_code == 200
        return False

    async def delete(self, kernel_id: str) -> None:
        """Stop the kernel; a kernel that is already gone is fine."""
        with contextlib.suppress(httpx.HTTPError):
            await self.http.delete(f"/api/kernels/{kernel_id}")
