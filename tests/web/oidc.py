"""Real OpenID providers for the SSO suites: ``oidc-provider`` (npm) run by Node on loopback ports.

The Node package lives in tests/support/oidc (``npm ci`` there; scripts/setup-test-deps.sh does it and
installs Node from Debian when missing). ``OidcProvider.start`` waits for the "ready" line the script
prints, and stops the process at the end of its ``with``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SUPPORT = Path(__file__).resolve().parents[1] / "support" / "oidc"
CLIENT_ID = "jaxtutor-test"
CLIENT_SECRET = "a-long-client-secret-for-the-test-provider"


def skip_reason() -> str | None:
    if shutil.which("node") is None:
        return "Node.js is missing (apt-get install -y nodejs npm; scripts/setup-test-deps.sh)"
    if not (SUPPORT / "node_modules" / "oidc-provider").is_dir():
        return f"oidc-provider is not installed (cd {SUPPORT} && npm ci)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class OidcProvider:
    port: int
    issuer: str
    proc: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    @contextlib.contextmanager
    def start(
        cls, *, redirect_uris: list[str], issuer: str | None = None, clock_skew_s: int = 0, port: int | None = None
    ) -> Iterator[OidcProvider]:
        port = port or free_port()
        client = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris}
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PORT": str(port),
            "CLIENTS": json.dumps([client]),
            "CLOCK_SKEW_S": str(clock_skew_s),
        }
        if issuer:
            env["ISSUER"] = issuer
        proc = subprocess.Popen(
            ["node", "provider.mjs"],
            cwd=SUPPORT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        provider = cls(port=port, issuer=issuer or f"http://127.0.0.1:{port}", proc=proc)
        ready = threading.Event()

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                provider.output.append(line.rstrip())
                if line.startswith("ready "):
                    ready.set()

        threading.Thread(target=pump, daemon=True).start()
        try:
            deadline = time.monotonic() + 60
            while not ready.wait(0.1):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the OIDC provider did not start:\n" + "\n".join(provider.output[-30:]))
            yield provider
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def sign_in_at_provider(auth_url: str, login: str) -> str:
    """Go through the provider's development login and consent pages like a browser with its own cookie jar
    would; returns the URL the provider finally redirects to (jaxtutor's callback, with code and state)."""
    import re

    import httpx

    form = re.compile(r'<form[^>]*action="([^"]+)"')

    def is_client(target: str) -> bool:  # jaxtutor's callback (which may be on loopback too)
        return "/sso/" in target or not target.startswith(("http://127.0.0.1", "http://localhost"))

    async with httpx.AsyncClient(timeout=30) as http:
        url = auth_url
        for _ in range(12):
            r = await http.get(url)
            while r.is_redirect:
                target = str(r.next_request.url) if r.next_request else r.headers["location"]
                if is_client(target):
                    return target
                r = await http.get(target)
            match = form.search(r.text)
            if match is None:
                raise AssertionError(f"no form on the provider's page {r.url}:\n{r.text[:2000]}")
            action = httpx.URL(str(r.url)).join(match.group(1))
            if 'name="login"' in r.text:
                data = {"prompt": "login", "login": login, "password": "any"}
            else:
                data = {"prompt": "consent"}
            r = await http.post(action, data=data)
            if not r.is_redirect:
                raise AssertionError(f"the provider answered {r.status_code}:\n{r.text[:2000]}")
            target = r.headers["location"]
            if is_client(target):
                return target
            url = str(httpx.URL(str(r.url)).join(target))
    raise AssertionError("the provider's pages did not end in a redirect to the client")
