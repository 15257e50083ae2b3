"""Build the product's Docker image and run it as the deployment guide says (test and benchmark support).

Used by ``tests/container/test_image.py`` and ``benchmarks/container.py``. Needs a Docker engine and the
base image ``debian:bookworm-slim``; ``scripts/docker-test-engine.sh`` provides both without a registry.
Behind a TLS-intercepting proxy the host's CA bundle is lent to the build stage through
``docker/build-ca/`` (removed again afterwards; the runtime stage never sees it).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# The narrowest flags found to run bubblewrap with cgroup delegation inside a container on a cgroup v1
# host without --privileged (docs/deployment.md, "Docker and compose").
SANDBOX_FLAGS = [
    "--user",
    "0",
    "--cap-add",
    "SYS_ADMIN",
    "--security-opt",
    "seccomp=unconfined",
    "--security-opt",
    "apparmor=unconfined",
    "--security-opt",
    "systempaths=unconfined",
    "-v",
    "/sys/fs/cgroup:/sys/fs/cgroup:rw",
]


def engine_refusal() -> str | None:
    """Why the container suite cannot run here, or None."""
    if shutil.which("docker") is None:
        return "no docker client (scripts/docker-test-engine.sh installs docker.io)"
    if subprocess.run(["docker", "info"], capture_output=True, timeout=60).returncode != 0:
        return "no Docker engine answers (scripts/docker-test-engine.sh starts one)"
    if subprocess.run(["docker", "image", "inspect", "debian:bookworm-slim"], capture_output=True).returncode:
        return "base image debian:bookworm-slim missing (scripts/docker-test-engine.sh builds it)"
    return None


def build_image(tag: str, *, timeout_s: float = 2400) -> float:
    """``docker build`` of the checkout; returns the seconds it took."""
    lent = ROOT / "docker" / "build-ca" / "test-host-bundle.crt"
    if HOST_CA_BUNDLE.exists():
        shutil.copyfile(HOST_CA_BUNDLE, lent)
    started = time.monotonic()
    try:
        proc = subprocess.run(
            ["docker", "build", "--network", "host", "-t", tag, str(ROOT)],
            env={"DOCKER_BUILDKIT": "0", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    finally:
        lent.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise RuntimeError(f"docker build failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return time.monotonic() - started


def image_size_mb(tag: str) -> float:
    out = subprocess.run(
        ["docker", "image", "inspect", "-f", "{{.Size}}", tag], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip()) / 1e6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Container:
    name: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def exec(self, *argv: str, stdin: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """A command in the container as the server user, with the cgroup the entrypoint delegated."""
        cmd = ["docker", "exec", "-i", "--user", "jaxtutor", "-e", "JAXTUTOR_SANDBOX_CGROUP=/jaxtutor", self.name]
        return subprocess.run([*cmd, *argv], input=stdin, capture_output=True, text=True, timeout=timeout)

    def logs(self) -> str:
        proc = subprocess.run(["docker", "logs", "--tail", "80", self.name], capture_output=True, text=True)
        return proc.stdout + proc.stderr


@contextlib.contextmanager
def running(tag: str, *, database_url: str, data_dir: Path) -> Iterator[Container]:
    """``jaxtutor serve`` in the image on a loopback port of the host network, removed at the end."""
    port = free_port()
    name = f"jaxtutor-test-{port}"
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o777)  # written by the image's jaxtutor user (uid 10001)
    env = {
        "JAXTUTOR_DATABASE_URL": database_url,
        "JAXTUTOR_DATA_DIR": "/var/lib/jaxtutor/data",
        "JAXTUTOR_COOKIE_SECURE": "false",
        "JAXTUTOR_POOL_WARM_KERNELS": "1",
    }
    argv = ["docker", "run", "-d", "--name", name, "--network", "host", *SANDBOX_FLAGS]
    argv += ["-v", f"{data_dir}:/var/lib/jaxtutor/data"]
    for key, value in env.items():
        argv += ["-e", f"{key}={value}"]
    argv += [tag, "jaxtutor", "serve", "--host", "127.0.0.1", "--port", str(port)]
    subprocess.run(argv, check=True, capture_output=True, text=True)
    box = Container(name=name, port=port)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            state = subprocess.run(
                ["docker", "inspect", "-f", "{{.State.Running}}", name], capture_output=True, text=True
            ).stdout.strip()
            if state != "true":
                raise RuntimeError(f"the container exited:\n{box.logs()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{box.url}/healthz", timeout=2).status_code == 200:
                    break
            time.sleep(1)
        else:
            raise RuntimeError(f"the server in the container did not answer /healthz:\n{box.logs()}")
        yield box
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)


def grade_through_api(box: Container, *, username: str, lesson_id: str, code: str, timeout_s: float = 600) -> dict:
    """Create an account and a token with the CLI in the container, submit ``code`` and wait for its verdict."""
    created = box.exec("jaxtutor", "users", "create", username, "--password-stdin", stdin="a-long-passphrase-9\n")
    if created.returncode != 0:
        raise RuntimeError(f"users create failed: {created.stdout}{created.stderr}")
    token_proc = box.exec("jaxtutor", "tokens", "create", username)
    if token_proc.returncode != 0:
        raise RuntimeError(f"tokens create failed: {token_proc.stdout}{token_proc.stderr}")
    token = token_proc.stdout.strip().splitlines()[-1].split()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"{box.url}/api/v1", headers=headers, timeout=30) as client:
        made = client.post(f"/lessons/{lesson_id}/submissions", json={"code": code})
        if made.status_code != 202:
            raise RuntimeError(f"submit answered {made.status_code}: {made.text}")
        sub_id = made.json()["id"]
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            state = client.get(f"/submissions/{sub_id}").json()
            if state["status"] == "done":
                return dict(state)
            time.sleep(1)
    raise RuntimeError(f"submission {sub_id} was not graded in {timeout_s} s:\n{box.logs()}")
