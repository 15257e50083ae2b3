"""Learners' Run kernels shared by two real ``jaxtutor serve`` replicas through a real Kernel Gateway.

One throwaway PostgreSQL, one Kernel Gateway on loopback (``tests.gateway.conftest``, unsafe-local
kernelspec, no JAX preload), two replica processes with ``kernel_backend=gateway``. Each test uses its
own learner. The replicas' logs are kept in the module's temp dir.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.services.run import NOTICE_LOST
from tests.gateway.conftest import Gateway, gateway  # noqa: F401  (the module's Kernel Gateway)
from tests.web.pg import PgCluster

from .conftest import Replica, start_replica
from .test_replicas import sign_up

pytestmark = [pytest.mark.postgres, pytest.mark.kernel, pytest.mark.slow]

SETTINGS: dict[str, object] = {}


@pytest.fixture(scope="module")
def shared(
    pg_cluster: PgCluster,
    gateway: Gateway,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Replica, Replica]]:
    """Replicas A and B (``SETTINGS`` holds their kernel settings, for a third one)."""
    database = pg_cluster.url(pg_cluster.new_database())
    root = tmp_path_factory.mktemp("shared-kernels")
    settings = {
        "kernel_backend": "gateway",
        "gateway_url": gateway.url,
        "gateway_token": gateway.token,
        "run_rate_per_minute": 10_000,
        "run_timeout_s": 20,
    }
    SETTINGS.clear()
    SETTINGS.update(settings)
    a = start_replica("A", database, root, **settings)
    try:
        b = start_replica("B", database, root, **settings)
    except BaseException:
        a.stop()
        raise
    try:
        yield database, a, b
    finally:
        a.stop()
        b.stop()


def start(client: httpx.Client, replica: Replica, csrf: str, code: str) -> httpx.Response:
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    return client.post(f"{replica.url}/runs", data={"code": code}, headers=headers)


def follow(client: httpx.Client, replica: Replica, html: str, timeout: float = 30) -> str:
    """Poll the run where it was started until it is done, as htmx does; all its HTML."""
    out, deadline = html, time.monotonic() + timeout
    while (m := re.search(r'hx-get="(/runs/[^"]+)"', html)) and time.monotonic() < deadline:
        time.sleep(0.03)
        r = client.get(replica.url + m.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
        assert r.status_code == 200, r.text
        html = r.text
        out += html
    assert "run-done" in out, f"run did not finish:\n{out[-2000:]}"
    return out


def run(client: httpx.Client, replica: Replica, csrf: str, code: str) -> str:
    r = start(client, replica, csrf, code)
    assert r.status_code == 200, r.text
    return follow(client, replica, r.text)


def gateway_kernels(gw: Gateway) -> set[str]:
    """The kernels alive on the gateway, as the short names of their directories (the gateway does not list
    kernels: ``list_kernels`` is off; a kernel's directory lives exactly as long as the kernel)."""
    kdir = Path(gw.runtime_dir) / "k"
    return {d.name for d in kdir.iterdir()} if kdir.exists() else set()


def short(kernel_id: object) -> str:
    return "g" + str(kernel_id).replace("-", "")[:12]


def rows(database: str, query: str, **params: object) -> list[dict[str, object]]:
    engine = create_engine(database)
    try:
        with engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(text(query), params)]
    finally:
        engine.dispose()


def recorded(database: str, username: str) -> list[dict[str, object]]:
    return rows(
        database, 'SELECT r.* FROM run_kernel r JOIN "user" u ON u.id = r.user_id WHERE u.username = :u', u=username
    )


