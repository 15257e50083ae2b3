"""Jinja2 templates, Markdown (markdown-it + pygments) and the rendering of kernel output.

Kernel output is untrusted: text is escaped by autoescape, ANSI codes are stripped, HTML output goes
only into a sandboxed ``<iframe srcdoc>`` (no scripts, no same-origin), images only as data: URLs of
image/png or image/jpeg.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound
from starlette.requests import Request
from starlette.responses import Response

from app.config import Settings
from app.htmx import GRADED_EVENT, is_htmx, vary_on_htmx
from app.lessons.model import STEP_TITLES
from app.security import CSRF_FIELD, CSRF_HEADER, strip_ansi
from kernels.outcomes import Output

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = REPO_ROOT / "templates"
STATIC_DIR = REPO_ROOT / "static"
HTMX_VERSION = "2.0.11"
CODEMIRROR_VERSION = "5.65.21"

_MYST_CELL = re.compile(r"^\{code-cell\}\s*(?P<lang>[\w+-]*)")


def _highlight(code: str, lang: str, _attrs: str) -> str:
    match = _MYST_CELL.match(lang or "")
    if match:
        lang = match.group("lang") or "python"
    try:
        lexer = get_lexer_by_name(lang or "text")
    except ClassNotFound:
        lexer = get_lexer_by_name("text")
    # One <pre> of our own (markdown-it keeps output that starts with "<pre" as is); pygments' default
    # <div><pre> would end up nested inside markdown-it's <pre><code> with stray blank lines.
    spans = highlight(code, lexer, HtmlFormatter(nowrap=True)).rstrip("\n")
    return f'<pre class="highlight"><code>{spans}</code></pre>'


class MarkdownRenderer:
    """Renders lesson Markdown once per content hash. Raw HTML in Markdown is not passed through."""

    def __init__(self) -> None:
        self._md = MarkdownIt("commonmark", {"html": False, "highlight": _highlight}).enable("table")
        self._cache: dict[str, Markup] = {}

    def render(self, text: str, *, key: str | None = None) -> Markup:
        if key is not None and key in self._cache:
            return self._cache[key]
        html = Markup(self._md.render(text))  # noqa: S704  (markdown-it escapes; raw HTML is disabled)
        if key is not None:
            self._cache[key] = html
        return html


def render_output(out: Output) -> Markup:
    """One piece of kernel output as safe HTML.

    Stream text is an inline span, not a block: the kernel sends a stream in whatever pieces it was
    flushed (``print('tick', i, flush=True)`` can arrive as ``"tick"`` then ``" 2\n"``, even in two
    different polls), and consecutive pieces must read as one text, as in Jupyter.
    """
    if out.kind == "stream":
        cls = "out-stderr" if out.name == "stderr" else "out-stdout"
        return Markup('<span class="out {}">{}</span>').format(cls, strip_ansi(out.text))
    if out.kind == "error":
        return Markup('<pre class="out out-error">{}: {}</pre>').format(out.name, strip_ansi(out.text))
    if out.kind in ("display", "result"):
        return _render_bundle(out.data)
    return Markup("")


def _render_bundle(data: dict[str, Any]) -> Markup:
    for mime in ("image/png", "image/jpeg"):
        raw = data.get(mime)
        if isinstance(raw, str):
            clean = raw.replace("\n", "")
            try:
                base64.b64decode(clean, validate=True)
            except (binascii.Error, ValueError):
                continue
            return Markup('<img class="out out-image" alt="figure output" src="data:{};base64,{}">').format(mime, clean)
    html = data.get("text/html")
    if isinstance(html, str):
        # srcdoc is an attribute: escape() makes it inert text; the iframe runs nothing (sandbox="").
        return Markup(
            '<iframe class="out out-html" sandbox="" referrerpolicy="no-referrer" title="HTML output" '
            'srcdoc="{}"></iframe>'
        ).format(html)
    text = data.get("text/plain")
    if isinstance(text, str):
        return Markup('<pre class="out out-result">{}</pre>').format(strip_ansi(text))
    return Markup('<pre class="out out-result">[output of type {}]</pre>').format(", ".join(sorted(data)))


def render_traceback(lines: list[str]) -> Markup:
    return Markup('<pre class="out out-traceback">{}</pre>').format(strip_ansi("\n".join(lines)))


def fmt_score(value: Any) -> str:
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return "–"


def make_templates(settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.globals.update(
        STEP_TITLES=STEP_TITLES,
        HTMX_VERSION=HTMX_VERSION,
        CODEMIRROR_VERSION=CODEMIRROR_VERSION,
        CSRF_FIELD=CSRF_FIELD,
        CSRF_HEADER=CSRF_HEADER,
        GRADED_EVENT=GRADED_EVENT,
        poll_interval_ms=settings.poll_interval_ms,
        signup_mode=settings.signup_mode,
    )
    env.filters.update(output=render_output, traceback=render_traceback, score=fmt_score)
    env.filters["escape_attr"] = escape
    return templates


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render with the common context (user, CSRF token, htmx flag); always ``Vary: HX-Request``."""
    templates: Jinja2Templates = request.app.state.templates
    ctx: dict[str, Any] = {
        "user": getattr(request.state, "user", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "htmx": is_htmx(request),
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code, headers=headers)
    return vary_on_htmx(response)
