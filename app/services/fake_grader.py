"""TESTING ONLY: a stand-in grader that runs no code (``JAXTUTOR_GRADER=fake``).

For the multi-replica tests and the scale-out benchmark, which measure the web tier and the shared
grading queue, not the grader. ``Settings`` refuses ``grader='fake'`` unless ``unsafe_no_sandbox`` is also
set, so a production server can never grade with it.

Behaviour: ``pass`` when the code contains ``x + 1``, else ``fail``; a ``FAKE_SLEEP=<seconds>`` marker in
the code makes the grading take that long (at most 60 s). Every grading appends one JSON line to
``<data_dir>/fake-grader-events.jsonl`` (``replica``, ``pid``, ``code_sha``, ``event``: start | finish), so
a test can count exactly how many times each submission was graded, and where.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.config import Settings

EVENTS_FILE = "fake-grader-events.jsonl"
_SLEEP = re.compile(r"FAKE_SLEEP=([0-9]+(?:\.[0-9]+)?)")


def _event(settings: Settings, event: str, code: str) -> None:
    line = json.dumps(
        {
            "event": event,
            "replica": settings.replica_name(),
            "pid": os.getpid(),
            "code_sha": hashlib.sha256(code.encode()).hexdigest()[:16],
            "t": time.time(),
        }
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.data_dir / EVENTS_FILE, "a", encoding="utf-8") as f:  # one short append: atomic
        f.write(line + "\n")


async def fake_grader(*, lesson: Any, code: str, settings: Settings, **_: Any) -> dict[str, Any]:
    _event(settings, "start", code)
    match = _SLEEP.search(code)
    if match:
        await asyncio.sleep(min(float(match.group(1)), 60.0))
    ok = "x + 1" in code
    _event(settings, "finish", code)
    return {
        "version": 1,
        "status": "pass" if ok else "fail",
        "score": 1.0 if ok else 0.0,
        "message": ("All checks passed." if ok else "Some checks failed.") + " (fake grader)",
        "checks": [{"name": "fake", "status": "pass" if ok else "fail", "message": "fake grader", "details": {}}],
        "timings": {},
    }
