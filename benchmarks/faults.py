"""Issue 13's "Done when" figures in one run, against real processes.

1. ``5xx under fuzz``: server errors under schemathesis' generated requests for every API operation plus
   every page POST under tight rate limits (``benchmarks.hardening.fuzz``, in process).
2. ``peak server memory under the oversized upload``: a real ``jaxtutor serve``'s peak resident set
   (VmHWM) against its idle RSS around an anonymous chunked upload of ``--mib`` MiB
   (``benchmarks.hardening.upload``); the target is within 50 MiB of idle.
3. ``submissions lost or wrongly error across the faults``: the fault scenarios of tests/faults/
   (``tests.faults.scenarios``: kill -9 of the server during grading, kill -9 of a kernel mid-Run, a full
   data dir on a real tmpfs, a read-only database), each grading a correct solution with the real grader
   in real (sandboxed where the host allows it) kernels; every submission's final row is counted: not
   graded (lost) or stored as ``error`` (wrong, since every one is correct).

Usage (as root, from the repository with PYTHONPATH set):
``python -m benchmarks.faults [--mib 200] [--examples 20] [--skip fuzz,upload,faults]``. Prints the
figures and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.hardening import fuzz, upload
from tests.faults import scenarios
from tests.web.conftest import make_short_dir


def _tmpfs(root: Path, mib: int) -> Path:
    mount = root / "data"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={mib}m,mode=0755", "tmpfs", str(mount)], check=True)
    return mount


def _scenario(name: str, run: Callable[[Path], scenarios.Outcome]) -> dict[str, Any]:
    root = make_short_dir("jtfb")
    t0 = time.perf_counter()
    try:
        out = run(root)
        result: dict[str, Any] = {
            "submissions": len(out.submissions),
            "lost": out.lost,
            "wrongly_error": out.wrongly_error,
            "states": [(s["status"], s["verdict"], s["infra_failures"]) for s in out.submissions],
            "seen": {k: v for k, v in out.seen.items() if k not in ("write_body", "after_kill")},
        }
    except Exception as exc:  # a scenario that broke is a figure too, never a silent zero
        result = {"error": f"{type(exc).__name__}: {exc}"[:500], "lost": None, "wrongly_error": None}
        logs = sorted(root.glob("*.log"))
        result["log_tail"] = logs[-1].read_text(errors="replace")[-1500:] if logs else ""
    finally:
        subprocess.run(["umount", "-l", str(root / "data")], capture_output=True, check=False)
        subprocess.run(["chattr", "-R", "-i", str(root)], capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    print(f"  {name}: {json.dumps(result, default=str)}", flush=True)
    return result


def faults(sandbox: bool) -> dict[str, Any]:
    runs = {
        "kill_server_during_grading": lambda root: scenarios.kill_server_during_grading(root, sandbox=sandbox),
        "kill_kernel_mid_run": lambda root: scenarios.kill_kernel_mid_run(root, sandbox=sandbox),
        "full_data_dir": lambda root: scenarios.full_data_dir(root, _tmpfs(root, 64), sandbox=sandbox),
        "full_data_dir_before_grading": lambda root: scenarios.full_data_dir_before_grading(
            root, _tmpfs(root, 64), sandbox=sandbox
        ),
        "read_only_database": lambda root: scenarios.read_only_database(root, sandbox=sandbox),
    }
    results = {name: _scenario(name, run) for name, run in runs.items()}
    broken = [name for name, r in results.items() if "error" in r]
    return {
        "sandboxed_kernels": sandbox,
        "scenarios": results,
        "submissions": sum(int(r.get("submissions") or 0) for r in results.values()),
        "lost": sum(int(r["lost"] or 0) for r in results.values()),
        "wrongly_error": sum(int(r["wrongly_error"] or 0) for r in results.values()),
        "scenarios_that_broke": broken,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=200, help="Size of the chunked upload (MiB).")
    parser.add_argument("--examples", type=int, default=20, help="Generated cases per API operation.")
    parser.add_argument("--skip", default="", help="Comma-separated parts to leave out: fuzz, upload, faults.")
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    figures: dict[str, Any] = {}
    if "fuzz" not in skip:
        counts = fuzz(args.examples)
        figures["fuzz"] = counts
        print(f"5xx under fuzz: {counts['server_errors']} of {counts['requests']} requests", flush=True)
    if "upload" not in skip:
        up = upload(args.mib, 1024)
        figures["upload"] = up
        print(
            f"chunked {up['upload_mib']} MiB upload: HTTP {up['status']}; server RSS idle {up['idle_rss_mib']} MiB, "
            f"peak {up['peak_rss_mib']} MiB: {up['peak_over_idle_mib']} MiB over idle",
            flush=True,
        )
    if "faults" not in skip:
        from tests.conftest import sandbox_refusal

        found = faults(sandbox_refusal() is None)
        figures["faults"] = found
        print(
            f"submissions lost or wrongly error across the faults: {found['lost']} lost, "
            f"{found['wrongly_error']} wrongly error, of {found['submissions']} "
            f"(scenarios that broke: {found['scenarios_that_broke'] or 'none'})",
            flush=True,
        )
    print(json.dumps(figures, default=str))


if __name__ == "__main__":
    main()
