"""``KernelHandle._wait_ready`` message by message, against a scripted kernel (no process started)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from kernels import runtime
from kernels.runtime import KernelHandle


class ScriptedClient:
    """Answers ``kernel_info`` requests with the scripted messages of that round."""

    def __init__(self, rounds: list[list[tuple[str, str]]]) -> None:
        self.rounds = rounds
        self.requests = 0
        self.adapted = 0
        self.queue: list[tuple[str, dict[str, Any]]] = []

    def kernel_info(self) -> str:
        script = self.rounds[min(self.requests, len(self.rounds) - 1)]
        self.queue += [(chan, {"msg_type": mtype, "header": {"msg_type": mtype}}) for chan, mtype in script]
        self.requests += 1
        return f"req{self.requests}"

    def _handle_kernel_info_reply(self, msg: dict[str, Any]) -> None:
        self.adapted += 1


def handle_for(client: ScriptedClient) -> KernelHandle:
    h = KernelHandle.__new__(KernelHandle)

    async def next_message(_client: Any, wait: float) -> tuple[str, dict[str, Any]] | None:
        if client.queue:
            return client.queue.pop(0)
        await asyncio.sleep(min(wait, 0.01))
        return None

    h._next_message = next_message  # type: ignore[method-assign]
    return h


async def test_ready_on_the_reply_and_one_iopub_message_without_waiting_for_iopub_silence() -> None:
    # jupyter-client's wait_for_ready drains iopub until 0.2 s of silence; here a stream of status messages
    # follows the reply and readiness does not wait for them to stop.
    client = ScriptedClient([[("iopub", "status"), ("shell", "kernel_info_reply")] + [("iopub", "status")] * 50])
    started = asyncio.get_running_loop().time()
    await handle_for(client)._wait_ready(cast(Any, client), timeout=5)
    assert client.requests == 1 and client.adapted == 1
    assert len(client.queue) == 50  # left for executions to ignore (they only take their own messages)
    assert asyncio.get_running_loop().time() - started < 1.0


async def test_a_reply_whose_iopub_was_missed_asks_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # A ZeroMQ subscriber misses what was published before it joined: no iopub message in a round means
    # the subscription may not be live yet, so ask again.
    monkeypatch.setattr(runtime, "READY_ROUND_S", 0.05)
    client = ScriptedClient([[("shell", "kernel_info_reply")], [("shell", "kernel_info_reply"), ("iopub", "status")]])
    await handle_for(client)._wait_ready(cast(Any, client), timeout=5)
    assert client.requests == 2


async def test_no_answer_within_the_timeout_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "READY_ROUND_S", 0.05)
    client = ScriptedClient([[]])
    with pytest.raises(RuntimeError, match="did not answer"):
        await handle_for(client)._wait_ready(cast(Any, client), timeout=0.3)
    assert client.requests >= 3
