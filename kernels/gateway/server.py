"""Gateway-side classes: load them into ``jupyter kernelgateway`` (see :func:`kernels.gateway.command.gateway_command`).

``JaxtutorKernelManager`` (``--MappingKernelManager.kernel_manager_class``) makes every kernel behind the
gateway look like one ``kernels.launcher.start_kernel`` starts, so the jaxtutor provisioners run unchanged:

* its own directory ``<runtime_dir>/k/<id>`` (mode 0770) passed as the provisioner's ``kernel_dir``,
  the ``ipc`` transport with the sockets and the connection file inside it;
* exactly the environment the client sent (only known keys; a start without ``env`` is refused, because the
  gateway would otherwise hand the kernel its own environment), placed in the per-kernel kernelspec's
  ``env``, which is what both provisioners give the kernel;
* kills instead of polite shutdowns (state is discarded either way; a hung kernel would otherwise hold
  the DELETE for ``shutdown_wait_time``);
* with ``KernelRestarter.restart_limit=0`` a kernel that dies is not restarted behind the client's back:
  the gateway removes it, and the websocket's ``dead`` status carries the provisioner's death reason
  (``content.jaxtutor_death``: OOM, too many processes, signal...).

``NoDelayWebsocketConnection`` sets TCP_NODELAY on the gateway's websocket (Nagle plus delayed ACKs add
~40 ms to every execute otherwise) and sends that death reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpec
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.kernelmanager import ServerKernelManager
from traitlets import List, Unicode

from kernels.gateway.kernelspec import env_keys
from kernels.outcomes import Reason


class JaxtutorKernelManager(ServerKernelManager):
    runtime_dir = Unicode("/run/jaxtutor", config=True, help="Parent of the per-kernel directories (k/<id>).")
    allowed_env = List(Unicode(), default_value=env_keys(), config=True, help="Variables a client may set.")

    _jt_dir: Path | None = None
    _jt_dead_hooked = False
    jaxtutor_death: tuple[Reason, dict[str, Any]] | None = None

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        kid = str(self.kernel_id or kw.get("kernel_id") or "")
        if "env" not in kw:
            raise RuntimeError("a jaxtutor kernel must be started with an explicit env")
        env = {k: str(v) for k, v in dict(kw["env"]).items() if k in self.allowed_env}
        if self._jt_dir is None:
            kdir = Path(self.runtime_dir) / "k" / ("g" + kid.replace("-", "")[:12])
            kdir.mkdir(parents=True, mode=0o770)
            self._jt_dir = kdir
        self.transport = "ipc"
        self.ip = str(self._jt_dir / "s")
        self.connection_file = str(self._jt_dir / "connection.json")
        base = self.kernel_spec
        if base is None:
            raise RuntimeError("no kernelspec")
        metadata = copy.deepcopy(base.metadata)
        prov = metadata.setdefault("kernel_provisioner", {})
        prov.setdefault("config", {})["kernel_dir"] = str(self._jt_dir)
        self._kernel_spec = KernelSpec(
            argv=list(base.argv),
            display_name=base.display_name,
            language=base.language,
            interrupt_mode=base.interrupt_mode,
            env=env,
            metadata=metadata,
            resource_dir=base.resource_dir,
        )
        kw["env"] = env
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        # Unlike the gateway's own manager, add nothing (KERNEL_GATEWAY) to the environment.
        await super()._async_launch_kernel(kernel_cmd, **kw)

    async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:  # type: ignore[override]
        await self._async_shutdown_kernel(now=True, restart=restart)

    async def restart_kernel(self, now: bool = False, newports: bool = False, **kw: Any) -> None:  # type: ignore[override]
        self.jaxtutor_death = None
        await self._async_restart_kernel(now=True, newports=newports, **kw)

    def start_restarter(self) -> None:
        super().start_restarter()
        if self._restarter is not None and not self._jt_dead_hooked:
            # Registered before the gateway's own "dead" callbacks, so the reason is known when they run.
            self._restarter.add_callback(self._jt_on_dead, "dead")
            self._jt_dead_hooked = True

    def _jt_on_dead(self) -> None:
        inspect = getattr(self.provisioner, "death_reason", None)
        why = inspect() if callable(inspect) else None
        self.jaxtutor_death = why or (Reason.KILLED, {})
        # The gateway only forgets a dead kernel; free its directory, cgroups and sockets too.
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().call_later(1.0, lambda: asyncio.ensure_future(self._jt_cleanup()))

    async def _jt_cleanup(self) -> None:
        with contextlib.suppress(Exception):
            await self._async_cleanup_resources(restart=False)


class NoDelayWebsocketConnection(ZMQChannelsWebsocketConnection):
    """TCP_NODELAY on the websocket, no IOPub rate limit (the client keeps its own output budget), and a
    ``dead`` status that says why."""

    _jt_km: Any = None

    def connect(self) -> Any:
        with contextlib.suppress(Exception):
            self.websocket_handler.set_nodelay(True)
        with contextlib.suppress(Exception):
            self._jt_km = self.kernel_manager
        return super().connect()

    def on_restart_failed(self) -> None:
        why: tuple[Reason, dict[str, Any]] = getattr(self._jt_km, "jaxtutor_death", None) or (Reason.KILLED, {})
        msg = self.session.msg(
            "status", {"execution_state": "dead", "jaxtutor_death": {"reason": why[0].value, "figures": why[1]}}
        )
        msg["channel"] = "iopub"
        with contextlib.suppress(Exception):
            self.write_message(json.dumps(msg, default=str))
