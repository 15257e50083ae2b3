"""The grader tells its progress callback each phase the (signed) harness enters, and nothing forged."""

from __future__ import annotations

import json
from typing import Any

from app.grader.driver import PhaseBudgets, run_harness
from kernels.harness.channel import MIME, sign
from kernels.outcomes import ExecutionResult, Output, Reason

KEY = "k" * 32


def signed(seq: int, kind: str, body: dict[str, Any], key: str = KEY) -> Output:
    body_json = json.dumps(body)
    payload = {"seq": seq, "kind": kind, "body": body_json, "mac": sign(key.encode(), seq, kind, body_json)}
    return Output(kind="display", data={MIME: payload})


class ScriptedKernel:
    """Replays harness messages as a grading kernel would send them (no code runs)."""

    channel_key = KEY

    def __init__(self, outputs: list[Output]) -> None:
        self.outputs = outputs

    async def execute(self, code: str, options: Any = None) -> ExecutionResult:
        for out in self.outputs:
            options.on_output(out)
        return ExecutionResult(reason=Reason.OK, outputs=self.outputs)


async def test_each_signed_phase_reaches_the_callback_in_order() -> None:
    script = [
        signed(0, "phase", {"name": "load"}),
        signed(1, "result", {"name": "load", "data": {}}),
        signed(2, "phase", {"name": "calls"}),
        signed(3, "phase", {"name": "FORGED"}, key="x" * 32),  # a forgery is not progress
        signed(3, "result", {"name": "calls", "data": {}}),
        signed(4, "phase", {"name": "jit"}),
        signed(5, "result", {"name": "jit", "data": {}}),
        signed(6, "done", {}),
    ]
    seen: list[str] = []
    run = await run_harness(ScriptedKernel(script), {}, PhaseBudgets(5, 5, 5, 30), on_phase=seen.append)  # type: ignore[arg-type]
    assert seen == ["load", "calls", "jit"] and run.done and run.forged == 1


async def test_a_failing_callback_does_not_fail_the_grading() -> None:
    def broken(name: str) -> None:
        raise RuntimeError("database down")

    script = [
        signed(0, "phase", {"name": "load"}),
        signed(1, "result", {"name": "load", "data": {}}),
        signed(2, "done", {}),
    ]
    run = await run_harness(ScriptedKernel(script), {}, PhaseBudgets(5, 5, 5, 30), on_phase=broken)  # type: ignore[arg-type]
    assert run.done and run.order == ["load"]
