"""Markdown front matter: the ``---`` YAML block at the top of ``instructions.md``.

Notebook tools (jupytext, many static-site generators) write one. It is parsed, never rendered: the
lesson's instructions are the text after it, and its known keys may supply lesson.toml fields.
"""

from __future__ import annotations

from typing import Any

import yaml

# Keys that may come from the front matter instead of lesson.toml (lesson.toml wins when both agree).
FRONT_MATTER_FIELDS = ("title", "summary", "objectives", "tags", "expected_minutes")
# Keys other tools write that mean nothing to a lesson: accepted and ignored.
IGNORED_KEYS = ("jupyter", "jupytext", "kernelspec")


class FrontMatterError(ValueError):
    """The block is there but is not a YAML mapping; the message says what is wrong."""


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """``(fields, body)``; no block gives ``({}, text)``. Raises ``FrontMatterError`` for a bad block."""
    stripped = text.lstrip("\ufeff")
    lines = stripped.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return {}, text
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            block = "".join(lines[1:i])
            body = "".join(lines[i + 1 :]).lstrip("\n")
            break
    else:
        raise FrontMatterError("a front matter block opens with '---' on line 1 but is never closed by '---'")
    try:
        data = yaml.safe_load(block) if block.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise FrontMatterError(f"not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError(f"expected a YAML mapping (key: value lines), got a {type(data).__name__}")
    return {str(k): v for k, v in data.items()}, body
