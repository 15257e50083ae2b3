"""Behind a real reverse proxy (Debian's nginx on loopback): the client address comes from
X-Forwarded-For only because the proxy is trusted, and login throttling is per address and per account,
so one guesser locks out neither the class behind the proxy nor the other accounts (issue 13)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .live import LiveServer, csrf_from_page, free_port, live_server

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is not installed (scripts/setup-test-deps.sh)"),
]

CONF = """
{user}
daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
        location /tutor/ {{
            proxy_pass http://127.0.0.1:{upstream}/;  # the site under a sub-path; nginx strips it
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def start_nginx(root: Path, upstream: int) -> tuple[subprocess.Popen[bytes], str]:
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    user = "user root;" if os.geteuid() == 0 else ""
    (root / "nginx.conf").write_text(CONF.format(user=user, root=root, port=port, upstream=upstream))
    proc = subprocess.Popen([NGINX, "-p", str(root), "-c", str(root / "nginx.conf")], stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("nginx did not start: " + (root / "error.log").read_text()[-2000:])


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    settings = {
        "trusted_proxies": json.dumps(["127.0.0.1"]),
        "login_rate_per_minute": 3,
        "login_free_failures": 3,
        "login_backoff_base_s": 60,
        "root_path": "/tutor",
    }
    with live_server(tmp_path / "app", **settings) as server:
        proc, url = start_nginx(tmp_path / "nginx", server.port)
        try:
            yield server, url
        finally:
            proc.terminate()
            proc.wait(10)


def client_from(address: str, url: str) -> httpx.Client:
    """A client whose connections to the proxy come from ``address`` (any 127.x.y.z is loopback)."""
    return httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address=address), timeout=30)


def login(client: httpx.Client, username: str, password: str, headers: dict[str, str] | None = None) -> httpx.Response:
    token = csrf_from_page(client.get("/login").text)
    data = {"username": username, "password": password, "csrf_token": token}
    return client.post("/login", data=data, headers=headers or {})


def sign_up(url: str, address: str, username: str, password: str) -> None:
    with client_from(address, url) as c:
        token = csrf_from_page(c.get("/login").text)
        data = {"username": username, "password": password, "csrf_token": token}
        assert c.post("/signup", data=data).status_code == 303


def test_the_login_limit_is_per_forwarded_address(proxied: tuple[LiveServer, str]) -> None:
    server, url = proxied
    sign_up(url, "127.0.0.20", "alice", "alice's passphrase")
    with client_from("127.0.0.2", url) as attacker, client_from("127.0.0.3", url) as alice:
        for i in range(3):  # different accounts: only the address limit is at stake
            assert login(attacker, f"ghost{i}", "guess-guess").status_code == 400
        r = login(attacker, "ghost9", "guess-guess")
        assert r.status_code == 429 and "Too many requests" in r.text
        # A forged X-Forwarded-For does not help: nginx appends the real peer, the app takes the nearest.
        r = login(attacker, "ghost9", "guess-guess", headers={"X-Forwarded-For": "198.51.100.7"})
        assert r.status_code == 429
        # Another learner behind the same proxy is not locked out (before: one address for the whole site).
        assert login(alice, "alice", "alice's passphrase").status_code == 303
    log = (server.log).read_text()
    assert "127.0.0.2:" in log and "127.0.0.3:" in log  # the server saw the forwarded clients


def test_guessing_one_account_slows_only_that_account(proxied: tuple[LiveServer, str]) -> None:
    _, url = proxied
    sign_up(url, "127.0.0.20", "alice", "alice's passphrase")
    sign_up(url, "127.0.0.21", "bob", "bob's own passphrase")
    for i in range(3):  # a guesser rotating addresses stays under the per-address limit...
        with client_from(f"127.0.1.{i + 1}", url) as guesser:
            assert login(guesser, "bob", f"guess number {i}").status_code == 400
    with client_from("127.0.1.9", url) as guesser:
        r = login(guesser, "bob", "guess number 9")  # ...but bob's account now waits
        assert r.status_code == 429 and "failed logins for this account" in r.text
        assert 1 <= int(r.headers["retry-after"]) <= 60
    with client_from("127.0.0.3", url) as alice:
        assert login(alice, "alice", "alice's passphrase").status_code == 303  # alice is not locked out


def test_the_site_under_a_sub_path(proxied: tuple[LiveServer, str]) -> None:
    """root_path: served at /tutor/ by a proxy that strips the prefix, every link, form, asset and redirect
    stays under /tutor/."""
    _, url = proxied
    with client_from("127.0.0.5", url) as c:
        page = c.get("/tutor/login")
        assert page.status_code == 200
        links = re.findall(r'(?:href|action|src|hx-get|hx-post)="(/[^"]*)"', page.text)
        assert links and all(link.startswith("/tutor/") for link in links), links
        assert c.get("/tutor/static/app.css").status_code == 200
        r = c.get("/tutor/playground")
        assert r.status_code == 303 and r.headers["location"] == "/tutor/login?next=/tutor/playground"
        data = {"username": "carol", "password": "carol's passphrase", "csrf_token": csrf_from_page(page.text)}
        r = c.post("/tutor/signup", data=data)
        assert r.status_code == 303 and r.headers["location"] == "/tutor/"
        home = c.get(r.headers["location"])
        assert home.status_code == 200 and 'href="/tutor/account">carol<' in home.text
        data = {"username": "carol", "password": "carol's passphrase", "csrf_token": csrf_from_page(home.text)}
        data["next"] = "/tutor/playground"
        r = c.post("/tutor/login", data=data)
        assert r.status_code == 303 and r.headers["location"] == "/tutor/playground"
        assert c.get("/tutor/playground").status_code == 200
