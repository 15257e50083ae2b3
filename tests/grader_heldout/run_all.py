# Runs every h*.py through `jaxtutor check --json` ONE AT A TIME and compares with expected.json.
# Usage (as root, from /work/main): .venv/bin/python tests/grader_heldout/run_all.py [OUTDIR] [files...]
import json, os, subprocess, sys
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
outdir = sys.argv[1] if len(sys.argv) > 1 else "/tmp/heldout_out"
os.makedirs(outdir, exist_ok=True)
exp = json.load(open(os.path.join(here, "expected.json")))
only = sys.argv[2:]
agree = total = 0
for name in sorted(exp):
    if only and name not in only:
        continue
    e = exp[name]
    cmd = [os.path.join(root, ".venv/bin/jaxtutor"), "check", os.path.join(here, name), "--json"] + e.get("_args", [])
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
    open(os.path.join(outdir, name + ".json"), "w").write(p.stdout)
    try:
        rep = json.loads(p.stdout)
        got = {c["name"]: c["status"] for c in rep["checks"]}
    except Exception:
        print(f"{name}: rc={p.returncode} no JSON: {p.stdout[:200]} {p.stderr[-300:]}")
        continue
    bad = []
    for c, want in e.items():
        if c.startswith("_") or c == "why":
            continue
        total += 1
        if got.get(c) == want:
            agree += 1
        else:
            bad.append(f"{c}: want {want} got {got.get(c)}")
    print(f"{name}: {'OK' if not bad else 'DISAGREE ' + '; '.join(bad)}  | got {got}", flush=True)
print(f"agreements {agree}/{total}")
