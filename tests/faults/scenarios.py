"""The fault scenarios of issue 13, each against real processes: a real ``jaxtutor serve`` (uvicorn) on
loopback, the real grader, real kernels (sandboxed where the host allows it; CI requires it).

Each scenario returns what happened (``Outcome``): every submission's final state, so that the tests
(tests/faults/) assert that nothing was lost or wrongly stored as ``error``, and ``benchmarks/faults.py``
counts the same figures in one run. The servers come from tests/web/live.py; every process a scenario
started is killed (its whole process group) before it returns.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.web.live import LESSONS, LiveServer, csrf_from_page, free_port, start_server

SOLUTION = (LESSONS / "demo-add" / "solution.py").read_text()
PASSWORD = "correct horse battery"


@dataclass
class Outcome:
    """What a scenario left behind: each submission's final row, and what the learner and operator saw."""

    submissions: list[dict[str, Any]] = field(default_factory=list)
    seen: dict[str, Any] = field(default_factory=dict)

    @property
    def lost(self) -> int:
        """Submissions accepted but never graded (not done; stalled counts: it was not graded)."""
        return sum(1 for s in self.submissions if s["status"] != "done")

    @property
    def wrongly_error(self) -> int:
        """Correct solutions stored as the learner's ``error`` (every scenario submits correct code)."""
        return sum(1 for s in self.submissions if s["verdict"] == "error")


# --- servers and processes --------------------------------------------------------------------------------
def server_settings(sandbox: bool, **extra: Any) -> dict[str, Any]:
    """Settings for a real grading server: sandboxed kernels unless the host cannot run them."""
    return {
        "unsafe_no_sandbox": "0" if sandbox else "1",
        "bundled_lessons": "0",
        "grading_poll_s": 0.5,
        "poll_interval_ms": 200,
        **extra,
    }


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (by parent links in /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rpartition(")")[2].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def kill_group(server: LiveServer) -> None:
    """SIGKILL the server and everything it started (its own process group: ``start_new_session``),
    including kernels a killed server left behind."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.proc.wait(10)


@contextlib.contextmanager
def running(root: Path, **settings: Any) -> Iterator[LiveServer]:
    server = start_server(root, **settings)
    try:
        yield server
    finally:
        server.stop()
        kill_group(server)


# --- a learner's HTTP session -----------------------------------------------------------------------------
def sign_up(client: httpx.Client, username: str = "alice") -> dict[str, str]:
    """Sign up (and so in); returns the headers an API write needs (the session-bound CSRF token)."""
    token = csrf_from_page(client.get("/login").text)
    r = client.post("/signup", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303, r.text
    return {"X-CSRF-Token": csrf_from_page(client.get("/login").text)}


def submit(client: httpx.Client, headers: dict[str, str], code: str = SOLUTION) -> httpx.Response:
    return client.post("/api/v1/lessons/demo-add/submissions", json={"code": code}, headers=headers)


def state(client: httpx.Client, sub_id: int) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/api/v1/submissions/{sub_id}").json()
    return body


def wait_state(client: httpx.Client, sub_id: int, want: set[str], timeout: float = 300.0) -> dict[str, Any]:
    end = time.monotonic() + timeout
    last: dict[str, Any] = {}
    while time.monotonic() < end:
        with contextlib.suppress(httpx.HTTPError, ValueError):
            last = state(client, sub_id)
            if last.get("status") in want:
                return last
        time.sleep(0.1)
    raise AssertionError(f"submission {sub_id} never reached {want}: {last}")


def rows(db: Path) -> list[dict[str, Any]]:
    """Every submission as stored, read straight from the SQLite file (the server stopped)."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        found = conn.execute(
            "SELECT id, status, verdict, attempts, infra_failures, infra_problem FROM submission ORDER BY id"
        ).fetchall()
        return [dict(r) for r in found]


