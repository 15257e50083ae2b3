"""Static files: content-hashed URLs cached for a year, gzip on the wire, minified vendored files."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from benchmarks.page_weight import page_weight

from .conftest import login, make_user

STATIC = Path(__file__).resolve().parents[2] / "static"


async def test_pages_load_hashed_minified_static_urls(client: httpx.AsyncClient) -> None:
    page = (await client.get("/login")).text
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert urls and all(re.search(r"\?v=[0-9a-f]{12}$", u) for u in urls), urls
    assert any("codemirror-5.65.21.min.js" in u for u in urls)
    assert not any(re.search(r"codemirror-5\.65\.21(-python|-matchbrackets)?\.js", u) for u in urls)


async def test_hashed_static_is_immutable_and_gzipped(client: httpx.AsyncClient) -> None:
    page = (await client.get("/login")).text
    url = next(u for u in re.findall(r'src="(/static/[^"]+)"', page) if "codemirror" in u).replace("&amp;", "&")
    r = await client.get(url, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["content-encoding"] == "gzip" and "Accept-Encoding" in r.headers["vary"]
    assert r.num_bytes_downloaded < len(r.content) / 2
    assert "set-cookie" not in r.headers  # a public, cached response carries no per-visitor cookie
    for stale in (url.split("?")[0], url.split("?")[0] + "?v=000000000000"):
        r = await client.get(stale)
        assert r.status_code == 200 and r.headers["cache-control"] == "no-cache", stale
    assert (await client.get("/static/../app/config.py")).status_code == 404


def test_committed_min_files_are_current() -> None:
    pytest.importorskip("rjsmin")
    import scripts.minify_static as m

    for source in m.SOURCES:
        expected = m.minify((STATIC / source).read_text(encoding="utf-8"), source.rsplit(".", 1)[1])
        committed = (STATIC / m.minified_name(source)).read_text(encoding="utf-8")
        assert committed == expected, f"re-run scripts/minify_static.py ({source})"
        source_size = (STATIC / source).stat().st_size
        assert committed.startswith("/*! CodeMirror") and len(committed.encode()) < 0.8 * source_size


async def test_lesson_page_first_visit_is_under_250_kb(client: httpx.AsyncClient, app: FastAPI) -> None:
    make_user(app, "alice")
    await login(client)
    weight = await page_weight(client, "/lessons/demo-add")
    assert len(weight["files"]) >= 8
    assert all(f["encoding"] == "gzip" for f in weight["files"].values())
    assert weight["transferred_kb"] < 250, weight
