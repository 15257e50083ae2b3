"""Editor help from the learner's own Run kernel: completion and inspect (Shift+Tab), like JupyterLab.

The editor asks the kernel that runs the learner's code in this page's scope (one lesson, or the Playground),
so completions know the names the learner defined by running code. Only a kernel this replica already holds
is asked: a request never starts, attaches or queues for a kernel (without one, or while it runs a cell,
the answer is empty at once), and each is bounded by ``editor_assist_timeout_s``. Another learner's kernel
is unreachable: the session is looked up by the signed-in learner's id and the page's scope only.

What comes back is plain data for the browser to show as text: candidate names, and the inspect reply's
``text/plain`` with ANSI colour codes removed (IPython colours its docstrings), cut to
``editor_assist_max_doc_chars``. Nothing here renders HTML.

Uses only the public parts of the run manager (``sessions``) and of the kernel (``shell_request``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.config import Settings
    from app.services.run import RunManager

#: ANSI escape sequences (colours, cursor moves) in the kernel's text: dropped, the editor shows plain text.
ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")

#: Inspect's "File:" line for a name the learner defined by running code: a temp file that means nothing to them.
TEMP_FILE_LINE = re.compile(r"^File:\s+\S*ipykernel_\d+/\d+\.py\n?", re.M)

#: Why an answer is empty, for the editor to say (never shown as an error).
NO_KERNEL = "no-kernel"  # nothing has been run on this page yet (or the kernel was stopped)
BUSY = "busy"  # the kernel is running a cell
NO_ANSWER = "no-answer"  # the kernel did not answer in time


@dataclass
class Completion:
    matches: list[str] = field(default_factory=list)
    cursor_start: int = 0
    cursor_end: int = 0
    unavailable: str = ""  # "" when the kernel answered; else NO_KERNEL, BUSY or NO_ANSWER

    def public(self) -> dict[str, Any]:
        return {
            "matches": self.matches,
            "cursor_start": self.cursor_start,
            "cursor_end": self.cursor_end,
            "unavailable": self.unavailable,
        }


@dataclass
class Inspection:
    found: bool = False
    text: str = ""  # plain text (signature and docstring); never HTML
    truncated: bool = False
    unavailable: str = ""

    def public(self) -> dict[str, Any]:
        return {"found": self.found, "text": self.text, "truncated": self.truncated, "unavailable": self.unavailable}


def plain_text(text: str) -> str:
    """The kernel's text without ANSI escapes or other control characters (tabs and newlines stay)."""
    text = ANSI_RE.sub("", text)
    return "".join(ch for ch in text if ch in "\n\t" or (ord(ch) >= 32 and ord(ch) != 127))


def _kernel(runs: RunManager, user_id: int, scope: str) -> tuple[Any, str]:
    """The learner's kernel in ``scope`` if it can answer now, else (None, why). Looks, never starts."""
    sess = runs.sessions.get((user_id, scope))
    if sess is None or sess.kernel is None or sess.state in ("none", "starting", "dead"):
        return None, NO_KERNEL
    if sess.current is not None or sess.lock.locked() or getattr(sess.kernel, "busy", False):
        return None, BUSY
    if not callable(getattr(sess.kernel, "shell_request", None)):
        return None, NO_KERNEL  # a kernel kind that cannot answer editor requests
    return sess.kernel, ""


def _clamp(cursor_pos: int, code: str) -> int:
    return max(0, min(cursor_pos, len(code)))


async def complete(
    *, runs: RunManager, settings: Settings, user_id: int, scope: str, code: str, cursor_pos: int
) -> Completion:
    """Completion candidates at ``cursor_pos`` (a character offset into ``code``, as Jupyter counts them)."""
    kernel, why = _kernel(runs, user_id, scope)
    if kernel is None:
        return Completion(unavailable=why)
    pos = _clamp(cursor_pos, code)
    content = {"code": code, "cursor_pos": pos}
    reply = await kernel.shell_request("complete_request", content, settings.editor_assist_timeout_s)
    if reply is None:
        return Completion(unavailable=BUSY if getattr(kernel, "busy", False) else NO_ANSWER)
    if reply.get("status") != "ok":
        return Completion(cursor_start=pos, cursor_end=pos)
    matches = [plain_text(m) for m in reply.get("matches") or [] if isinstance(m, str)]
    start = _int(reply.get("cursor_start"), pos)
    end = _int(reply.get("cursor_end"), pos)
    start, end = _clamp(start, code), _clamp(end, code)
    matches, start = last_name(matches, code[start:end], start)
    return Completion(matches=matches[: settings.editor_assist_max_matches], cursor_start=start, cursor_end=end)


async def inspect(
    *, runs: RunManager, settings: Settings, user_id: int, scope: str, code: str, cursor_pos: int
) -> Inspection:
    """The signature and docstring of the name at ``cursor_pos``, as plain text."""
    kernel, why = _kernel(runs, user_id, scope)
    if kernel is None:
        return Inspection(unavailable=why)
    content = {"code": code, "cursor_pos": _clamp(cursor_pos, code), "detail_level": 0}
    reply = await kernel.shell_request("inspect_request", content, settings.editor_assist_timeout_s)
    if reply is None:
        return Inspection(unavailable=BUSY if getattr(kernel, "busy", False) else NO_ANSWER)
    data = reply.get("data") or {}
    text = data.get("text/plain") if isinstance(data, dict) else None
    if reply.get("status") != "ok" or not reply.get("found") or not isinstance(text, str):
        return Inspection()
    text = TEMP_FILE_LINE.sub("", plain_text(text))
    limit = settings.editor_assist_max_doc_chars
    return Inspection(found=True, text=text[:limit], truncated=len(text) > limit)


def last_name(matches: list[str], typed: str, start: int) -> tuple[list[str], int]:
    """Matches as the name being typed, not the whole dotted path: IPython's own completer answers ``jnp.ar``
    with ``.arange`` (replacing from the dot). When every match repeats the typed text up to its last
    non-name character, that part is dropped from the matches and the replaced range starts after it."""
    cut = max((i + 1 for i, ch in enumerate(typed) if not (ch.isalnum() or ch == "_")), default=0)
    if cut == 0 or not all(m.startswith(typed[:cut]) for m in matches):
        return matches, start
    return [m[cut:] for m in matches], start + cut


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default