def lesson_attempts(db: Path) -> int:
    """Graded attempts the learner's progress counts for demo-add (one per stored verdict)."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        row = conn.execute("SELECT attempts FROM lesson_progress WHERE lesson_id = 'demo-add'").fetchone()
        return int(row[0]) if row else 0


# --- the scenarios ----------------------------------------------------------------------------------------
def kill_server_during_grading(root: Path, *, sandbox: bool) -> Outcome:
    """kill -9 of the server while it grades a correct solution; a new server on the same data dir."""
    out = Outcome()
    port = free_port()
    settings = server_settings(sandbox, data_dir=root / "data", runtime_dir=root / "rt")
    server = start_server(root, port=port, name="first", **settings)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            headers = sign_up(client)
            r = submit(client, headers)
            assert r.status_code == 202, r.text
            sub_id = int(r.json()["id"])
            running_state = wait_state(client, sub_id, {"running", "done"})
            out.seen["state_when_killed"] = running_state["status"]
            server.stop(signal.SIGKILL)  # a crash: no shutdown code runs
            kill_group(server)  # its orphaned grading kernels too, as a host crash would
            server = start_server(root, port=port, name="second", **settings)
            final = wait_state(client, sub_id, {"done", "stalled"})
            out.seen["final"] = {k: final.get(k) for k in ("status", "verdict", "score")}
    finally:
        server.stop()
        kill_group(server)
    db = root / "data" / "jaxtutor.db"
    out.submissions = rows(db)
    out.seen["progress_attempts"] = lesson_attempts(db)
    return out


def kill_kernel_mid_run(root: Path, *, sandbox: bool) -> Outcome:
    """kill -9 of the learner's kernel during a Run: a clear message, and the next Run works."""
    out = Outcome()
    settings = server_settings(sandbox, data_dir=root / "data", runtime_dir=root / "rt", run_timeout_s=120)
    with running(root, **settings) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        sign_up(client)
        hx = {"HX-Request": "true", "X-CSRF-Token": csrf_from_page(client.get("/login").text)}
        code = "import time\nprint('kernel' + '-ready', flush=True)\ntime.sleep(300)"
        r = client.post("/runs", data={"code": code}, headers=hx)
        assert r.status_code == 200, r.text
        html = poll_run(client, r.text, until="kernel-ready")
        assert "kernel-ready" in html, html[-2000:]
        kernels = [p for p in descendants(server.pid) if "ipykernel_launcher" in cmdline(p)]
        out.seen["kernels_killed"] = len(kernels)
        for pid in kernels:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        html = poll_run(client, html, until=None)
        out.seen["after_kill"] = _text(html)[-600:]
        r = client.post("/runs", data={"code": "print('once' + ' more')"}, headers=hx)
        out.seen["next_run_status"] = r.status_code
        again = poll_run(client, r.text, until="once more") if r.status_code == 200 else r.text
        out.seen["next_run"] = "once more" in again
    return out


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def poll_run(client: httpx.Client, html: str, *, until: str | None, timeout: float = 180.0) -> str:
    """Follow a Run's htmx polling until ``until`` appears, or until it stops polling (finished)."""
    end = time.monotonic() + timeout
    seen = html
    found = re.search(r'hx-get="(/runs/[^"]+)"', html)
    poll = found.group(1).replace("&amp;", "&") if found else None
    while poll is not None and time.monotonic() < end and (until is None or until not in seen):
        time.sleep(0.2)
        page = client.get(poll, headers={"HX-Request": "true"})
        seen += page.text
        found = re.search(r'hx-get="(/runs/[^"]+)"', page.text)
        poll = found.group(1).replace("&amp;", "&") if found else None
    return seen


def fill(path: Path) -> int:
    """Write zeros into ``path`` until its file system is full; the bytes written."""
    written = 0
    block = b"\0" * (1 << 20)
    with open(path, "wb", buffering=0) as f:
        while True:
            try:
                written += f.write(block)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                break
    for size in (65536, 4096, 512, 1):  # the last partial blocks too
        with contextlib.suppress(OSError), open(path, "ab", buffering=0) as f:
            while True:
                written += f.write(b"\0" * size)
    return written


def full_data_dir(root: Path, data: Path, *, sandbox: bool) -> Outcome:
    """The data dir (SQLite, caches) is a small file system that fills up while a correct solution is
    graded: writes answer 503, /readyz fails, the grading is retried and passes once space is freed."""
    out = Outcome()
    settings = server_settings(
        sandbox,
        data_dir=data,
        runtime_dir=root / "rt",
        grading_infra_retries=30,
        grading_infra_retry_base_s=1.0,
        grading_infra_retry_max_s=4.0,
    )
    filler = data / "filler"
    with running(root, **settings) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        headers = sign_up(client)
        r = submit(client, headers)
        assert r.status_code == 202, r.text
        sub_id = int(r.json()["id"])
        wait_state(client, sub_id, {"running", "done"})
        out.seen["filled_mib"] = round(fill(filler) / (1 << 20), 1)
        try:
            refused = submit(client, headers, code=SOLUTION + "\n# " + "y" * 200_000)
            out.seen["write_status"] = refused.status_code
            out.seen["write_body"] = refused.text[:400]
            ready = client.get("/readyz")
            out.seen["readyz_status"] = ready.status_code
            out.seen["readyz_failed"] = sorted(n for n, c in ready.json()["checks"].items() if not c["ok"])
            time.sleep(8)  # the grading meets the full disk meanwhile
            out.seen["while_full"] = state(client, sub_id)["status"]
        finally:
            filler.unlink()
        final = wait_state(client, sub_id, {"done"}, timeout=300)
        out.seen["final"] = {k: final.get(k) for k in ("status", "verdict", "score")}
        out.seen["readyz_after"] = client.get("/readyz").status_code
        sign_up_again = submit(client, headers, code=SOLUTION + "\n# after\n")
        out.seen["write_after"] = sign_up_again.status_code
        if sign_up_again.status_code == 202:
            wait_state(client, int(sign_up_again.json()["id"]), {"done"}, timeout=300)
    out.submissions = rows(data / "jaxtutor.db")
    return out


