"""Rich kernel output rendered safely: ANSI colours as fixed classes, SVG as a picture, Markdown without HTML."""

from __future__ import annotations

import base64
import re

from app.ansi import ansi_to_html
from app.templating import render_output
from kernels.outcomes import Output


def test_ansi_colours_become_fixed_classes_and_text_stays_escaped() -> None:
    html = str(ansi_to_html("\x1b[1;31merror\x1b[0m <b>ok</b> \x1b[92mgreen\x1b[39m plain\x1b[2K"))
    assert '<span class="ansi-bold ansi-fg-1">error</span>' in html
    assert "&lt;b&gt;ok&lt;/b&gt;" in html and "<b>" not in html
    assert '<span class="ansi-fg-10">green</span> plain' in html
    assert "\x1b" not in html


def test_hostile_sgr_parameters_cannot_inject_markup() -> None:
    html = str(ansi_to_html('\x1b[31;"onmouseover=alert(1)mX\x1b[99999999mY\x1b[31m"><img src=x>'))
    attributes = re.findall(r"<span ([^>]*)>", html)
    assert attributes and all(re.fullmatch(r'class="(ansi-[a-z0-9-]+ ?)+"', a) for a in attributes), attributes
    assert "<img" not in html and "&lt;img" in html and "\x1b" not in html


def test_stream_output_keeps_colours() -> None:
    html = str(render_output(Output(kind="stream", name="stdout", text="\x1b[32mpass\x1b[0m\n")))
    assert 'class="ansi-fg-2"' in html and "pass" in html


def test_svg_is_an_image_and_its_script_never_runs() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><circle r="4"/></svg>'
    html = str(render_output(Output(kind="display", data={"image/svg+xml": svg, "text/plain": "<Figure>"})))
    assert html.startswith('<img class="out out-image"') and "<script" not in html
    src = html.split('src="data:image/svg+xml;base64,', 1)[1].split('"', 1)[0]
    assert base64.b64decode(src).decode() == svg


def test_markdown_output_renders_without_raw_html_or_script_links() -> None:
    md = "# Result\n\n**loss** is `0.1`\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))"
    html = str(render_output(Output(kind="display", data={"text/markdown": md, "text/plain": "md"})))
    assert "<h1>Result</h1>" in html and "<strong>loss</strong>" in html and "<code>0.1</code>" in html
    assert "<script>" not in html and 'href="javascript:' not in html
