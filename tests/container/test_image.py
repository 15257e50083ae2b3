"""The Docker image, built from this checkout and run as docs/deployment.md says, on real PostgreSQL.

One test, because building the image is most of its cost (about 15 minutes on the 2-core CI machine with
the vfs storage driver): in the running container `jaxtutor doctor` is ready, the bundled lessons are
listed, a sandboxed Run prints a JAX result, and a bundled lesson's solution submitted through the JSON
API is graded `pass` by the server in the container. The figures (build time, image size, cold start to
the first verdict) are printed; ``benchmarks/container.py`` reports the same ones on their own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.container.image import ROOT, build_image, engine_refusal, grade_through_api, image_size_mb, running
from tests.support.required import unavailable
from tests.web.pg import PgCluster, pg_cluster  # noqa: F401  (the session's throwaway PostgreSQL cluster)

pytestmark = [pytest.mark.container, pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(3600)]

TAG = "jaxtutor:test"
LESSON = "vmap-pairwise-distances"


@pytest.fixture(scope="module")
def image() -> str:
    reason = engine_refusal()
    if reason is not None:
        unavailable("container", reason)
    seconds = build_image(TAG)
    print(f"\nimage built in {seconds:.0f} s, {image_size_mb(TAG):.0f} MB")
    return TAG


def test_image_serves_runs_and_grades(image: str, pg_cluster: PgCluster, tmp_path: Path) -> None:  # noqa: F811
    database_url = pg_cluster.url(pg_cluster.new_database())
    started = time.monotonic()
    with running(image, database_url=database_url, data_dir=tmp_path / "data") as box:
        up = time.monotonic() - started
        doctor = box.exec("jaxtutor", "doctor")
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        assert "ready" in doctor.stdout

        listed = box.exec("jaxtutor", "lessons", "list")
        assert listed.returncode == 0, listed.stderr
        assert LESSON in listed.stdout

        cell = "import jax.numpy as jnp\nprint('sum is', int(jnp.arange(10).sum()))\n"
        ran = box.exec("sh", "-c", "cat > /tmp/cell.py && jaxtutor run /tmp/cell.py", stdin=cell)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert "sum is 45" in ran.stdout

        solution = (ROOT / "lessons" / LESSON / "solution.py").read_text()
        state = grade_through_api(box, username="docker-learner", lesson_id=LESSON, code=solution)
        graded = time.monotonic() - started
        assert state["verdict"] == "pass", state["report"]
        print(f"\ncontainer: /healthz after {up:.1f} s, first verdict after {graded:.1f} s")


def test_compose_file_is_valid() -> None:
    """docker-compose.yml parses and resolves with the variables it requires (it is not brought up: its
    ``postgres:15`` image needs a registry)."""
    exe = shutil.which("docker-compose")
    if exe is None:
        unavailable("container", "docker-compose is missing (scripts/docker-test-engine.sh installs it)")
    env = dict(os.environ, JAXTUTOR_DB_PASSWORD="pw", JAXTUTOR_INVITE_CODE="code")
    proc = subprocess.run(
        [exe, "-f", str(ROOT / "docker-compose.yml"), "config"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "privileged" not in proc.stdout and "SYS_ADMIN" in proc.stdout