def full_data_dir_before_grading(root: Path, data: Path, *, sandbox: bool) -> Outcome:
    """The data dir (reference cache, XLA cache) is full before a correct solution is graded, the database
    elsewhere: the grading meets the full disk for certain (its lesson's reference record cannot be
    cached), is retried, shown as "not graded yet", never as ``error``, and passes once space is freed."""
    from app.services.grading_retry import RETRY_LABEL

    out = Outcome()
    (root / "db").mkdir()
    db = root / "db" / "jaxtutor.db"
    settings = server_settings(
        sandbox,
        data_dir=data,
        runtime_dir=root / "rt",
        database_url=f"sqlite:///{db}",
        grading_infra_retries=30,
        grading_infra_retry_base_s=1.0,
        grading_infra_retry_max_s=4.0,
    )
    filler = data / "filler"
    with running(root, **settings) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        headers = sign_up(client)
        out.seen["filled_mib"] = round(fill(filler) / (1 << 20), 1)
        try:
            r = submit(client, headers)
            assert r.status_code == 202, r.text
            sub_id = int(r.json()["id"])
            ready = client.get("/readyz")
            out.seen["readyz_status"] = ready.status_code
            out.seen["readyz_failed"] = sorted(n for n, c in ready.json()["checks"].items() if not c["ok"])
            end = time.monotonic() + 240
            waiting: dict[str, Any] = {}
            while time.monotonic() < end:
                waiting = state(client, sub_id)
                if waiting["status"] == "done" or waiting.get("phase_label") == RETRY_LABEL:
                    break
                time.sleep(0.2)
            out.seen["while_full"] = {k: waiting.get(k) for k in ("status", "verdict", "phase_label")}
        finally:
            filler.unlink()
        final = wait_state(client, sub_id, {"done"}, timeout=300)
        out.seen["final"] = {k: final.get(k) for k in ("status", "verdict", "score")}
        out.seen["readyz_after"] = client.get("/readyz").status_code
    out.submissions = rows(db)
    return out


def chattr(flag: str, *paths: Path) -> None:
    subprocess.run(["chattr", flag, *map(str, paths)], check=True, capture_output=True)


def read_only_database(root: Path, *, sandbox: bool) -> Outcome:
    """The SQLite database (file, WAL and directory) becomes read-only under a running server (``chattr
    +i``: root cannot write it either): writes answer 503 with a clear message, /readyz fails, reads keep
    working, and once it is writable again nothing stored before is lost and writes work."""
    out = Outcome()
    data = root / "data"
    settings = server_settings(
        sandbox, data_dir=data, runtime_dir=root / "rt", grading_infra_retry_base_s=1.0, grading_infra_retry_max_s=4.0
    )
    with running(root, **settings) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        headers = sign_up(client)
        first = submit(client, headers)  # graded while the database is read-only
        assert first.status_code == 202, first.text
        # The shared-memory index (-shm) is mapped into the server: a frozen mapping would be a crash (SIGBUS),
        # not a read-only database.
        frozen = [data, *(p for p in sorted(data.glob("jaxtutor.db*")) if not p.name.endswith("-shm"))]
        chattr("+i", *frozen)
        try:
            refused = submit(client, headers, code=SOLUTION + "\n# refused\n")
            out.seen["write_status"] = refused.status_code
            out.seen["write_body"] = refused.text[:400]
            ready = client.get("/readyz")
            out.seen["readyz_status"] = ready.status_code
            out.seen["readyz_failed"] = sorted(n for n, c in ready.json()["checks"].items() if not c["ok"])
            out.seen["read_status"] = client.get("/api/v1/lessons").status_code
        finally:
            chattr("-i", *frozen)
        ready_after = client.get("/readyz")
        out.seen["readyz_after"] = ready_after.status_code
        again = submit(client, headers, code=SOLUTION + "\n# again\n")
        out.seen["write_after"] = again.status_code
        for r in (first, again):
            if r.status_code == 202:
                wait_state(client, int(r.json()["id"]), {"done"}, timeout=300)
        out.seen["listed"] = len(client.get("/api/v1/lessons/demo-add/submissions").json())
    out.submissions = rows(data / "jaxtutor.db")
    return out


def dump(outcome: Outcome) -> str:
    return json.dumps({"submissions": outcome.submissions, "seen": outcome.seen}, indent=1, default=str)