def test_state_interrupt_restart_and_lost_kernel_across_replicas(
    shared: tuple[str, Replica, Replica],
    gateway: Gateway,  # noqa: F811
) -> None:
    database, a, b = shared
    before = gateway_kernels(gateway)
    with httpx.Client(timeout=30) as client:
        csrf = sign_up(client, a, "alice")
        out = run(client, a, csrf, "x = 41\nprint('set on A')")
        assert "set on A" in out and "Done" in out, out
        out = run(client, b, csrf, "x + 1")  # another replica, the same kernel
        assert "42" in out and "Done" in out, out
        (row,) = recorded(database, "alice")
        assert row["backend"] == "gateway" and row["holder"] == "A" and row["run_until"] is None
        assert gateway_kernels(gateway) - before == {short(row["kernel_id"])}, "one kernel for the learner"
        assert "idle" in client.get(f"{b.url}/kernel/status").text

        # Interrupt from B a Run that runs on A: the kernel keeps its state.
        r = start(client, a, csrf, "import time\nprint('looping', flush=True)\nwhile True: time.sleep(0.02)")
        assert r.status_code == 200, r.text
        time.sleep(0.5)
        busy = start(client, b, csrf, "print('second')")
        assert busy.status_code == 409 and "still running" in busy.text  # one Run at a time, across replicas
        assert "busy" in client.get(f"{b.url}/kernel/status").text
        headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
        assert client.post(f"{b.url}/kernel/interrupt", headers=headers).status_code == 200
        out = follow(client, a, r.text)
        assert "looping" in out and "Interrupted." in out, out  # said as such, not as an exception
        assert "42" in run(client, b, csrf, "x + 1")

        # The kernel dies behind our back (culled or killed on the gateway): the next Run says so.
        kernel_id = str(recorded(database, "alice")[0]["kernel_id"])
        httpx.delete(f"{gateway.url}/api/kernels/{kernel_id}", headers={"Authorization": f"token {gateway.token}"})
        out = run(client, b, csrf, "print('x' in dir())")  # B was attached to it: its connection finds it gone
        assert "Your session restarted; state was lost" in out and "False" in out, out
        (row,) = recorded(database, "alice")
        assert row["kernel_id"] != kernel_id and short(kernel_id) not in gateway_kernels(gateway)
        out = run(client, a, csrf, "y = 2")  # A still had a connection to the old kernel: it attaches anew
        assert "Your session restarted" not in out and "Done" in out, out
        httpx.delete(
            f"{gateway.url}/api/kernels/{row['kernel_id']}", headers={"Authorization": f"token {gateway.token}"}
        )
        out = run(client, a, csrf, "print('y' in dir())")
        assert NOTICE_LOST.split(":")[0] in out and "False" in out, out

        # Restart from B: the kernel is stopped on the gateway and forgotten; the next Run (on A) starts afresh.
        (row,) = recorded(database, "alice")
        r = client.post(f"{b.url}/kernel/restart", headers=headers)
        assert r.status_code == 200 and "not started" in r.text
        assert recorded(database, "alice") == []
        assert short(row["kernel_id"]) not in gateway_kernels(gateway)
        out = run(client, a, csrf, "print('x' in dir())")
        assert "False" in out and "Your session restarted" not in out, out
    assert len(gateway_kernels(gateway) - before) == 1


def test_racing_first_runs_make_one_kernel(
    shared: tuple[str, Replica, Replica],
    gateway: Gateway,  # noqa: F811
) -> None:
    database, a, b = shared
    before = gateway_kernels(gateway)
    with httpx.Client(timeout=30) as client:
        csrf = sign_up(client, b, "bob")
        barrier = threading.Barrier(2)
        responses: dict[str, httpx.Response] = {}

        def first_run(replica: Replica) -> None:
            with httpx.Client(timeout=30, cookies=client.cookies) as own:
                barrier.wait()
                responses[replica.name] = start(own, replica, csrf, "import os\npid = os.getpid()\nprint(pid)")

        threads = [threading.Thread(target=first_run, args=(r,)) for r in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r.status_code for r in responses.values())
        assert codes in ([200, 200], [200, 409]), codes
        for name, r in responses.items():
            if r.status_code == 200:
                follow(client, a if name == "A" else b, r.text)
        (row,) = recorded(database, "bob")
        assert gateway_kernels(gateway) - before == {short(row["kernel_id"])}, "exactly one kernel was started"
        # Both replicas now run in that one kernel.
        for replica in (a, b):
            out = run(client, replica, csrf, "print(f'same {pid == os.getpid()}')")  # one write: one stream message
            assert "same True" in out, out


