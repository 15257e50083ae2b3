#!/usr/bin/env python3
"""Grade the held-out lesson submissions and compare with expected.json.

Usage:
    python run_lessons.py [OUT_DIR] [FILTER ...]

OUT_DIR   folder for the JSON reports (default /tmp/heldout_lessons). It is taken as the output
          folder when it starts with '/', './', '../' or '~'; otherwise every argument is a filter.
FILTER    substrings; only entries "<lesson-id>/<file>.py" containing one of them are graded.

For each entry of expected.json, runs (cwd /work/main, one at a time)
    /work/main/.venv/bin/jaxtutor grade <lesson-id> <file> --json
parses the report (top-level `status` is the verdict, `checks` a list of {name, status, ...}) and
compares the verdict and every check listed in the expectation. Prints one line per file (OK or
DISAGREE with details) and `agreements X/Y` at the end. Exit status 0 when all agree, 1 otherwise.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = Path("/work/main")
JAXTUTOR = REPO / ".venv" / "bin" / "jaxtutor"
DEFAULT_OUT = Path("/tmp/heldout_lessons")
TIMEOUT_S = 900  # per grading; a few lessons allow total_s up to 300 s, plus kernel start-up
NON_CHECK_KEYS = {"verdict", "why"}


def parse_args(argv: list[str]) -> tuple[Path, list[str]]:
    out, filters = DEFAULT_OUT, list(argv)
    if filters and filters[0].startswith(("/", "./", "../", "~")):
        out = Path(os.path.expanduser(filters.pop(0)))
    return out, filters


def extract_json(text: str):
    """The report is JSON on stdout; tolerate log lines around it."""
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        try:
            return json.loads(text[start:end + 1])
        except json.JSONDecodeError:
            pass
    return None


def check_statuses(report: dict) -> dict[str, dict]:
    checks = report.get("checks") or []
    if isinstance(checks, dict):  # tolerate {name: {...}} as well
        return {k: (v if isinstance(v, dict) else {"status": v}) for k, v in checks.items()}
    return {c.get("name"): c for c in checks if isinstance(c, dict)}


def short(check: dict) -> str:
    for key in ("message", "detail", "details", "reason", "summary"):
        val = check.get(key)
        if val:
            s = val if isinstance(val, str) else json.dumps(val)[:300]
            return " ".join(s.split())[:200]
    return ""


def grade(key: str, out_dir: Path) -> tuple[dict | None, str]:
    lesson, fname = key.split("/", 1)
    path = HERE / lesson / fname
    cmd = [str(JAXTUTOR), "grade", lesson, str(path), "--json"]
    try:
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {TIMEOUT_S}s"
    raw = out_dir / (key.replace("/", "__") + ".out.txt")
    raw.write_text(f"$ {' '.join(cmd)}\n[rc={proc.returncode}]\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}")
    report = extract_json(proc.stdout)
    if report is None:
        tail = " ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])[:300]
        return None, f"no JSON report (rc={proc.returncode}): {tail}"
    (out_dir / (key.replace("/", "__") + ".json")).write_text(json.dumps(report, indent=2))
    return report, ""


def compare(exp: dict, report: dict) -> list[str]:
    problems = []
    verdict = report.get("status")
    if verdict != exp["verdict"]:
        problems.append(f"verdict expected {exp['verdict']} got {verdict}")
    got = check_statuses(report)
    for name, want in exp.items():
        if name in NON_CHECK_KEYS:
            continue
        c = got.get(name)
        if c is None:
            problems.append(f"{name}: expected {want}, check absent from report")
        elif c.get("status") != want:
            problems.append(f"{name}: expected {want} got {c.get('status')} ({short(c)})")
    return problems


def main(argv: list[str]) -> int:
    out_dir, filters = parse_args(argv)
    out_dir.mkdir(parents=True, exist_ok=True)
    expected = json.loads((HERE / "expected.json").read_text())
    keys = [k for k in expected if not filters or any(f in k for f in filters)]
    agree = 0
    for key in keys:
        exp = expected[key]
        t0 = time.monotonic()
        report, err = grade(key, out_dir)
        dt = time.monotonic() - t0
        if report is None:
            print(f"DISAGREE {key} ({dt:.0f}s): {err}", flush=True)
            continue
        problems = compare(exp, report)
        if problems:
            allc = ", ".join(f"{n}={c.get('status')}" for n, c in check_statuses(report).items())
            print(f"DISAGREE {key} ({dt:.0f}s): " + "; ".join(problems) + f"  [all: {allc}]", flush=True)
        else:
            agree += 1
            print(f"OK       {key} ({dt:.0f}s): {report.get('status')}", flush=True)
    print(f"agreements {agree}/{len(keys)}  (reports in {out_dir})")
    return 0 if agree == len(keys) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
