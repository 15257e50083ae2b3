"""Try: run the learner's ``f`` on the lesson's PUBLIC examples in their own Run kernel.

A lesson declares ``public_seeds`` (disjoint from the graded ``seeds``). Their inputs and the reference
solution's outputs are computed once per lesson version in a fresh sandboxed kernel, never the learner's
(``PublicExamples``; cached in memory and on disk beside the grader's reference cache). The learner's
kernel then receives only those public inputs and expected outputs (``try_cell``): never ``inputs.py``, the
solution, or a graded seed. Values travel as JSON with arrays as ``.npy`` bytes
(``kernels/tryout_helpers.py``, whose source is sent along so both kernels and the host agree).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.config import Settings
from app.grader.checks.correctness import CorrectnessCheck
from app.lessons.model import Lesson
from kernels import tryout_helpers
from kernels.runtime import KernelHandle, KernelStartError

if TYPE_CHECKING:
    from app.grader.kernel_source import KernelSource

MARK = "JT-PUBLIC-EXAMPLES "


class TryUnavailable(RuntimeError):
    """The lesson has no public examples, or they could not be computed (the message says which)."""


@dataclass(frozen=True)
class Example:
    seed: int
    args: Any  # encoded (tryout_helpers.encode)
    expected: Any  # encoded
    args_summary: list[str]
    expected_summary: str


def helpers_source() -> str:
    return (resources.files("kernels") / "tryout_helpers.py").read_text(encoding="utf-8")


def _module_cell(name: str) -> str:
    """Define ``tryout_helpers`` in the kernel as a module called ``name`` without importing the project."""
    return (
        "import types as _jt_types\n"
        f"{name} = _jt_types.ModuleType({name!r})\n"
        f"exec(compile({helpers_source()!r}, '<jaxtutor-try>', 'exec'), {name}.__dict__)\n"
        "del _jt_types\n"
    )


def reference_cell(lesson: Lesson) -> str:
    """For the sandboxed reference kernel: the lesson's inputs and solution, run on the public seeds only."""
    return (
        _module_cell("_jt_h")
        + "import json as _jt_json\n"
        + "_jt_ns = {'__name__': '__jt_lesson__'}\n"
        + f"exec(compile({lesson.inputs!r}, 'inputs.py', 'exec'), _jt_ns)\n"
        + f"exec(compile({lesson.solution!r}, 'solution.py', 'exec'), _jt_ns)\n"
        + "_jt_out = []\n"
        + f"for _jt_seed in {list(lesson.meta.public_seeds)!r}:\n"
        + "    _jt_args = _jt_ns['make_args'](_jt_seed)\n"
        + f"    _jt_res = _jt_ns[{lesson.meta.entry!r}](*{_as_given(lesson, '_jt_h', '_jt_args')})\n"
        + "    _jt_out.append({'seed': _jt_seed, 'args': _jt_h.encode(tuple(_jt_args)),\n"
        + "                    'expected': _jt_h.encode(_jt_res)})\n"
        + f"print({MARK!r} + _jt_json.dumps(_jt_out))\n"
    )


def _as_given(lesson: Lesson, helpers: str, args: str) -> str:
    """The expression for ``args`` as the lesson's entry receives them (``inputs_as``), as in grading."""
    return f"{helpers}.as_jax({args})" if lesson.meta.inputs_as == "jax" else args


def tolerances(lesson: Lesson) -> tuple[float, float]:
    check = lesson.meta.checks.config("correctness", CorrectnessCheck)
    # Without the lesson's own tolerances: the grader's float32 defaults (lessons/README.md).
    rtol = check.rtol if check is not None and check.rtol is not None else 1e-4
    atol = check.atol if check is not None and check.atol is not None else 1e-5
    return rtol, atol


