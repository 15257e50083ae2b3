"""Shared state of one grading inside the kernel, and the helpers every phase uses.

``GradeContext`` owns: the plan, the learner module, the argument builder, the capture of learner
output, entering/leaving "learner mode" (the guard's audit wall), and the description of exceptions
in learner terms (type, message, the learner's line and its text).
"""

from __future__ import annotations

import contextlib
import io
import linecache
import re
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

from .guard import LEARNER_FILE, Guard

_MAX_MSG = 1200
#: Set for lesson gradings, whose inputs are hidden: learner-raised exception messages are withheld.
HIDE_LEARNER_MESSAGES = [False]
_GRADER_FN_RE = re.compile(r"<function GradeContext\.shared_jit\.<locals>\.counted at 0x[0-9a-f]+>")
_PATH_RE = re.compile(r"(/[\w.\-]+)+/([\w.\-]+\.py)")


class GradeContext:
    def __init__(self, plan: dict[str, Any], guard: Guard, pristine: dict[str, Any]) -> None:
        self.plan = plan
        self.guard = guard
        self.p = pristine  # perf_counter, block_until_ready, jit, ...
        self.module: types.ModuleType | None = None
        self.entry: Callable[..., Any] | None = None
        self.make_args: Callable[[int], Any] | None = None
        self.baseline: Callable[..., Any] | None = None
        self.static: tuple[int, ...] = tuple(plan.get("static_argnums", []))
        self.seeds: list[int] = list(plan.get("seeds", [0, 1, 2]))
        # Lessons (``inputs_as = "jax"``, the default): the entry receives jax.Array where make_args built NumPy
        # arrays, as a JAX caller passes them; ``fresh_args(raw=True)`` (the baseline) keeps NumPy.
        self.inputs_as_jax = bool(plan.get("inputs_as_jax"))
        self.output = io.StringIO()  # everything learner code printed (capped by the host when reported)
        self.eager_outputs: dict[int, Any] = {}
        self.compile_events: list[str] | None = None  # while recording: learner compile/trace events
        self.learner_names: set[str] = set()  # names of every function defined in the learner's file
        self.compiled: Any = None
        self.traces = 0  # traces of the shared jit (see ``shared_jit``)
        self.learner_compile_ms: dict[str, float] = {}  # last XLA compile time per learner function name
        self._shared: tuple[Any, Any] | None = None
        self._fast = False  # see fast_compiles
        self.calls_global_writes: set[str] = set()  # globals the entry rebound or changed during the calls
        self.globals_changed_between_calls: set[str] = set()  # globals it reads that changed between calls
        self.watchdog: Any = None  # limits.Watchdog: phases set its ``note`` before long steps
        self.keep_alive: list[Any] = []  # identity-hashed static arguments seen (their ids must stay unique)

    # -- compilation --------------------------------------------------------------------------------
    def fast_compiles(self, on: bool) -> None:
        """Compile with XLA's optimisations mostly off (on), or fully optimised again (off).

        A grading compiles dozens of small programs (every operation run eagerly compiles one) and runs
        each a few times: unoptimised compilation halves the time they take. What is measured (program
        structure, memory, speed) is compiled fully optimised: switching off also drops every compiled
        program, so nothing compiled quickly is measured. The reference kernel runs the same harness, so
        both sides are compiled alike.
        """
        import jax

        if on == self._fast:
            return
        jax.config.update("jax_disable_most_optimizations", on)
        if not on:
            jax.clear_caches()
        self._fast = on

    # -- learner mode ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def learner(self, capture: io.StringIO | None = None) -> Iterator[io.StringIO]:
        buf = capture if capture is not None else io.StringIO()
        old_out, old_err = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = buf
        self.guard.active = True
        try:
            yield buf
        finally:
            self.guard.active = False
            sys.stdout, sys.stderr = old_out, old_err
            text = buf.getvalue()
            if text and self.output.tell() < 100_000:
                self.output.write(text[:20_000])

    def fresh_args(self, seed: int, *, raw: bool = False) -> tuple[Any, ...]:
        """The inputs of ``seed``, made anew (a call cannot see another's mutations). ``raw``: exactly as
        make_args built them, even where the lesson has its NumPy arrays passed as jax.Array."""
        assert self.make_args is not None
        with self.learner():
            args = self.make_args(seed)
        if not isinstance(args, tuple):
            args = tuple(args) if isinstance(args, list) else (args,)
        if self.inputs_as_jax and not raw:
            import numpy as np

            asarray = self.p["asarray"]
            args = self.p["tree_map"](lambda x: asarray(x) if isinstance(x, np.ndarray) else x, args)
        return args

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...], capture: io.StringIO | None = None) -> Any:
        block = self.p["block_until_ready"]
        with self.learner(capture):
            out = fn(*args)
            out = block(out)
        return out

    def dynamic_args(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(a for i, a in enumerate(args) if i not in self.static)

    def as_written(self, fn: Any) -> Any:
        """``fn`` such that its Python body runs on every call with concrete values: a learner-jitted function
        runs its body only while tracing, so its body is called instead. Everything inside stays as written:
        inner jits, ``lax.scan`` and library internals are compiled as they are for an undecorated function
        (``jax.disable_jit()`` would run a scan's every step, and the PRNG's hundreds of primitives, one by
        one, compiling each: 500+ compilations for a 400-step scan)."""
        return self.unwrapped(fn) if self.is_jitted(fn) else fn

    def is_jitted(self, fn: Any) -> bool:
        return hasattr(fn, "lower") and hasattr(fn, "__wrapped__")

    def unwrapped(self, fn: Any) -> Any:
        return getattr(fn, "__wrapped__", fn) if self.is_jitted(fn) else fn

    def jit_target(self, fn: Any) -> Any:
        """The learner's own jit if they wrote one (with their static args), else ours."""
        if self.is_jitted(fn):
            return fn
        if fn is self.entry:
            return self.shared_jit()
        return self.p["jit"](fn, static_argnums=self.static)

    def shared_jit(self) -> Any:
        """Our one ``jax.jit`` of the entry function, shared by the purity, jit, retrace and program phases.

        Every phase that needs the compiled function reuses the first compilation instead of compiling
        again (a training step can take seconds to compile). ``traces`` counts its traces.
        """
        assert self.entry is not None
        if self._shared is None or self._shared[0] is not self.entry:
            inner = self.unwrapped(self.entry)

            def counted(*a: Any) -> Any:
                self.traces += 1
                return inner(*a)

            self._shared = (self.entry, self.p["jit"](counted, static_argnums=self.static))
        return self._shared[1]


def load_source(source: str, filename: str, modname: str, register: bool) -> types.ModuleType:
    """Execute source as a fresh module (the learner's file is named ``submission.py``)."""
    module = types.ModuleType(modname)
    module.__file__ = filename
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    code = compile(source, filename, "exec", dont_inherit=True)
    if register:
        sys.modules[modname] = module  # dataclasses, pickle and friends look modules up here
    exec(code, module.__dict__)
    return module


def code_names(source: str) -> set[str]:
    """Names of all functions and lambdas defined in ``source`` (nested ones included)."""
    names: set[str] = set()
    stack = [compile(source, LEARNER_FILE, "exec", dont_inherit=True)]
    while stack:
        code = stack.pop()
        names.add(code.co_name)
        stack.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    names.discard("<module>")
    return names


def describe_exception(exc: BaseException) -> dict[str, Any]:
    """Type, cleaned message and the learner's innermost line. Host paths are stripped."""
    line = None
    outer_line = None  # the outermost learner line: where the learner's entry function called a helper
    innermost_is_learner = False
    # A traced error (e.g. key reuse found in a jaxpr) carries the learner's source location on its cause.
    for tb in (exc.__traceback__, exc.__cause__.__traceback__ if exc.__cause__ is not None else None):
        while tb is not None:
            innermost_is_learner = tb.tb_frame.f_code.co_filename == LEARNER_FILE
            if innermost_is_learner:
                line = tb.tb_lineno
                outer_line = outer_line or tb.tb_lineno
            tb = tb.tb_next
        if line is not None:
            break
    msg = str(exc)
    if line is None:
        m = re.search(r"submission\.py:(\d+)", msg)
        if m:
            line = int(m.group(1))
    if isinstance(exc, SyntaxError) and exc.filename == LEARNER_FILE:
        line = exc.lineno
    code = linecache.getline(LEARNER_FILE, line).rstrip() if line else ""
    out: dict[str, Any] = {
        "type": type(exc).__name__,
        "module": type(exc).__module__,
        "mro": [c.__name__ for c in type(exc).__mro__],
        "message": _clean(msg)[:_MAX_MSG],
        "line": line,
        "code": code[:300],
        "base_exception": not isinstance(exc, Exception),
    }
    raised_by_learner = type(exc).__module__ == "submission" or (
        innermost_is_learner and code.strip().startswith(("raise", "assert"))
    )
    if raised_by_learner and HIDE_LEARNER_MESSAGES[0]:
        # The learner's own message could carry hidden test inputs out of the grader.
        out["message"] = "(the message of an exception your code raised is not shown during grading)"
    if outer_line is not None and outer_line != line:
        out["outer_line"] = outer_line
        out["outer_code"] = linecache.getline(LEARNER_FILE, outer_line).strip()[:300]
    if isinstance(exc, SyntaxError):
        out["offset"] = exc.offset
        out["text"] = (exc.text or "").rstrip("\n")[:300]
        out["message"] = exc.msg
    return out


def _clean(text: str) -> str:
    text = _PATH_RE.sub(lambda m: m.group(2), text)
    text = _GRADER_FN_RE.sub("your function", text)  # the grader's own jit wrapper is not the learner's concern
    text = re.sub(r"See https://\S+", "", text)
    return text.strip()


def learner_lines(events: list[tuple[str, int]]) -> list[dict[str, Any]]:
    seen: dict[tuple[str, int], int] = {}
    for what, line in events:
        seen[(what, line)] = seen.get((what, line), 0) + 1
    return [
        {"what": what, "line": line, "code": linecache.getline(LEARNER_FILE, line).strip()[:200], "count": n}
        for (what, line), n in list(seen.items())[:20]
    ]
