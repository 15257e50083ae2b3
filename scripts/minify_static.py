"""Minify the vendored, unminified CodeMirror files once, at build time; the ``.min`` files are committed.

The server never minifies (no JavaScript build step at serve time): ``base.html`` loads the ``.min``
files, and ``tests/web/test_static.py`` checks that each is current (re-run this after updating a
vendored file). Usage: ``python scripts/minify_static.py`` (needs the dev extra: rjsmin, rcssmin).
"""

from __future__ import annotations

import sys
from pathlib import Path

import rcssmin
import rjsmin

STATIC = Path(__file__).resolve().parent.parent / "static"

#: The vendored sources that are shipped unminified by their projects.
SOURCES = (
    "vendor/codemirror-5.65.21.js",
    "vendor/codemirror-5.65.21-python.js",
    "vendor/codemirror-5.65.21-matchbrackets.js",
    "vendor/codemirror-5.65.21.css",
    # The editor's add-ons, each concatenated unchanged from the codemirror@5.65.21 npm package (in this order;
    # show-hint before anything that completes, searchcursor and dialog before search):
    # addon/hint/show-hint.js, addon/comment/comment.js, addon/edit/closebrackets.js,
    # addon/search/searchcursor.js, addon/dialog/dialog.js, addon/search/search.js.
    "vendor/codemirror-5.65.21-addons.js",
    # addon/hint/show-hint.css, addon/dialog/dialog.css.
    "vendor/codemirror-5.65.21-addons.css",
)


def minified_name(source: str) -> str:
    stem, dot, ext = source.rpartition(".")
    return f"{stem}.min{dot}{ext}"


#: The licence notice the MIT licence asks to keep (the sources carry it as a line comment, which minifying drops).
NOTICE = "/*! CodeMirror 5.65.21, copyright (c) by Marijn Haverbeke and others; MIT license: codemirror-LICENSE */\n"


def minify(text: str, kind: str) -> str:
    if kind == "js":
        return NOTICE + str(rjsmin.jsmin(text, keep_bang_comments=True)) + "\n"
    return NOTICE + str(rcssmin.cssmin(text, keep_bang_comments=True)) + "\n"


def main() -> int:
    for source in SOURCES:
        path = STATIC / source
        out = STATIC / minified_name(source)
        out.write_text(minify(path.read_text(encoding="utf-8"), path.suffix.lstrip(".")), encoding="utf-8")
        sys.stdout.write(f"{source}: {path.stat().st_size} -> {out.stat().st_size} bytes\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