def try_cell(lesson: Lesson, code: str, examples: list[Example]) -> str:
    """The learner's code, then a driver that calls their entry on the public examples and compares."""
    rtol, atol = tolerances(lesson)
    payload = json.dumps([{"seed": e.seed, "args": e.args, "expected": e.expected} for e in examples])
    entry = lesson.meta.entry
    driver = (
        "def _jt_try():\n"
        "    import json\n"
        + "".join("    " + line + "\n" for line in _module_cell("h").splitlines())
        + f"    fn = globals().get({entry!r})\n"
        "    if not callable(fn):\n"
        f"        print('Define a function named {entry} first: Try calls it on the public examples.')\n"
        "        return\n"
        f"    for i, ex in enumerate(json.loads({payload!r}), 1):\n"
        "        args, expected = h.decode(ex['args']), h.decode(ex['expected'])\n"
        "        print(f\"Example {i} (public seed {ex['seed']})\")\n"
        "        print('  expected: ' + h.summary(expected))\n"
        "        try:\n"
        f"            got = fn(*{_as_given(lesson, 'h', 'args')})\n"
        "        except Exception as exc:\n"
        f"            print(f'  yours:    {entry} raised {{type(exc).__name__}}: {{exc}}')\n"
        "            continue\n"
        "        print('  yours:    ' + h.summary(got))\n"
        f"        why = h.compare(got, expected, {rtol!r}, {atol!r})\n"
        "        print('  \\u2713 matches the expected output' if why is None else '  \\u2717 differs: ' + why)\n"
        "_jt_try()\n"
        "del _jt_try\n"
    )
    return code.rstrip("\n") + "\n\n" + driver


class PublicExamples:
    """The public examples of each lesson version, computed in a sandboxed reference kernel and cached."""

    def __init__(self, settings: Settings, source: KernelSource | None = None) -> None:
        self.settings = settings
        self._source = source  # default: the grader's cold sandboxed kernels (or the Kernel Gateway)
        self._memo: dict[tuple[str, str], list[Example]] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def source(self) -> KernelSource:
        if self._source is None:
            from app.grader.kernel_source import default_source

            self._source = default_source(self.settings)
        return self._source

    def _path(self, lesson: Lesson) -> Path:
        """Per lesson version and JAX version (the reference's outputs may change with JAX)."""
        from app.grader.pipeline import kernel_jax_version

        jax = kernel_jax_version(self.settings)
        return self.settings.reference_cache_dir / f"{lesson.id}-{lesson.content_hash}-jax{jax}-public.json"

    async def examples(self, lesson: Lesson) -> list[Example]:
        if not lesson.meta.public_seeds:
            raise TryUnavailable("This lesson has no public examples to try.")
        key = (lesson.id, lesson.content_hash)
        if key in self._memo:
            return self._memo[key]
        async with self._locks.setdefault(key, asyncio.Lock()):
            if key not in self._memo:
                self._memo[key] = self._build(lesson, await self._raw(lesson))
        return self._memo[key]

    async def _raw(self, lesson: Lesson) -> list[dict[str, Any]]:
        path = self._path(lesson)
        try:
            return list(json.loads(path.read_text()))
        except (OSError, ValueError):
            pass
        raw = await self._compute(lesson)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(raw))
        tmp.replace(path)
        return raw

    async def _compute(self, lesson: Lesson) -> list[dict[str, Any]]:
        from app.grader.pipeline import kernel_config, needs_libs
        from kernels.execute import ExecuteOptions

        config = kernel_config(
            self.settings, device_count=lesson.meta.kernel.device_count, purpose="reference", libs=needs_libs(lesson)
        )
        src = self.source()
        try:
            kernel: KernelHandle = await src.acquire(config)
        except KernelStartError as exc:
            raise TryUnavailable(f"No kernel could be started for the examples ({exc}); try again later.") from exc
        try:
            opts = ExecuteOptions(timeout=self.settings.try_reference_timeout_s, kill_on_timeout=True)
            result = await kernel.execute(reference_cell(lesson), opts)
        finally:
            await src.release(kernel)
        lines = [ln for ln in result.stdout().splitlines() if ln.startswith(MARK)]
        if not result.ok or not lines:
            detail = result.error.ename if result.error else (result.message or result.reason.value)
            raise TryUnavailable(
                f"The lesson's public examples could not be computed ({detail}); please tell your instructor."
            )
        return list(json.loads(lines[-1].removeprefix(MARK)))

    @staticmethod
    def _build(lesson: Lesson, raw: list[dict[str, Any]]) -> list[Example]:
        out = []
        for item in raw:
            args = tryout_helpers.decode(item["args"])
            out.append(
                Example(
                    seed=int(item["seed"]),
                    args=item["args"],
                    expected=item["expected"],
                    args_summary=[tryout_helpers.summary(a) for a in args],
                    expected_summary=tryout_helpers.summary(tryout_helpers.decode(item["expected"])),
                )
            )
        return out
