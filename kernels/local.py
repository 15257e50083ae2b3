"""The development-only, UNSAFE provisioner: runs the kernel as a plain child process.

It exists so that developers without bubblewrap can try jaxtutor; it isolates nothing. It is only
used when the operator sets the loudly named ``JAXTUTOR_UNSAFE_NO_SANDBOX=1``. It still gives the
kernel an explicit environment, its own kernel directory and the ipc transport, like the sandbox.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from typing import Any

from jupyter_client.provisioning import LocalProvisioner
from traitlets import Unicode

from kernels.outcomes import Reason


class UnsafeLocalProvisioner(LocalProvisioner):
    kernel_dir = Unicode("", config=True)
    options = Unicode("{}", config=True)

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        kwargs = await super().pre_launch(**kwargs)
        kwargs["env"] = dict(self.kernel_spec.env)  # never the server's environment
        kwargs["stdout"] = subprocess.DEVNULL
        kwargs["stderr"] = subprocess.DEVNULL
        kwargs["cwd"] = self.kernel_dir or None
        return kwargs

    def death_reason(self) -> tuple[Reason, dict[str, Any]] | None:
        proc = getattr(self, "process", None)
        code = None if proc is None else proc.poll()
        if code is None:
            return None
        if code < 0:
            sig = -code
            if sig == signal.SIGKILL:
                return Reason.KILLED, {}
            return Reason.CRASHED, {"signal": signal.Signals(sig).name}
        return Reason.CRASHED, {"exit_code": code}

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart=restart)
        if not restart and self.kernel_dir:
            shutil.rmtree(self.kernel_dir, ignore_errors=True)
