"""`jaxtutor check` against `nbgrader autograde` on the same softmax task, side by side in one run.

    sudo PYTHONPATH=$PWD .venv/bin/python -m benchmarks.vs_nbgrader [--repeat 7] [--before CHECKOUT] [--weight N]

nbgrader is installed from the package index into its OWN virtualenv (``--venv``, default
``~/.cache/jaxtutor-bench/nbgrader-venv``), never into the project's environments; when the index cannot be
reached the benchmark says so and exits 0 (skipped). Its notebooks run in a kernelspec whose interpreter is
the kernels' venv (``Settings.kernel_python_path()``), so both tools execute the learner's code with the
same JAX. nbgrader runs that kernel unsandboxed, as it normally does; jaxtutor runs its sandboxed kernel.

The task: a course with a ``softmax`` assignment whose source notebook has a graded solution cell and two
autograder test cells, written as a fair nbgrader user would: outputs compared with a NumPy reference on
three inputs, and a Python-loop baseline that must be slower than the learner's function. After
``nbgrader generate_assignment`` a student submission (the released notebook with the solution filled in)
is put in ``submitted/``. `jaxtutor check` gets the same learner function with the same reference, inputs
and loop baseline in one file.

Each repeat runs both commands end to end as subprocesses (wall clock), alternating which goes first; one
untimed warm-up of each comes first. As root, each tool's whole process tree runs in its own cpu cgroup
of equal weight (``--weight`` times the default), whose CPU-seconds are reported too; ``--before`` times
another jaxtutor checkout in the same rounds. Printed: the medians, the median of the per-round ratios
jaxtutor/nbgrader with its min-max, the load average before and after, and what each tool checked.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from app.config import Settings

ROOT = Path(__file__).resolve().parent.parent
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
KERNEL_NAME = "jaxtutor-bench"
ASSIGNMENT = "softmax"
STUDENT = "student1"

#: The learner's function: the same text goes into the nbgrader submission and into `jaxtutor check`.
STUDENT_CODE = """\
import jax
import jax.numpy as jnp


@jax.jit
def softmax(x):
    z = x - jnp.max(x, axis=-1, keepdims=True)
    e = jnp.exp(z)
    return e / jnp.sum(e, axis=-1, keepdims=True)
"""

SOLUTION_CELL = """\
import jax
import jax.numpy as jnp


@jax.jit
def softmax(x):
    ### BEGIN SOLUTION
    z = x - jnp.max(x, axis=-1, keepdims=True)
    e = jnp.exp(z)
    return e / jnp.sum(e, axis=-1, keepdims=True)
    ### END SOLUTION
"""

INPUTS = """\
import numpy as np


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(64, 128)).astype("float32"),)
"""

REFERENCE = """\
def reference(x):
    z = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)
"""

BASELINE = """\
def baseline(x):
    rows = []
    for i in range(x.shape[0]):
        e = jnp.exp(x[i] - jnp.max(x[i]))
        rows.append(e / jnp.sum(e))
    return jnp.stack(rows)
"""

TEST_CORRECT = f"""\
{INPUTS}
### BEGIN HIDDEN TESTS
{REFERENCE}
for seed in range(3):
    (x,) = example_args(seed)
    np.testing.assert_allclose(np.asarray(softmax(x)), reference(x), rtol=1e-5, atol=1e-6)
### END HIDDEN TESTS
"""

TEST_SPEED = f"""\
import timeit