def test_a_stopped_replica_leaves_the_kernel_to_the_other(
    shared: tuple[str, Replica, Replica],
    gateway: Gateway,  # noqa: F811
    tmp_path: Path,
) -> None:
    database, a, b = shared
    with httpx.Client(timeout=30) as client:
        csrf = sign_up(client, a, "carol")
        run(client, a, csrf, "z = 7")
        (row,) = recorded(database, "carol")
        # A replica that stops (a third one, started for this) only detaches: the kernel lives on.
        c = start_replica("C", database, tmp_path, **SETTINGS)
        try:
            assert "7" in run(client, c, csrf, "print(z)")
        finally:
            c.stop()
        assert short(row["kernel_id"]) in gateway_kernels(gateway)
        out = run(client, b, csrf, "print(z * 6)")
        assert "42" in out and "Your session restarted" not in out, out


def poll_on(client: httpx.Client, replica: Replica, html: str, timeout: float = 30) -> list[str]:
    """Follow a Run's polling component on ``replica`` (wherever the Run executes): each poll's HTML."""
    pages, deadline = [], time.monotonic() + timeout
    while (m := re.search(r'hx-get="(/runs/[^"]+)"', html)) and time.monotonic() < deadline:
        time.sleep(0.1)
        r = client.get(replica.url + m.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
        assert r.status_code == 200, r.text
        html = r.text
        pages.append(html)
    assert "run-done" in pages[-1], f"run did not finish:\n{pages[-1][-2000:]}"
    return pages


def stream_text(html: str) -> str:
    """The stream text of a Run page, as the learner reads it (the inline stream spans, joined)."""
    return "".join(unescape(t) for t in re.findall(r'<span class="out out-std(?:out|err)">(.*?)</span>', html, re.S))


def run_rows(database: str, run_id: str) -> list[dict[str, object]]:
    return rows(database, "SELECT * FROM run_record WHERE id = :id", id=run_id)


def test_run_output_is_polled_from_the_other_replica(shared: tuple[str, Replica, Replica]) -> None:
    database, a, b = shared
    with httpx.Client(timeout=30) as client:
        csrf = sign_up(client, a, "dora")
        code = "import time\nfor i in range(8):\n    print('tick', i, flush=True)\n    time.sleep(0.2)"
        r = start(client, a, csrf, code)  # executes on A ...
        assert r.status_code == 200, r.text
        run_id = re.search(r'id="run-([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
        pages = poll_on(client, b, r.text)  # ... every poll reaches B: no sticky sessions
        # The kernel sends a stream in the pieces it flushed ("tick" and " 2\n" may be two outputs, even in
        # two polls): the learner reads the concatenated text, so that is what must be whole and in order.
        ticks = "".join(stream_text(page) for page in pages)
        assert ticks == "".join(f"tick {i}\n" for i in range(8)), pages  # all, in order, once
        assert sum(1 for page in pages if stream_text(page)) >= 3, pages  # the output grew while it ran
        assert "Done" in pages[-1]
        (row,) = run_rows(database, run_id)
        assert (row["replica"], row["status"], row["reason"]) == ("A", "done", "ok")
        assert row["output_count"] >= 8  # type: ignore[operator]
        for replica in (a, b):  # the whole Run, from either replica
            whole = client.get(f"{replica.url}/runs/{run_id}?since=0", headers={"HX-Request": "true"})
            assert whole.status_code == 200 and stream_text(whole.text) == ticks

        # Interrupted from B, polled on B: the end reaches the row.
        r = start(client, a, csrf, "import time\nprint('looping', flush=True)\nwhile True: time.sleep(0.02)")
        assert r.status_code == 200, r.text
        looping = re.search(r'id="run-([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
        time.sleep(0.5)
        headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
        assert client.post(f"{b.url}/kernel/interrupt", headers=headers).status_code == 200
        out = "".join(poll_on(client, b, r.text))
        assert "looping" in out and "Interrupted." in out, out  # said as such, not as an exception
        assert run_rows(database, looping)[0]["status"] == "interrupted"

    with httpx.Client(timeout=30) as other:  # another learner: not their Run, on either replica
        sign_up(other, b, "erin")
        for replica in (a, b):
            assert other.get(f"{replica.url}/runs/{run_id}?since=0", headers={"HX-Request": "true"}).status_code == 404
