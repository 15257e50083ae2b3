"""`jaxtutor lessons new`: a lesson folder that loads and proves itself before the author edits it.

The placeholder is a real, tiny lesson (the starter forgets to scale, the solution scales) so that
`lessons check` passes on it at once; the author then replaces each file, checking as they go.
"""

from __future__ import annotations

import re
from pathlib import Path

from app.lessons.loader import load_lesson
from app.lessons.model import STEP_TITLES, LessonProblem

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")

LESSON_TOML = """\
# The lesson's metadata and checks: lessons/README.md lists every field.
id = "{id}"
title = "{title}"
step = {step}  # {step_title}
order = 0
tags = []
summary = "TODO: one sentence on what the learner practises."
objectives = ["TODO: what the learner can do afterwards"]
expected_minutes = 15
entry = "f"
hints = [
    "TODO: a first, gentle hint.",
    "TODO: a second hint that nearly gives it away.",
]
# Checks the starter must fail: `jaxtutor lessons check` proves it (a skipped check never counts).
starter_fails = ["correctness"]

[checks.correctness]

[checks.jit]
"""

INSTRUCTIONS = """\
# {title}

TODO: explain the task. The learner writes `f(x)`, which returns `2 * x` for a float32 vector `x`.
Say what goes wrong in the starter code and which JAX idea fixes it; link to the JAX documentation
where it helps. The grader runs `f` on the hidden inputs from inputs.py and compares with solution.py.

Keep it short: two to four paragraphs, a code span or two, and the objective in the last sentence.
"""

STARTER = '''\
import jax.numpy as jnp


def f(x):
    # TODO: the code the learner starts from; it must fail the checks in starter_fails.
    return x
'''

SOLUTION = '''\
import jax.numpy as jnp


def f(x):
    # TODO: the reference solution; every enabled check must pass on it.
    return 2 * x
'''

INPUTS = '''\
import numpy as np


def make_args(seed):
    """The hidden inputs: a tuple of arguments for f, different for each seed in lesson.toml."""
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(8,)).astype("float32"),)
'''


class ScaffoldError(ValueError):
    """Why no lesson was written (bad id or step, or the folder exists)."""


def scaffold_lesson(base: Path, lesson_id: str, step: int, title: str | None = None) -> tuple[Path, list[LessonProblem]]:
    """Write ``base/lesson_id`` and load it back; returns the folder and the loader's problems (none)."""
    if not ID_PATTERN.match(lesson_id):
        raise ScaffoldError(
            f"lesson id {lesson_id!r}: expected 2-64 lowercase letters, digits and '-', starting with a letter or digit"
        )
    if step not in STEP_TITLES:
        raise ScaffoldError(f"--step {step}: expected one of {sorted(STEP_TITLES)} ({', '.join(STEP_TITLES.values())})")
    folder = base / lesson_id
    if folder.exists():
        raise ScaffoldError(f"{folder} already exists; choose another id or --dir")
    title = title or lesson_id.replace("-", " ").capitalize()
    fields = {"id": lesson_id, "title": title.replace('"', "'"), "step": step, "step_title": STEP_TITLES[step]}
    folder.mkdir(parents=True)
    files = {
        "lesson.toml": LESSON_TOML.format(**fields),
        "instructions.md": INSTRUCTIONS.format(**fields),
        "starter.py": STARTER,
        "solution.py": SOLUTION,
        "inputs.py": INPUTS,
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    _, problems = load_lesson(folder)
    return folder, problems