{BASELINE}
(x,) = example_args(0)
softmax(x).block_until_ready()  # compile first: only the run time is compared
baseline(x).block_until_ready()
t_yours = min(timeit.repeat(lambda: softmax(x).block_until_ready(), number=20, repeat=5)) / 20
t_loop = min(timeit.repeat(lambda: baseline(x).block_until_ready(), number=1, repeat=5))
assert t_yours < t_loop, f"not faster than the Python loop: {{t_yours:.2e}} s vs {{t_loop:.2e}} s"
"""


def _cell(kind: str, source: str, **grading: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if grading:
        meta["nbgrader"] = {"schema_version": 3, "locked": False, "solution": False, "grade": False, **grading}
    cell: dict[str, Any] = {"cell_type": kind, "id": grading.get("grade_id", kind), "metadata": meta, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def source_notebook() -> dict[str, Any]:
    cells = [
        _cell("markdown", "Write a jitted, vectorised `softmax(x)` over the last axis.", grade_id="intro", locked=True),
        _cell("code", SOLUTION_CELL, grade_id="softmax", solution=True),
        _cell("code", TEST_CORRECT, grade_id="test_correct", grade=True, locked=True, points=3),
        _cell("code", TEST_SPEED, grade_id="test_speed", grade=True, locked=True, points=2),
    ]
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"name": KERNEL_NAME, "display_name": "JAX (bench)", "language": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def check_file() -> str:
    """What `jaxtutor check` gets: the learner's function plus the task's inputs, reference and baseline."""
    return "\n\n".join([STUDENT_CODE, INPUTS, REFERENCE, BASELINE])


# -- nbgrader's own environment -----------------------------------------------------------------------------
def ensure_nbgrader(venv: Path) -> Path | None:
    """The nbgrader executable in its own venv, installed from the index if needed; None if unreachable."""
    exe = venv / "bin" / "nbgrader"
    if exe.exists():
        return exe
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    env = {**os.environ, "SSL_CERT_FILE": CA_BUNDLE}
    pip = [str(venv / "bin" / "pip"), "install", "-q", "--cert", CA_BUNDLE, "nbgrader"]
    try:
        done = subprocess.run(pip, env=env, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        print("SKIP: installing nbgrader from the package index timed out (is the index reachable?)")
        return None
    if done.returncode != 0 or not exe.exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        print("SKIP: cannot install nbgrader from the package index:\n  " + "\n  ".join(tail))
        shutil.rmtree(venv, ignore_errors=True)
        return None
    return exe


def make_course(work: Path, kernel_python: str) -> Path:
    """Course directory, kernelspec (its python has jax) and a student's submission in ``submitted/``."""
    spec = work / "jupyter" / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    argv = [kernel_python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "JAX (bench)", "language": "python", "env": {"JAX_PLATFORMS": "cpu"}}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    course = work / "course"
    shutil.rmtree(course, ignore_errors=True)
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'jaxbench'\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.ExecutePreprocessor.kernel_name = {KERNEL_NAME!r}\n"
        "c.Execute.timeout = 300\n"
    )
    (course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(source_notebook(), indent=1))
    return course


def nbgrader_env(work: Path, exe: Path) -> dict[str, str]:
    """As if its venv were activated (nbgrader runs ``alembic`` from PATH), with the bench kernelspec."""
    path = f"{exe.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, "JUPYTER_PATH": str(work / "jupyter"), "JUPYTER_CONFIG_DIR": str(work / "cfg")}


