"""The transferred weight of a page on a first visit: its HTML plus every static file it loads, as sent.

Counts the bytes on the wire (``num_bytes_downloaded``: compressed when the server compressed them), with
the ``Accept-Encoding`` a browser sends. Used by ``benchmarks/web.py`` (reported) and by
``tests/web/test_static.py`` (the lesson page must stay under its budget).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

#: Stylesheets and scripts the page loads from /static (links and script tags; the page has no images).
ASSET = re.compile(r'<(?:link[^>]*\bhref|script[^>]*\bsrc)="(/static/[^"]+)"')


async def page_weight(client: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    hdrs = {"Accept-Encoding": "gzip, deflate", **(headers or {})}
    page = await client.get(path, headers=hdrs)
    page.raise_for_status()
    files: dict[str, dict[str, Any]] = {}
    for url in dict.fromkeys(m.replace("&amp;", "&") for m in ASSET.findall(page.text)):
        r = await client.get(url, headers=hdrs)
        r.raise_for_status()
        files[url] = {
            "bytes": r.num_bytes_downloaded,
            "raw_bytes": len(r.content),
            "encoding": r.headers.get("content-encoding", "identity"),
            "cache_control": r.headers.get("cache-control", ""),
        }
    html = page.num_bytes_downloaded
    transferred = html + sum(f["bytes"] for f in files.values())
    raw = len(page.content) + sum(f["raw_bytes"] for f in files.values())
    return {
        "path": path,
        "html_bytes": html,
        "files": files,
        "transferred_kb": round(transferred / 1024, 1),
        "uncompressed_kb": round(raw / 1024, 1),
    }
