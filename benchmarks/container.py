"""The Docker image: build time, image size and cold start to the first graded submission, in one run.

    sudo .venv/bin/python -m benchmarks.container [--no-build] [--lesson vmap-pairwise-distances]

Needs a Docker engine and the base image (``sudo scripts/docker-test-engine.sh``). Builds the image from
this checkout (``--no-build`` reuses the tag ``jaxtutor:test``), starts a throwaway PostgreSQL cluster
(tests/web/pg.py), runs the image with the deployment guide's flags, and measures from ``docker run`` to
the server answering ``/healthz`` and to the verdict of a bundled solution submitted through the JSON API.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tests.container.image import ROOT, build_image, engine_refusal, grade_through_api, image_size_mb, running
from tests.web.pg import skip_reason, throwaway_cluster

TAG = "jaxtutor:test"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="reuse the image tagged jaxtutor:test")
    parser.add_argument("--lesson", default="vmap-pairwise-distances")
    args = parser.parse_args()
    reason = engine_refusal() or skip_reason()
    if reason:
        print(f"cannot run: {reason}")
        return 2
    if not args.no_build:
        print(f"build: {build_image(TAG):.0f} s")
    print(f"image size: {image_size_mb(TAG):.0f} MB")
    solution = (ROOT / "lessons" / args.lesson / "solution.py").read_text()
    with throwaway_cluster() as pg, tempfile.TemporaryDirectory() as tmp:
        url = pg.url(pg.new_database())
        started = time.monotonic()
        with running(TAG, database_url=url, data_dir=Path(tmp) / "data") as box:
            up = time.monotonic() - started
            state = grade_through_api(box, username="bench", lesson_id=args.lesson, code=solution)
            graded = time.monotonic() - started
    print(f"cold start: /healthz after {up:.1f} s; first verdict ({state['verdict']}) after {graded:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
