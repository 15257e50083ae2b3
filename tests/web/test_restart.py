"""A restarted single server is the same replica (stable replica id, not its PID): it finishes the Runs
its previous process left running at once, and tells the learner that the server restarted, not that
their Run "reached a different server" (issue 13)."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.services.run import NOTICE_OTHER_SERVER, NOTICE_RESTARTED_MID_RUN, NOTICE_SERVER_RESTARTED

from .live import csrf_from_page, start_server

pytestmark = [pytest.mark.slow, pytest.mark.kernel]


def test_replica_name_is_stable_per_data_dir(tmp_path: Path) -> None:
    a1, a2 = Settings(data_dir=tmp_path / "a").replica_name(), Settings(data_dir=tmp_path / "a").replica_name()
    b = Settings(data_dir=tmp_path / "b").replica_name()
    assert a1 == a2 != b
    import os

    assert str(os.getpid()) not in a1.split(":")[-1]
    assert Settings(data_dir=tmp_path / "a", replica_id="web-1").replica_name() == "web-1"


def _poll_until(client: httpx.Client, url: str, html: str, want: str, timeout: float = 120) -> str:
    end = time.monotonic() + timeout
    poll: str | None = url
    while want not in html and time.monotonic() < end:
        if poll is None:
            break
        time.sleep(0.3)
        page = client.get(poll, headers={"HX-Request": "true"})
        html += page.text
        found = re.search(r'hx-get="(/runs/[^"]+)"', page.text)
        poll = found.group(1).replace("&amp;", "&") if found else None
    return html


def _escaped(text: str) -> str:
    return text.replace("'", "&#39;")


def test_a_restarted_server_resumes_its_own_runs(tmp_path: Path) -> None:
    server = start_server(tmp_path, name="first")
    port = server.port
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            token = csrf_from_page(client.get("/login").text)
            data = {"username": "alice", "password": "correct horse battery", "csrf_token": token}
            assert client.post("/signup", data=data).status_code == 303
            hx = {"HX-Request": "true", "X-CSRF-Token": csrf_from_page(client.get("/login").text)}
            code = "import time\nprint('kernel' + '-ready', flush=True)\ntime.sleep(300)"
            r = client.post("/runs", data={"code": code}, headers=hx)
            assert r.status_code == 200, r.text
            first_poll = re.search(r'hx-get="(/runs/[^"?]+)', r.text)
            assert first_poll is not None
            run_url = first_poll.group(1)
            assert "kernel-ready" in _poll_until(client, run_url, r.text, "kernel-ready")
            server.stop(signal.SIGKILL)  # a crash: no shutdown code runs

            server = start_server(tmp_path, port=port, name="second")  # same data dir, same port
            html = client.get(run_url, headers={"HX-Request": "true"}).text
            assert _escaped(NOTICE_RESTARTED_MID_RUN) in html, html  # finished at once, honestly
            r = client.post("/runs", data={"code": "print('once' + ' more')"}, headers=hx)
            assert r.status_code == 200, r.text
            second_poll = re.search(r'hx-get="(/runs/[^"?]+)', r.text)
            assert second_poll is not None and second_poll.group(1) != run_url
            out = _poll_until(client, second_poll.group(1), r.text, "once more")
            assert "once more" in out
            assert _escaped(NOTICE_SERVER_RESTARTED) in out, out
            assert _escaped(NOTICE_OTHER_SERVER) not in out and "sticky" not in out
    finally:
        server.stop()
