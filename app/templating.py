"""Jinja2 templates, Markdown (markdown-it + pygments) and the rendering of kernel output.

Kernel output is untrusted: text is escaped by autoescape; ANSI colours become fixed CSS classes
(app.ansi) and tracebacks lose theirs; HTML output goes only into a sandboxed ``<iframe srcdoc>`` (no
scripts, no same-origin); images only as data: URLs of image/png, image/jpeg or image/svg+xml in an
``<img>`` (where an SVG runs nothing); Markdown with raw HTML off.
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

from app import report_view
from app.ansi import ansi_to_html
from app.config import Settings
from app.htmx import GRADED_EVENT, is_htmx, vary_on_htmx
from app.lessons.model import STEP_TITLES
from app.security import CSRF_FIELD, CSRF_HEADER, strip_ansi
from app.static_files import StaticVersions
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


_TEMP_FILE_REF = re.compile(r"\(\S*?\b\d+\.py, line (\d+)\)")
_TEMP_FILE_FRAME = re.compile(r'File "?(?:[^"\s]*/)?\d+\.py"?(?::|, line )(\d+)')
_CELL_REF = re.compile(r"Cell In\[\d+\], line (\d+)")


def code_refs(text: str) -> str:
    """Name the learner's code as "your code, line N", not the kernel's temp file (``582137804.py``)."""
    text = _TEMP_FILE_REF.sub(r"(your code, line \1)", text)
    text = _TEMP_FILE_FRAME.sub(r"your code, line \1", text)
    return _CELL_REF.sub(r"your code, line \1", text)


_OBJECTIVES = re.compile(r"^##\s+Objectives\s*$", re.IGNORECASE)


def lesson_body(markdown: str, *, drop_objectives: bool) -> str:
    """A lesson's instructions without what the page already shows from its metadata.

    The page prints the title (and the Objectives, when the lesson lists them); instructions.md opens
    with the same ``# Title`` and usually an ``## Objectives`` section, which would show twice.
    Fenced code blocks are left alone.
    """
    lines = markdown.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].startswith("# "):
        del lines[first]
    if drop_objectives:
        fence = False
        for i, line in enumerate(lines):
            if line.lstrip().startswith(("```", "~~~")):
                fence = not fence
            if not fence and _OBJECTIVES.match(line):
                end = next(
                    (j for j in range(i + 1, len(lines)) if re.match(r"^#{1,2}\s", lines[j])),
                    len(lines),
                )
                del lines[i:end]
                break
    return "\n".join(lines)


def render_output(out: Output) -> Markup:
    """One piece of kernel output as safe HTML.

    Stream text is an inline span, not a block: the kernel sends a stream in whatever pieces it was
    flushed (``print('tick', i, flush=True)`` can arrive as ``"tick"`` then ``" 2\n"``, even in two
    different polls), and consecutive pieces must read as one text, as in Jupyter.
    """
    if out.kind == "stream":
        cls = "out-stderr" if out.name == "stderr" else "out-stdout"
        return Markup('<span class="out {}">{}</span>').format(cls, ansi_to_html(out.text))
    if out.kind == "error":
        if out.name == "KeyboardInterrupt":  # the learner pressed Interrupt: the run's end line says so
            return Markup("")
        return Markup('<pre class="out out-error">{}: {}</pre>').format(out.name, code_refs(strip_ansi(out.text)))
    if out.kind in ("display", "result"):
        return _render_bundle(out.data)
    return Markup("")


#: Markdown from a kernel: raw HTML off (it is escaped), and markdown-it refuses javascript:/data: links.
_OUTPUT_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def _render_bundle(data: dict[str, Any]) -> Markup:
    svg = data.get("image/svg+xml")
    if isinstance(svg, str):
        # As an <img> data URL an SVG is only a picture: its scripts and external loads never run.
        encoded = base64.b64encode(svg.encode("utf-8", "replace")).decode("ascii")
        return Markup('<img class="out out-image" alt="figure output" src="data:image/svg+xml;base64,{}">').format(
            encoded
        )
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
    markdown = data.get("text/markdown")
    if isinstance(markdown, str):
        return Markup('<div class="out out-markdown">{}</div>').format(Markup(_OUTPUT_MARKDOWN.render(markdown)))  # noqa: S704 (raw HTML off)
    text = data.get("text/plain")
    if isinstance(text, str):
        return Markup('<pre class="out out-result">{}</pre>').format(ansi_to_html(text))
    return Markup('<pre class="out out-result">[output of type {}]</pre>').format(", ".join(sorted(data)))


def render_traceback(lines: list[str]) -> Markup:
    return Markup('<pre class="out out-traceback">{}</pre>').format(code_refs(strip_ansi("\n".join(lines))))


def fmt_score(value: Any) -> str:
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return "–"


def fmt_duration(seconds: float) -> str:
    """Elapsed time for people: ``7 s``, ``2 min 05 s``."""
    total = int(max(0.0, seconds))
    if total < 60:
        return f"{total} s"
    return f"{total // 60} min {total % 60:02d} s"


def make_templates(settings: Settings, static_versions: StaticVersions | None = None) -> Jinja2Templates:
    """``static_versions``: content hashes for ``static_url`` (the same object the static mount checks)."""
    versions = static_versions or StaticVersions(STATIC_DIR)
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
        queued_poll_interval_ms=settings.queued_poll_interval_ms,
        draft_save_delay_ms=settings.draft_save_delay_ms,
        root=settings.root_path,  # every link, form target and asset URL starts with it
        signup_mode=settings.signup_mode,
        local_accounts=settings.local_accounts,
        local_signup=settings.local_accounts and settings.signup_mode in ("open", "invite"),
        sso_providers=settings.sso_providers,
        mail_reset=settings.local_accounts and bool(settings.smtp_host),
        password_min_length=settings.password_min_length,
        token_default_days=settings.api_token_default_days,
        token_max_days=settings.api_token_max_days,
    )
    env.filters.update(output=render_output, traceback=render_traceback, score=fmt_score, duration=fmt_duration)
    env.filters.update(
        figures=report_view.figures,
        notes=report_view.notes,
        code_spans=report_view.code_spans,
        speedup_chart=report_view.speedup_chart,
        numbered_code=report_view.numbered_code,
        for_learner=report_view.for_learner,
    )
    env.globals["cited_lines"] = report_view.cited_lines
    env.filters["escape_attr"] = escape
    env.globals["static_url"] = versions.url
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
