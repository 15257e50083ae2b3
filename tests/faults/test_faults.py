"""The fault suite of issue 13, kept in CI: each test starts real processes (a real ``jaxtutor serve``,
real sandboxed kernels, a real nginx) and breaks them as an operator's bad day would, then asserts that
nothing was lost and that no correct solution was stored as the learner's ``error``.

The scenarios live in tests/faults/scenarios.py, shared with ``benchmarks/faults.py``."""

from __future__ import annotations

import shutil
import threading
from collections import Counter
from pathlib import Path

import httpx
import pytest

from app.errors import STORAGE_MESSAGE
from tests.support.required import unavailable
from tests.web.live import chunked_upload, live_server, proc_status_kib
from tests.web.test_proxy import NGINX, client_from, login, sign_up, start_nginx

from . import scenarios

pytestmark = [pytest.mark.slow, pytest.mark.kernel, pytest.mark.timeout(900)]


def test_kill_9_of_the_server_during_grading(fault_root: Path, sandbox_ready: bool) -> None:
    out = scenarios.kill_server_during_grading(fault_root, sandbox=sandbox_ready)
    detail = scenarios.dump(out)
    assert out.seen["state_when_killed"] == "running", detail  # the kill really hit a grading
    assert out.lost == 0 and out.wrongly_error == 0, detail
    (sub,) = out.submissions
    assert (sub["status"], sub["verdict"], sub["attempts"]) == ("done", "pass", 2), detail
    assert out.seen["progress_attempts"] == 1, detail  # graded exactly once: one verdict counted


def test_kill_9_of_a_kernel_mid_run(fault_root: Path, sandbox_ready: bool) -> None:
    out = scenarios.kill_kernel_mid_run(fault_root, sandbox=sandbox_ready)
    detail = scenarios.dump(out)
    assert out.seen["kernels_killed"] >= 1, detail
    assert "state is lost" in out.seen["after_kill"], detail  # a clear "the kernel died" message
    assert "Traceback" not in out.seen["after_kill"] and "Internal" not in out.seen["after_kill"], detail
    assert out.seen["next_run_status"] == 200 and out.seen["next_run"] is True, detail


def test_a_full_data_dir(fault_root: Path, small_tmpfs: Path, sandbox_ready: bool) -> None:
    out = scenarios.full_data_dir(fault_root, small_tmpfs, sandbox=sandbox_ready)
    detail = scenarios.dump(out)
    assert out.seen["write_status"] == 503 and STORAGE_MESSAGE[:40] in out.seen["write_body"], detail
    assert out.seen["readyz_status"] == 503 and "storage" in out.seen["readyz_failed"], detail
    assert out.seen["final"] == {"status": "done", "verdict": "pass", "score": 1.0}, detail
    assert out.lost == 0 and out.wrongly_error == 0, detail
    assert out.seen["readyz_after"] == 200 and out.seen["write_after"] == 202, detail


def test_a_full_data_dir_before_grading(fault_root: Path, small_tmpfs: Path, sandbox_ready: bool) -> None:
    out = scenarios.full_data_dir_before_grading(fault_root, small_tmpfs, sandbox=sandbox_ready)
    detail = scenarios.dump(out)
    assert out.seen["readyz_status"] == 503 and "storage" in out.seen["readyz_failed"], detail
    # While the disk is full the learner is told "not graded yet", never given an error.
    assert out.seen["while_full"]["status"] == "queued", detail
    assert out.seen["final"] == {"status": "done", "verdict": "pass", "score": 1.0}, detail
    (sub,) = out.submissions
    assert sub["infra_failures"] >= 1 and sub["infra_problem"] == "the server's disk is full", detail
    assert out.lost == 0 and out.wrongly_error == 0 and out.seen["readyz_after"] == 200, detail


def test_a_read_only_database(fault_root: Path, sandbox_ready: bool) -> None:
    if shutil.which("chattr") is None:
        unavailable("faults", "chattr (e2fsprogs) is not installed")
    out = scenarios.read_only_database(fault_root, sandbox=sandbox_ready)
    detail = scenarios.dump(out)
    assert out.seen["write_status"] == 503 and STORAGE_MESSAGE[:40] in out.seen["write_body"], detail
    assert out.seen["readyz_status"] == 503 and "database" in out.seen["readyz_failed"], detail
    assert out.seen["read_status"] == 200, detail  # reads keep working
    assert out.seen["readyz_after"] == 200 and out.seen["write_after"] == 202, detail
    assert out.lost == 0 and out.wrongly_error == 0 and out.seen["listed"] == 2, detail


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_chunked_200_mib_upload(tmp_path: Path, signed_in: bool) -> None:
    """The probe's repro (tests/web/test_body_limit.py has the 64 MiB anonymous one), at the probe's 200 MiB,
    with and without an account: the server stops reading at the limit; its peak memory stays near idle."""
    total = 200 << 20
    with live_server(tmp_path) as server:
        headers: dict[str, str] = {}
        if signed_in:
            with httpx.Client(base_url=server.url, timeout=30) as client:
                headers = scenarios.sign_up(client)
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        idle = proc_status_kib(server.pid, "VmHWM")
        status, response, sent = chunked_upload(
            "127.0.0.1", server.port, "/api/v1/lessons/demo-add/submissions", total=total, headers=headers
        )
        peak = proc_status_kib(server.pid, "VmHWM")
        assert status == 413 and b'"too_large"' in response, response[:500]
        assert sent < total
        assert peak - idle < 50 * 1024, (idle, peak)
        assert httpx.get(server.url + "/healthz").status_code == 200


def test_a_login_storm_behind_the_proxy(tmp_path: Path) -> None:
    """Eight guessers behind the trusted nginx hammer the login form at once, rotating accounts: they get
    400s and 429s, never a server error, and the class behind the same proxy still signs in."""
    if not Path(NGINX).exists():
        unavailable("faults", "nginx is not installed (scripts/setup-test-deps.sh)")
    settings = {
        "trusted_proxies": '["127.0.0.1"]',
        "login_rate_per_minute": 5,
        "login_free_failures": 3,
        "login_backoff_base_s": 60,
    }
    with live_server(tmp_path / "app", **settings) as server:
        proc, url = start_nginx(tmp_path / "nginx", server.port)
        try:
            learners = [f"learner{i}" for i in range(4)]
            for i, name in enumerate(learners):
                sign_up(url, f"127.0.2.{i + 1}", name, f"{name}'s passphrase")
            statuses: Counter[int] = Counter()
            lock = threading.Lock()

            def guesser(n: int) -> None:
                with client_from(f"127.0.3.{n + 1}", url) as c:
                    for k in range(12):
                        target = "ghost" if k % 2 else f"victim{k % 5}"
                        r = login(c, target, f"guess {n}-{k}")
                        with lock:
                            statuses[r.status_code] += 1

            threads = [threading.Thread(target=guesser, args=(n,)) for n in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(300)
            assert sum(statuses.values()) == 96, statuses
            assert set(statuses) <= {400, 429}, statuses  # no 5xx under the storm
            assert statuses[429] > 0, statuses  # the storm was throttled
            for i, name in enumerate(learners):  # nobody in the class is locked out
                with client_from(f"127.0.4.{i + 1}", url) as c:
                    assert login(c, name, f"{name}'s passphrase").status_code == 303
            assert proc.poll() is None and server.proc.poll() is None
        finally:
            proc.terminate()
            proc.wait(10)
