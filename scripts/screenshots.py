"""Take the README's screenshots (docs/screenshots/) in Debian's Chromium against a real server.

Usage: PYTHONPATH=. .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Starts ``jaxtutor serve`` on loopback with the real lessons, signs a learner up, submits a lesson's
reference solution (the real grader reports, with its speedup chart), and shoots the catalog, the
lesson page and the report at 1280 px and 375 px wide, light and dark. Needs /usr/bin/chromium and
the playwright package (dev dependencies); it does not download anything.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import expect, sync_playwright

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
LESSON = "vmap-pairwise-distances"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(root: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAXTUTOR_")} | {
        "JAXTUTOR_DATA_DIR": str(root / "data"),
        "JAXTUTOR_RUNTIME_DIR": str(root / "rt"),
        "JAXTUTOR_LESSON_DIRS": json.dumps([str(REPO / "lessons")]),
        "JAXTUTOR_COOKIE_SECURE": "false",
        "JAXTUTOR_POOL_WARM_KERNELS": "1",
    }
    if os.environ.get("JAXTUTOR_UNSAFE_NO_SANDBOX"):
        env["JAXTUTOR_UNSAFE_NO_SANDBOX"] = "1"
    port = free_port()
    log = (root / "server.log").open("w")
    cmd = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited; see {root / 'server.log'}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return proc, url
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    expect.set_options(timeout=240_000)
    args.out.mkdir(parents=True, exist_ok=True)
    base = "/run" if os.access("/run", os.W_OK) else None
    root = Path(tempfile.mkdtemp(prefix="jts", dir=base))
    root.chmod(0o711)
    proc, url = serve(root)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 860})
            page = context.new_page()
            page.set_default_timeout(240_000)
            page.goto(url + "/signup")
            page.get_by_label("Username").fill("ada")
            page.get_by_label("Password").fill("learner-password")
            page.get_by_label("Password").press("Enter")
            page.goto(f"{url}/lessons/{LESSON}")
            solution = (REPO / "lessons" / LESSON / "solution.py").read_text()
            page.evaluate("c => document.querySelector('.CodeMirror').CodeMirror.setValue(c)", solution)
            page.get_by_role("button", name="Run", exact=True).click()
            expect(page.locator("#run-output .run-done")).to_be_visible()
            page.get_by_role("button", name="Submit").click()
            expect(page.locator("#submission .verdict")).to_be_visible()
            report = page.locator("#history tbody a").first.get_attribute("href")
            pages = {"catalog": "/", "lesson": f"/lessons/{LESSON}", "report": str(report)}
            for theme in ("light", "dark"):
                page.evaluate("t => localStorage.setItem('jaxtutor:theme', t)", theme)
                for width, height in ((1280, 860), (375, 812)):
                    page.set_viewport_size({"width": width, "height": height})
                    for name, path in pages.items():
                        page.goto(url + path)
                        page.wait_for_load_state("networkidle")
                        if theme == "dark" and name != "lesson":
                            continue  # one dark page is enough to show the theme
                        suffix = "" if theme == "light" else "-dark"
                        full = name == "report" and width > 400  # the whole report, chart included
                        page.screenshot(path=str(args.out / f"{name}-{width}{suffix}.png"), full_page=full)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
