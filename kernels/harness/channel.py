"""The signed result channel from the grading kernel to the host.

Each message is a display_data bundle of MIME type ``MIME`` whose body is signed with HMAC-SHA256
under a per-kernel key. The key reaches the kernel in its start environment and is removed from the
environment (``os.environ`` and ``posix.environ``) before learner code runs; it then lives only in this
object, which learner code cannot reach (see ``guard``). The host verifies every message and its
sequence number, so printed "results", replayed or reordered messages, and forged display data are all
detected as tampering.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

MIME = "application/vnd.jaxtutor.signal+json"
KEY_ENV = "JAXTUTOR_CHANNEL_KEY"


def take_key() -> bytes:
    """Read the channel key once and erase every copy Python keeps of it."""
    key = os.environ.pop(KEY_ENV, "")
    try:
        import posix

        posix.environ.pop(KEY_ENV.encode(), None)
    except ImportError:  # pragma: no cover - non-POSIX
        pass
    return key.encode()


def sign(key: bytes, seq: int, kind: str, body_json: str) -> str:
    msg = f"{seq}|{kind}|{body_json}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


class Channel:
    def __init__(self, key: bytes, publish: Any) -> None:
        self._key = key
        self._publish = publish  # pristine IPython.display.publish_display_data
        self._seq = 0
        self._dumps = json.dumps

    def emit(self, kind: str, body: dict[str, Any]) -> None:
        body_json = self._dumps(body, default=str, allow_nan=True)
        seq = self._seq
        self._seq += 1
        mac = sign(self._key, seq, kind, body_json)
        payload = {"seq": seq, "kind": kind, "body": body_json, "mac": mac}
        self._publish({MIME: payload}, metadata={})
