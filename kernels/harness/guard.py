"""Integrity guard that runs inside the grading kernel (imports nothing from ``app``).

Captured before any learner code runs:
- pristine references to everything the harness relies on (clock, block_until_ready, jit, hmac, json),
  so monkeypatching ``time`` or ``jax`` cannot change what the harness measures;
- a fingerprint of the attributes of the modules learner code might monkeypatch, compared after each
  phase: any replaced attribute makes the grading an ``error`` ("tamper");
- an audit hook (irremovable) that, while learner code runs, refuses the ways to reach the harness's
  private state: stack frames (``sys._getframe``, traceback/generator frames), ``gc`` object walks,
  ``ctypes``, tracing/profiling hooks, reading this process's environment or memory through /proc, and
  starting processes.
"""

from __future__ import annotations

import operator
import sys
import types
from typing import Any

HARNESS_PREFIX = "<jaxtutor-harness"
LEARNER_FILE = "submission.py"
# stdlib modules that hand frames to their caller: look through them to find who asked
_FRAME_HELPERS = ("inspect.py", "traceback.py", "functools.py", "contextlib.py", "<frozen")
_FRAME_ATTRS = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back", "gi_yieldfrom"})
_ALWAYS_BLOCKED_PREFIXES = ("ctypes.", "sys.remote_exec", "cpython.remote_debugger")
_PROCESS_EVENTS = frozenset(
    {
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "subprocess.Popen",
        "pty.spawn",
        "os.kill",
        "os.killpg",
        "signal.pthread_kill",
    }
)
_HOOK_EVENTS = frozenset({"sys.settrace", "sys.setprofile", "sys.addaudithook", "sys._current_frames"})
_INTROSPECTION_EVENTS = frozenset({"sys._getframe", "gc.get_objects", "gc.get_referrers", "gc.get_referents"})

# Modules whose attributes must not be replaced by learner code.
GUARDED_PREFIXES = (
    "jax",
    "jaxlib",
    "numpy",
    "time",
    "builtins",
    "json",
    "hmac",
    "hashlib",
    "_jt",
    "IPython",
    "ipykernel",
    "math",
    "functools",
    "operator",
    "logging",
    "io",
    "flax",
    "optax",
)
_SYS_GUARDED = (
    "_getframe",
    "settrace",
    "setprofile",
    "audit",
    "addaudithook",
    "exit",
    "modules",
    "_current_frames",
)


class TamperError(Exception):
    """Learner code interfered with the grader."""


class Guard:
    """Holds the audit state. One instance per grading; it lives only in harness locals."""

    def __init__(self) -> None:
        self.active = False  # True while learner code may be running
        self.in_hook = False
        self.blocked: list[str] = []  # what learner code tried, in plain words
        self._getframe = sys._getframe

    def install(self) -> None:
        sys.addaudithook(self._hook)

    def _learner_initiated(self) -> bool:
        """Walk out of the hook and frame-helper modules; is the first real caller learner code?"""
        try:
            frame: types.FrameType | None = self._getframe(2)
        except ValueError:
            return False
        while frame is not None:
            fname = frame.f_code.co_filename
            if fname.startswith(HARNESS_PREFIX):
                return False
            if fname == LEARNER_FILE:
                return True
            if not any(h in fname for h in _FRAME_HELPERS):
                return False
            frame = frame.f_back
        return False

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.active or self.in_hook:
            return
        self.in_hook = True
        try:
            refuse = ""
            if event.startswith(_ALWAYS_BLOCKED_PREFIXES):
                refuse = "uses ctypes or remote debugging"
            elif event in _PROCESS_EVENTS:
                if self._learner_initiated():
                    refuse = "starts processes or sends signals"
            elif event in _HOOK_EVENTS:
                if self._learner_initiated():
                    refuse = "installs tracing, profiling or audit hooks"
            elif event in _INTROSPECTION_EVENTS:
                if self._learner_initiated():
                    refuse = "inspects stack frames or the garbage collector"
            elif event == "object.__getattr__":
                if len(args) > 1 and args[1] in _FRAME_ATTRS and self._learner_initiated():
                    refuse = "inspects stack frames"
            elif event == "open":
                path = str(args[0]) if args else ""
                if (
                    path.startswith("/proc/")
                    and not path.startswith(("/proc/cpuinfo", "/proc/meminfo"))
                    and (self._learner_initiated() or "/environ" in path or "/mem" in path)
                ):
                    refuse = "reads process information under /proc"
            if refuse:
                self.blocked.append(refuse)
                raise RuntimeError(f"jaxtutor: the grader does not allow code that {refuse}")
        finally:
            self.in_hook = False


