"""Static files for a light first visit: compressed, cached for a year when their URL names their content.

Every URL that ``static_url`` makes carries a short hash of the file's content (``/static/app.css?v=3f2a...``),
so a changed file gets a new URL and the old one may be cached forever: those responses are
``Cache-Control: public, max-age=<static_max_age_s>, immutable``. Any other static URL (an old hash, none)
must be revalidated (``no-cache``; the ETag makes that a 304). Text files are gzip-compressed on the way
out (``GZipMiddleware`` around this app only: compressing pages that carry a CSRF token next to reflected
input would open them to BREACH). The vendored CodeMirror files are minified at build time
(``scripts/minify_static.py``), never at serve time.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Scope


class StaticVersions:
    """Content hashes of the static files, recomputed when a file changes (live lesson/dev editing)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory.resolve()
        self._cache: dict[str, tuple[int, int, str]] = {}

    def digest(self, path: str) -> str | None:
        full = (self.directory / path).resolve()
        if not full.is_relative_to(self.directory):
            return None
        try:
            st = full.stat()
        except OSError:
            return None
        cached = self._cache.get(path)
        if cached and cached[:2] == (st.st_mtime_ns, st.st_size):
            return cached[2]
        digest = hashlib.sha256(full.read_bytes()).hexdigest()[:12]
        self._cache[path] = (st.st_mtime_ns, st.st_size, digest)
        return digest

    def url(self, path: str) -> str:
        """``/static/<path>?v=<content hash>`` (templates: ``static_url('app.css')``)."""
        digest = self.digest(path)
        return f"/static/{path}" + (f"?v={digest}" if digest else "")


class CachedStaticFiles(StaticFiles):
    def __init__(self, *, directory: Path, versions: StaticVersions, max_age_s: int) -> None:
        super().__init__(directory=str(directory))
        self.versions = versions
        self.max_age_s = max_age_s

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            query = scope.get("query_string", b"").decode("latin-1")
            wanted = dict(p.partition("=")[::2] for p in query.split("&") if p).get("v")
            current = self.versions.digest(os.path.normpath(path))
            if wanted and wanted == current:
                response.headers["Cache-Control"] = f"public, max-age={self.max_age_s}, immutable"
            else:
                response.headers["Cache-Control"] = "no-cache"
        return response


def static_app(*, directory: Path, versions: StaticVersions, max_age_s: int, gzip_min_bytes: int) -> ASGIApp:
    files = CachedStaticFiles(directory=directory, versions=versions, max_age_s=max_age_s)
    return GZipMiddleware(files, minimum_size=gzip_min_bytes)
