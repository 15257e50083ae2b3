"""GatewayKernel against a real Kernel Gateway: same outcomes as a local KernelHandle."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from kernels.gateway.client import GatewayKernel, attach_gateway_kernel, start_gateway_kernel
from kernels.gateway.rest import KernelGone, resource_env, start_body
from kernels.launcher import kernel_env
from kernels.outcomes import Output, Reason
from kernels.runtime import Deadline, ExecuteOptions, KernelStartError

from .conftest import Gateway

pytestmark = [pytest.mark.kernel, pytest.mark.slow]

#: Variables jupyter-client and ipykernel add inside the kernel process itself (a local kernel has them too).
PROCESS_ADDED = {
    "JPY_PARENT_PID",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "FORCE_COLOR",
    "PAGER",
    "GIT_PAGER",
    "PYDEVD_USE_FRAME_EVAL",
    "PWD",
    "TERM",
}


async def _start(gw: Gateway) -> GatewayKernel:
    return await start_gateway_kernel(gw.config, gw.url, gw.token)


async def test_execute_streams_output_error_and_env(gateway: Gateway) -> None:
    k = await _start(gateway)
    try:
        seen: list[tuple[Output, float]] = []
        t0 = time.monotonic()
        r = await k.execute(
            "import time\nprint('a', flush=True)\ntime.sleep(0.6)\nprint('b')\n41 + 1",
            ExecuteOptions(on_output=lambda o: seen.append((o, time.monotonic() - t0))),
        )
        assert r.reason is Reason.OK
        assert r.stdout() == "a\nb\n"
        assert [o.kind for o, _ in seen] == ["stream", "stream", "result"]
        assert seen[0][1] < 0.5 < seen[1][1]  # 'a' arrived before the sleep ended: streamed, not batched
        assert seen[2][0].data["text/plain"] == "42"

        r = await k.execute("1/0")
        assert r.reason is Reason.RAISED and r.error is not None and r.error.ename == "ZeroDivisionError"

        r = await k.execute("import os, json; print(json.dumps(dict(os.environ)))")
        env = json.loads(r.stdout())
        sent = kernel_env(gateway.config, k.channel_key)
        assert env["JAXTUTOR_CHANNEL_KEY"] == k.channel_key and len(k.channel_key) == 64
        assert {key: env[key] for key in sent} == sent
        assert set(env) - set(sent) <= PROCESS_ADDED, set(env) - set(sent)
        assert "KG_AUTH_TOKEN" not in env and "KERNEL_GATEWAY" not in env

        r = await k.execute("print('x' * 5000)", ExecuteOptions(output_limit=100))
        assert r.reason is Reason.OUTPUT_LIMIT and r.truncated and len(r.stdout()) == 100
        r = await k.execute("print('y'); 'z' * 500", ExecuteOptions(output_limit=50, budget_streams_only=True))
        assert r.reason is Reason.OK and r.outputs[-1].kind == "result"

        r = await k.execute("1", ExecuteOptions(user_expressions={"v": "6*7"}))
        assert r.outputs[-1].kind == "user_expressions" and "42" in json.dumps(r.outputs[-1].data)
        assert await k.status() == "idle"
    finally:
        await k.shutdown()


async def test_timeout_interrupts_and_keeps_state(gateway: Gateway) -> None:
    k = await _start(gateway)
    try:
        await k.execute("x = 5")
        r = await k.execute("import time\nwhile True: time.sleep(0.01)", ExecuteOptions(timeout=0.5))
        assert r.reason is Reason.TIMEOUT and "variables are kept" in r.message
        assert r.duration_s < 3
        r = await k.execute("print(x)")
        assert r.stdout() == "5\n"
    finally:
        await k.shutdown()


async def test_moving_deadline(gateway: Gateway) -> None:
    k = await _start(gateway)
    try:
        deadline = Deadline(0.3)

        def extend(out: Output) -> None:
            deadline.set(2.0)

        r = await k.execute(
            "import time\nprint('phase', flush=True)\ntime.sleep(0.8)\nprint('done')",
            ExecuteOptions(timeout=deadline, on_output=extend),
        )
        assert r.reason is Reason.OK and r.stdout() == "phase\ndone\n"
    finally:
        await k.shutdown()


async def test_uninterruptible_code_is_killed(gateway: Gateway) -> None:
    k = await _start(gateway)
    try:
        code = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True: pass"
        r = await k.execute(code, ExecuteOptions(timeout=0.5, interrupt_grace_s=0.5))
        # interrupt_mode=message: the interrupt is a control message the busy kernel never handles.
        assert r.reason is Reason.KILLED and "state is lost" in r.message
        assert not await k.is_alive() and await k.status() == "dead"
        async with httpx.AsyncClient(headers={"Authorization": f"token {gateway.token}"}) as http:
            assert (await http.get(f"{gateway.url}/api/kernels/{k.id}")).status_code == 404
        # A killed kernel can be restarted (a fresh one, same environment and channel key).
        await k.restart()
        r = await k.execute("import os; print(os.environ['JAXTUTOR_CHANNEL_KEY'])")
        assert r.stdout().strip() == k.channel_key
    finally:
        await k.shutdown()


async def test_kill_on_timeout(gateway: Gateway) -> None:
    k = await _start(gateway)
    try:
        r = await k.execute("while True: pass", ExecuteOptions(timeout=0.4, kill_on_timeout=True))
        assert r.reason is Reason.TIMEOUT and r.duration_s < 2
        assert k.dead_reason is not None and not await k.is_alive()
    finally:
        await k.shutdown()


async def test_death_is_detected(gateway: Gateway) -> None:
    k = await _start(gateway)
    try:
        r = await k.execute("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", ExecuteOptions(timeout=20))
        assert r.reason is Reason.KILLED and r.kernel_lost and r.duration_s < 5
        r = await k.execute("1", ExecuteOptions(timeout=5))
        assert r.reason is Reason.KILLED
        r2 = await (await _start(gateway)).execute("import os; os._exit(3)")
        assert r2.reason is Reason.CRASHED and "exit code 3" in r2.message
    finally:
        await k.shutdown()


async def test_restart_is_ready_on_both_channels(gateway: Gateway) -> None:
    k = await _start(gateway)
    try:
        for i in range(5):
            await k.execute(f"y = {i}")
            await k.restart()
            r = await k.execute("print('alive'); 'y' in dir()")
            assert r.stdout() == "alive\n", f"restart {i}: output lost"
            assert r.outputs[-1].data["text/plain"] == "False"
    finally:
        await k.shutdown()


async def test_oversized_message_is_refused(gateway: Gateway) -> None:
    k = await start_gateway_kernel(replace(gateway.config, max_message_bytes=200_000), gateway.url, gateway.token)
    try:
        r = await k.execute("print('x' * 1_000_000)", ExecuteOptions(timeout=20))
        assert r.reason is Reason.OUTPUT_LIMIT and r.truncated
        r = await k.execute("print('still here')")
        assert r.reason is Reason.OK and r.stdout() == "still here\n"
    finally:
        await k.shutdown()


async def test_token_is_required(gateway: Gateway) -> None:
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{gateway.url}/api/kernels")).status_code == 401
        r = await http.post(f"{gateway.url}/api/kernels", json={"name": "jaxtutor", "env": {}})
        assert r.status_code == 401
    with pytest.raises(KernelStartError, match="token"):
        await start_gateway_kernel(gateway.config, gateway.url, "wrong")
    k = await _start(gateway)
    try:
        import websockets

        ws_url = gateway.url.replace("http", "ws") + f"/api/kernels/{k.id}/channels"
        with pytest.raises(websockets.exceptions.InvalidStatus) as info:
            async with websockets.connect(ws_url, proxy=None):
                pass
        assert info.value.response.status_code == 401
    finally:
        await k.shutdown()


async def test_unknown_kernelspec_and_bad_env(gateway: Gateway) -> None:
    with pytest.raises(KernelStartError, match="no kernelspec 'nope'"):
        await start_gateway_kernel(gateway.config, gateway.url, gateway.token, kernel_name="nope")
    with pytest.raises(ValueError, match="not allowed"):
        await start_gateway_kernel(replace(gateway.config, env={"LD_PRELOAD": "x"}), gateway.url, gateway.token)


async def test_shutdown_frees_kernel_dir(gateway: Gateway) -> None:
    k = await _start(gateway)
    kdirs = list((Path(gateway.runtime_dir) / "k").iterdir())
    assert any(d.name.startswith("g") for d in kdirs)
    await k.shutdown()
    await asyncio.sleep(0.2)
    assert not (Path(gateway.runtime_dir) / "k" / ("g" + k.id.replace("-", "")[:12])).exists()


async def test_attach_under_the_same_session_id(gateway: Gateway) -> None:
    """A second process attaches to a running kernel under the recorded session id: the gateway replaces the
    first connection, which reopens on its next use; a deleted kernel cannot be attached."""
    limits = {"sandbox_cpus": 1.0, "sandbox_memory_mb": 512}
    k = await start_gateway_kernel(replace(gateway.config, sandbox_options=limits), gateway.url, gateway.token)
    other = None
    try:
        env = k._start_body["env"] if k._start_body else {}
        # Enterprise Gateway's resource variables go with the start; a Kernel Gateway passes none to the kernel.
        assert {key: env[key] for key in ("KERNEL_CPUS", "KERNEL_MEMORY_LIMIT")} == {
            "KERNEL_CPUS": "1",
            "KERNEL_MEMORY_LIMIT": "512Mi",
        }
        r = await k.execute("import os; print(sorted(k for k in os.environ if k.startswith('KERNEL_')))")
        assert r.stdout() == "[]\n"
        await k.execute("x = 41")
        other = await attach_gateway_kernel(gateway.url, gateway.token, k.id, k.session_id)
        r = await other.execute("x + 1")
        assert r.outputs[-1].data["text/plain"] == "42"
        r = await k.execute("x * 2")  # its connection was replaced: reopened with the same session id
        assert r.reason is Reason.OK and r.outputs[-1].data["text/plain"] == "82" and k.reconnects >= 1
        await other.detach()  # only the connection
        r = await k.execute("x")
        assert r.outputs[-1].data["text/plain"] == "41"
    finally:
        await k.shutdown()
    with pytest.raises(KernelGone):
        await attach_gateway_kernel(gateway.url, gateway.token, k.id, k.session_id)


def test_resource_env_from_sandbox_limits() -> None:
    env = resource_env({"sandbox_cpus": 1.5, "sandbox_memory_mb": 2048})
    assert env == {
        "KERNEL_CPUS": "1.5",
        "KERNEL_CPUS_LIMIT": "1.5",
        "KERNEL_MEMORY": "2048Mi",
        "KERNEL_MEMORY_LIMIT": "2048Mi",
    }
    assert resource_env({}, gpus=1) == {"KERNEL_GPUS": "1", "KERNEL_GPUS_LIMIT": "1"}


def test_gpu_kernels_request_gpus_and_run_jax_on_them(gateway: Gateway) -> None:
    """``gateway_kernel_gpus`` reaches the start request of grading and Run kernels alike."""
    from app.config import Settings
    from app.grader.kernel_source import GatewayKernels

    body = start_body(gateway.config, "k" * 32, "jaxtutor", gpus=1)
    assert (body["env"]["KERNEL_GPUS"], body["env"]["KERNEL_GPUS_LIMIT"]) == ("1", "1")
    assert body["env"]["JAX_PLATFORMS"] == "cuda,cpu"
    lesson_cpu = replace(gateway.config, env={"JAX_PLATFORMS": "cpu"})  # e.g. a simulated 8-device lesson
    assert start_body(lesson_cpu, "k" * 32, "jaxtutor", gpus=1)["env"]["JAX_PLATFORMS"] == "cpu"
    cpu = start_body(gateway.config, "k" * 32, "jaxtutor")["env"]
    assert cpu["JAX_PLATFORMS"] == "cpu" and "KERNEL_GPUS" not in cpu
    settings = Settings(kernel_backend="gateway", gateway_url=gateway.url, gateway_kernel_gpus=2)
    assert GatewayKernels.from_settings(settings).gpus == 2


async def test_a_gpu_run_kernel_gets_the_gpu_platforms(gateway: Gateway, tmp_path: Path) -> None:
    from app.config import Settings
    from app.services.run import GatewayKernelProvider

    settings = Settings(
        kernel_backend="gateway",
        gateway_url=gateway.url,
        gateway_token=gateway.token,
        gateway_kernel_gpus=1,
        unsafe_no_sandbox=True,
        runtime_dir=Path(gateway.runtime_dir),
        data_dir=tmp_path,
    )
    kernel = await GatewayKernelProvider(settings).acquire(owner="gpu-learner")
    try:
        r = await kernel.execute("import os; print(os.environ['JAX_PLATFORMS'])")
        assert r.stdout() == "cuda,cpu\n"
    finally:
        await kernel.shutdown()


async def test_complete_and_inspect_requests_for_the_editor(gateway: Gateway) -> None:
    k = await _start(gateway)
    try:
        await k.execute("def editor_helper(a, b=1):\n    'Docs of the helper.'\n    return a")
        reply = await k.shell_request("complete_request", {"code": "editor_he", "cursor_pos": 9}, 30)
        assert reply is not None and reply["status"] == "ok" and "editor_helper" in reply["matches"]
        reply = await k.shell_request("inspect_request", {"code": "editor_helper", "cursor_pos": 5}, 30)
        assert reply is not None and reply["found"] and "Docs of the helper." in reply["data"]["text/plain"]
        # While a cell runs, the channels belong to it: None at once, and the cell is unaffected.
        running = asyncio.ensure_future(k.execute("import time; time.sleep(1); print('done')"))
        await asyncio.sleep(0.2)
        assert await k.shell_request("complete_request", {"code": "ti", "cursor_pos": 2}, 30) is None
        assert (await running).stdout() == "done\n"
    finally:
        await k.shutdown()
