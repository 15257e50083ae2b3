"""Run the held-out corpus through `jaxtutor check --json`, ONE program at a time, and compare each check's
status with the folder's expected.json (the top folder, batch 1, and batch2/).

    sudo .venv/bin/python tests/grader_heldout/run_all.py [OUTDIR] [FILE ...]

FILE names a program (`h03_global_config_dict_mutated.py`, `batch2/b15_fold_in_same_data_twice.py`); the
reports are written to OUTDIR (default /tmp/heldout_out).
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FOLDERS = ("", "batch2", "batch3", "batch4", "batch5")


def main() -> None:
    outdir = sys.argv[1] if len(sys.argv) > 1 else "/tmp/heldout_out"
    only = set(sys.argv[2:])
    agree = total = 0
    for folder in FOLDERS:
        expected = json.load(open(os.path.join(HERE, folder, "expected.json")))
        for name in sorted(expected):
            rel = os.path.join(folder, name)
            if only and rel not in only:
                continue
            a, t = run_one(rel, expected[name], outdir)
            agree, total = agree + a, total + t
    print(f"agreements {agree}/{total}")


def run_one(rel: str, want: dict, outdir: str) -> tuple[int, int]:
    args = [str(a) for a in want.get("_args", [])]
    cmd = [os.path.join(ROOT, ".venv/bin/jaxtutor"), "check", os.path.join(HERE, rel), "--json", *args]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    os.makedirs(os.path.join(outdir, os.path.dirname(rel)), exist_ok=True)
    with open(os.path.join(outdir, rel + ".json"), "w") as out:
        out.write(p.stdout)
    try:
        got = {c["name"]: c["status"] for c in json.loads(p.stdout)["checks"]}
    except Exception:
        print(f"{rel}: rc={p.returncode} no JSON: {p.stdout[:200]} {p.stderr[-300:]}")
        return 0, 0
    checks = {c: s for c, s in want.items() if not c.startswith("_") and c != "why"}
    bad = [f"{c}: want {s} got {got.get(c)}" for c, s in checks.items() if got.get(c) != s]
    print(f"{rel}: {'OK' if not bad else 'DISAGREE ' + '; '.join(bad)}  | got {got}", flush=True)
    return len(checks) - len(bad), len(checks)


if __name__ == "__main__":
    main()
