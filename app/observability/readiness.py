"""``/readyz``: can this server do its job right now? Database (and whether it takes writes), the data dir
(whether it takes writes: a full or read-only disk), lesson catalog, kernel sandbox.

``/healthz`` stays liveness only (the process answers; no dependency touched), so an orchestrator restarts a
server that hangs, but only takes one out of rotation when ``/readyz`` fails, e.g. while the database is
away. Each check runs in a worker thread under ``readiness_timeout_s``, and a failed check says why
(the message never contains credentials: database errors are reduced to their class and first line).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from app.config import Settings


@dataclass
class Check:
    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail}


def _short(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def check_database(engine: Any) -> Check:
    """A real query on an application table. For a SQLite file, the file must still be there: a pooled
    connection to a deleted (or moved) file keeps answering from the old inode."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(str(url.database))
        if not path.is_file():
            return Check(False, "the SQLite database file is missing")
        if not os.access(path, os.R_OK | os.W_OK):
            return Check(False, "the SQLite database file is not readable and writable")
    with engine.connect() as conn:
        conn.execute(text("SELECT id FROM submission LIMIT 1")).all()
        if url.get_backend_name() == "postgresql":
            read_only = conn.execute(text("SHOW transaction_read_only")).scalar()
            if str(read_only).lower() == "on":
                return Check(False, "the database is read-only (transaction_read_only is on)")
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        problem = _sqlite_write_problem(Path(str(url.database)))
        if problem is not None:
            return Check(False, problem)
    return Check(True, f"{url.get_backend_name()} answered")


def _sqlite_write_problem(path: Path) -> str | None:
    """Whether a fresh connection may write the SQLite file (``BEGIN IMMEDIATE`` takes the write lock, then
    rolls back). A pooled connection opened before the file became read-only would still say yes, and
    ``os.access`` always says yes to root."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=2.0, isolation_level=None)
    except sqlite3.Error as exc:
        return f"the SQLite database cannot be opened for writing ({_short(exc)})"
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return None  # another writer holds the lock right now: writable
        return f"the SQLite database cannot be written ({_short(exc)})"
    finally:
        conn.close()
    return None


#: Bytes written (and removed) in the data dir by the storage check: more than a file system's slack.
PROBE_BYTES = 64 * 1024


def check_storage(settings: Settings) -> Check:
    """The data dir (SQLite file, caches, keys) takes a write: a probe file is written, synced and removed.
    A full or read-only disk fails here before any learner's write does."""
    probe = settings.data_dir / f".readyz-{os.getpid()}"
    try:
        with open(probe, "wb") as f:
            f.write(b"\0" * PROBE_BYTES)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        return Check(False, f"the data dir {settings.data_dir} cannot be written ({_short(exc)})")
    finally:
        try:
            probe.unlink()
        except OSError:
            pass
    return Check(True, "the data dir takes writes")


def check_catalog(catalog: Any) -> Check:
    if catalog is None:
        return Check(False, "the lesson catalog is not loaded")
    lessons = catalog.ordered()
    if not lessons:
        return Check(False, "no lessons found in lesson_dirs")
    return Check(True, f"{len(lessons)} lessons")


def check_sandbox(settings: Settings) -> Check:
    if settings.unsafe_no_sandbox:
        return Check(True, "not used: unsafe development mode (learner code runs unsandboxed)")
    if settings.kernel_backend == "gateway":
        import httpx

        headers = {"Authorization": f"token {settings.gateway_token}"} if settings.gateway_token else {}
        r = httpx.get(settings.gateway_url.rstrip("/") + "/api", headers=headers, timeout=settings.readiness_timeout_s)
        return Check(r.status_code == 200, f"kernel gateway answered {r.status_code}")
    from kernels.sandbox.readiness import check_sandbox as sandbox_report

    report = sandbox_report(
        user=settings.sandbox_user,
        runtime_dir=settings.runtime_dir,
        python=settings.kernel_python_path(),
        smoke=False,
    )
    return Check(report.ready, "ready" if report.ready else report.reason)


async def _run(fn: Any, *args: Any, timeout: float) -> Check:
    try:
        async with asyncio.timeout(timeout):
            result: Check = await asyncio.to_thread(fn, *args)
            return result
    except TimeoutError:
        return Check(False, f"no answer within {timeout:g} s")
    except Exception as exc:
        return Check(False, _short(exc))


async def readiness(state: Any, *, check_kernels: bool = True) -> tuple[bool, dict[str, Check]]:
    """All checks at once. ``check_kernels=False`` when the app was built with a test's kernel provider."""
    settings: Settings = state.settings
    timeout = settings.readiness_timeout_s
    engine = getattr(state, "engine", None)
    jobs = {
        "database": _run(check_database, engine, timeout=timeout)
        if engine is not None
        else _done(Check(False, "not started")),
        "storage": _run(check_storage, settings, timeout=timeout),
        "lessons": _run(check_catalog, getattr(state, "catalog", None), timeout=timeout),
        "sandbox": _run(check_sandbox, settings, timeout=timeout)
        if check_kernels
        else _done(Check(True, "not checked: kernels supplied by the caller (tests)")),
    }
    results = dict(zip(jobs, await asyncio.gather(*jobs.values()), strict=True))
    return all(c.ok for c in results.values()), results


async def _done(check: Check) -> Check:
    return check
