"""ANSI colour codes in kernel output, rendered as escaped HTML spans (issue 11: coloured output).

Only SGR sequences (``ESC [ ... m``) become markup, and only as CSS classes from a fixed set (16
foreground colours, bold, italic, underline): nothing from the kernel reaches an attribute. Every other
escape sequence is dropped, as ``strip_ansi`` does. The text between sequences is escaped.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_SEQUENCE = re.compile(r"\x1b\[([0-9;]*)m|\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")
_STYLES = {1: "ansi-bold", 3: "ansi-italic", 4: "ansi-underline"}


def _apply(codes: list[int], fg: int | None, styles: set[str]) -> int | None:
    for code in codes or [0]:
        if code == 0:
            fg = None
            styles.clear()
        elif code in _STYLES:
            styles.add(_STYLES[code])
        elif code in (22, 23, 24):
            styles.discard({22: "ansi-bold", 23: "ansi-italic", 24: "ansi-underline"}[code])
        elif 30 <= code <= 37:
            fg = code - 30
        elif 90 <= code <= 97:
            fg = code - 90 + 8
        elif code == 39:
            fg = None
    return fg


def ansi_to_html(text: str) -> Markup:
    """``text`` escaped, with its SGR colours and styles as ``<span class="ansi-...">``."""
    parts: list[str] = []
    fg: int | None = None
    styles: set[str] = set()
    pos = 0
    for match in _SEQUENCE.finditer(text):
        parts.append(_span(text[pos : match.start()], fg, styles))
        pos = match.end()
        if match.group(1) is not None:
            codes = [int(c) for c in match.group(1).split(";") if c.isdigit() and len(c) <= 3]
            fg = _apply(codes, fg, styles)
    parts.append(_span(text[pos:], fg, styles))
    return Markup("".join(parts))  # noqa: S704 - every piece went through escape() in _span


def _span(chunk: str, fg: int | None, styles: set[str]) -> str:
    if not chunk:
        return ""
    classes = sorted(styles) + ([f"ansi-fg-{fg}"] if fg is not None else [])
    body = str(escape(chunk))
    return f'<span class="{" ".join(classes)}">{body}</span>' if classes else body