def submit(course: Path, exe: Path, env: dict[str, str]) -> None:
    _run([str(exe), "generate_assignment", ASSIGNMENT, "--force"], course, env)
    released = json.loads((course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    for cell in released["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("solution"):
            cell["source"] = STUDENT_CODE  # the student replaces the stub with their answer
    target = course / "submitted" / STUDENT / ASSIGNMENT
    target.mkdir(parents=True, exist_ok=True)
    (target / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(released))
    (target / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC")


def _run(
    argv: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)
) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.monotonic()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    wall = time.monotonic() - t0
    if done.returncode not in ok or "| ERROR]" in done.stderr:
        raise RuntimeError(f"{argv[0]} {argv[1]} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return wall, done


def nbgrader_outcome(course: Path) -> list[str]:
    """Per graded test cell: its id, points and whether its asserts held."""
    nb = json.loads((course / "autograded" / STUDENT / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    rows = []
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade"):
            failed = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
            rows.append(f"{meta['grade_id']} ({meta.get('points', 0)} pt): {'FAIL' if failed else 'pass'}")
    return rows


# -- equal footing on a shared host ---------------------------------------------------------------------------
class ToolGroup:
    """One cpu (and, on cgroup v1, cpuacct) cgroup per tool, directly below the root, each with the default
    weight: each tool's whole process tree (CLI, kernels) competes as one entity, and its CPU-seconds are
    read from the group. Without it, `jaxtutor check`'s kernels would share the ``jaxtutor`` kernel group
    with every other sandboxed kernel on the host, while nbgrader's kernel competes as a plain process."""

    def __init__(self, name: str, weight: int = 1) -> None:
        self.name = name
        root = Path("/sys/fs/cgroup")
        self.v2 = (root / "cgroup.controllers").exists()
        self.dirs = [root / name] if self.v2 else [root / "cpu" / name, root / "cpuacct" / name]
        for d in self.dirs:
            d.mkdir(exist_ok=True)
        if weight != 1:  # both tools alike: how they compare on a machine where they get more of the CPUs
            if self.v2:
                (self.dirs[0] / "cpu.weight").write_text(str(min(10000, 100 * weight)))
            else:
                (self.dirs[0] / "cpu.shares").write_text(str(1024 * weight))
        self.procs = (
            [d / "cli" / "cgroup.procs" for d in self.dirs] if self.v2 else [d / "cgroup.procs" for d in self.dirs]
        )
        if self.v2:
            (root / name / "cli").mkdir(exist_ok=True)

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` started inside this group (the shell joins it, then execs)."""
        joins = "; ".join(f"echo $$ > {f}" for f in self.procs)
        return ["sh", "-c", f'{joins}; exec "$@"', "sh", *argv]

    def cpu_s(self) -> float:
        if self.v2:
            stat = dict(line.split() for line in (self.dirs[0] / "cpu.stat").read_text().splitlines())
            return int(stat["usage_usec"]) / 1e6
        return int((self.dirs[1] / "cpuacct.usage").read_text()) / 1e9

    def remove(self) -> None:
        # Kernel cgroups go below the CLI's own (``<own>/jaxtutor``, the default) and are gone by now.
        for d in self.dirs:
            for sub in (d / "cli" / "jaxtutor", d / "cli", d / "jaxtutor", d):
                with contextlib.suppress(OSError):
                    sub.rmdir()


def tool_groups(names: list[str], weight: int = 1) -> dict[str, ToolGroup] | None:
    try:
        return {tool: ToolGroup(f"jt-vs-nbgrader-{tool}-{os.getpid()}", weight) for tool in names}
    except OSError as exc:
        print(f"note: no per-tool cgroups ({exc.__class__.__name__}); both tools compete with the host as they are")
        return None


# -- the comparison -----------------------------------------------------------------------------------------
def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each tool, interleaved")
    parser.add_argument("--venv", type=Path, default=Path.home() / ".cache" / "jaxtutor-bench" / "nbgrader-venv")
    parser.add_argument("--no-cgroups", action="store_true", help="do not give each tool its own cpu cgroup")
    parser.add_argument(
        "--weight",
        type=int,
        default=1,
        help="CPU weight of each tool's cgroup in multiples of the default (the same for every tool): above 1 "
        "approximates a quieter machine on a shared one",
    )
    parser.add_argument(
        "--before", type=Path, default=None, help="another jaxtutor checkout to time too, interleaved (before/after)"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="course and kernelspec (default: a temp dir)")
    args = parser.parse_args(argv)

    exe = ensure_nbgrader(args.venv)
    if exe is None:
        return 0
    work = args.workdir or Path(tempfile.mkdtemp(prefix="jt-vs-nbgrader-"))
    work.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    course = make_course(work, settings.kernel_python_path())
    env = nbgrader_env(work, exe)
    submit(course, exe, env)
    task = work / "softmax_check.py"
    task.write_text(check_file())
    jt_argv = ["-m", "app.cli", "check", str(task), "--entry", "softmax", "--json"]
    tools = {
        "nbgrader": Tool([str(exe), "autograde", ASSIGNMENT, "--force"], course, env, (0,)),
        "jaxtutor": Tool([sys.executable, *jt_argv], ROOT, {**os.environ, "PYTHONPATH": str(ROOT)}, (0, 1)),
    }
    if args.before:
        before_env = {**os.environ, "PYTHONPATH": str(args.before)}
        tools["jaxtutor-before"] = Tool([sys.executable, *jt_argv], args.before, before_env, (0, 1))
    groups = None if args.no_cgroups else tool_groups(list(tools), args.weight)
    try:
        return compare(args.repeat, tools, groups, course, args.weight)
    finally:
        for group in (groups or {}).values():
            group.remove()


class Tool:
    """One command timed end to end as a subprocess."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...]) -> None:
        self.argv, self.cwd, self.env, self.ok = argv, cwd, env, ok
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.last: subprocess.CompletedProcess[str] | None = None

    def once(self, group: ToolGroup | None) -> None:
        before = group.cpu_s() if group else 0.0
        wall, self.last = _run(group.wrap(self.argv) if group else self.argv, self.cwd, self.env, self.ok)
        self.wall.append(wall)
        if group:
            self.cpu.append(group.cpu_s() - before)


def compare(
    repeat: int, tools: dict[str, Tool], groups: dict[str, ToolGroup] | None, course: Path, args_weight: int = 1
) -> int:
    names = list(tools)
    load_before = os.getloadavg()
    for name in names:  # warm-up (file caches, first imports), not counted
        tools[name].once(groups[name] if groups else None)
        tools[name].wall.clear()
        tools[name].cpu.clear()
    for i in range(repeat):
        order = names[i % len(names) :] + names[: i % len(names)]  # who goes first rotates
        for name in order:
            tools[name].once(groups[name] if groups else None)
        print(f"  round {i + 1}: " + ", ".join(f"{n} {tools[n].wall[-1]:.2f} s" for n in names))
    load_after = os.getloadavg()

    print()
    for name in names:
        cpu = f"; CPU-seconds median {statistics.median(tools[name].cpu):.2f}" if tools[name].cpu else ""
        print(f"{name:>16}: {spread(tools[name].wall)}{cpu}")
    for name in names[1:]:
        ratios = [j / n for j, n in zip(tools[name].wall, tools["nbgrader"].wall, strict=True)]
        print(
            f"ratio {name}/nbgrader: median {statistics.median(ratios):.2f}x over {len(ratios)} interleaved runs "
            f"(min {min(ratios):.2f}, max {max(ratios):.2f}); target <= 0.50"
        )
    if "jaxtutor-before" in tools:
        after = [a / b for a, b in zip(tools["jaxtutor"].wall, tools["jaxtutor-before"].wall, strict=True)]
        print(
            f"ratio jaxtutor/jaxtutor-before: median {statistics.median(after):.2f}x "
            f"(min {min(after):.2f}, max {max(after):.2f})"
        )
    if groups:
        print(f"(each tool's process tree ran in its own cpu cgroup below the root, weight {args_weight}x default)")
    print("load average (1, 5, 15 min): before " + " ".join(f"{v:.2f}" for v in load_before), end="")
    print(", after " + " ".join(f"{v:.2f}" for v in load_after) + f"; {os.cpu_count()} CPUs")
    print("\nnbgrader checked (asserts in its test cells only):")
    for row in nbgrader_outcome(course):
        print(f"  {row}")
    last = tools["jaxtutor"].last
    report = json.loads(last.stdout if last else "{}")
    print(f"jaxtutor checked ({report['status']}):")
    for check in report["checks"]:
        print(f"  {check['name']}: {check['status']} - {check['message']}")
    timings = report.get("timings", {})
    phases = {k: v for k, v in timings.items() if k.startswith("phase_") and k.endswith("_s") and "compile" not in k}
    print(f"jaxtutor's last run: total {timings.get('total_s', 0):.2f} s in-process; phases {phases}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