class ModuleFingerprint:
    """The guarded modules' attributes before any learner code ran, held by reference (so that no
    replacement can be given a freed original's id).

    ``detail`` holds, per module, every callable/class/module attribute: what a replacement is judged
    against. ``quick`` holds, per module, its attribute names and all its values, as two tuples built at C
    speed: a module whose names and values are the very same objects has nothing replaced, so only modules
    that changed at all (a cache, a counter) are compared attribute by attribute. Nothing here calls
    ``id()``: it raises an audit event, and with the guard's audit hook installed the full comparison after
    every phase cost about 35 ms (some 60,000 attributes of 1,100 modules).
    """

    def __init__(self) -> None:
        self.detail: dict[str, dict[str, Any]] = {}
        self.quick: dict[str, tuple[tuple[Any, ...], tuple[Any, ...]]] = {}
        for name, mod in list(sys.modules.items()):
            if mod is None or not name.startswith(GUARDED_PREFIXES):
                continue
            try:
                namespace = vars(mod)
            except TypeError:
                continue
            self.quick[name] = _quick(namespace)
            self.detail[name] = _detail(namespace)
        self.detail["sys"] = _sys_detail()


def _quick(namespace: dict[str, Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    return tuple(namespace), tuple(namespace.values())


def _same_objects(now: tuple[Any, ...], before: tuple[Any, ...]) -> bool:
    """Identity, element by element: never ``==``, which would call an ``__eq__`` learner code defined."""
    return len(now) == len(before) and all(map(operator.is_, now, before))


def _detail(namespace: dict[str, Any]) -> dict[str, Any]:
    """Every callable/class/module attribute (dunder names aside)."""
    items = list(namespace.items())
    return {k: v for k, v in items if not k.startswith("__") and (callable(v) or isinstance(v, types.ModuleType))}


def _sys_detail() -> dict[str, Any]:
    return {k: getattr(sys, k) for k in _SYS_GUARDED if hasattr(sys, k)}


def fingerprint_modules() -> ModuleFingerprint:
    """The guarded modules as they are now (before learner code runs)."""
    return ModuleFingerprint()


def changed_attributes(before: ModuleFingerprint) -> list[str]:
    """Attributes present before whose object was replaced or deleted since (added ones are fine)."""
    changed: list[str] = []
    missing = object()
    for mod, attrs in before.detail.items():
        if mod == "sys":
            cur = _sys_detail()
        else:
            module = sys.modules.get(mod)
            try:
                namespace = None if module is None else vars(module)
            except TypeError:
                namespace = None
            if type(namespace) is not dict:  # a dict subclass of learner code could answer anything
                if mod in sys.modules:  # module object replaced by a non-module
                    changed.append(mod)
                continue
            names, values = _quick(namespace)
            quick_names, quick_values = before.quick[mod]
            if _same_objects(names, quick_names) and _same_objects(values, quick_values):
                continue  # the same names bound to the same objects: nothing replaced
            cur = _detail(namespace)
        found = [f"{mod}.{attr}" for attr, obj in attrs.items() if cur.get(attr, missing) is not obj]
        if not found and mod != "sys":
            before.quick[mod] = (names, values)  # checked in full and clean: the next check of it is quick
        changed.extend(found)
    return changed
