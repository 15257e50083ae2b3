"""retrace, judged on the configuration itself, not only relative to the reference.

The relative judgement ("no more compilations than the reference") lets a shared mistake pass: a
reference with the same static float learning rate recompiles just as often. These rules hold whatever the
reference does, because each of them recompiles on every realistic call by construction:

- a static argument that is a float, or numbers/an array, whose value changes between calls;
- a static argument hashed by identity (a plain class, a non-frozen dataclass with ``eq=False``, a new
  lambda) that is a new object on each call: equal contents do not help;
- a static argument that cannot be hashed by value at all (a list, dict, set or array);
- argument shapes that grow with the call index (every call a new, larger shape).

Facts come from the harness (``probes.static_facts``), which never sends the values.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

_SHAPE = re.compile(r"\[([0-9, ]*)\]")


def lesson_design_problem(cfg: dict[str, Any], ref: dict[str, Any], lesson: bool) -> str | None:
    """A lesson whose own solution recompiles across its seeds must say how often it is expected to compile
    (`[checks.retrace] expected_compiles`, e.g. one per bucket); otherwise every learner inherits the flaw.
    ``ref``: the reference's retrace observations, with its as-written calls under ``calls_as_written``."""
    if not lesson or not ref:
        return None
    extra = 0
    for key in ("calls", "calls_as_written"):
        these = ref.get(key) or []
        extra = max(extra, *(_extra(these, k) for k in ("compiles", "traces")))
    expected = cfg.get("expected_compiles")
    if expected is None and extra > 0:
        return (
            f"This lesson's own solution compiles {extra + 1} times over the lesson's inputs, and the lesson does "
            "not declare that: set `[checks.retrace] expected_compiles` (for example one per bucket), or fix the "
            "solution. Please tell your instructor."
        )
    if expected is not None and extra + 1 > int(expected):
        return (
            f"This lesson's own solution compiles {extra + 1} times over the lesson's inputs, more than the "
            f"{expected} its `expected_compiles` declares. Please tell your instructor."
        )
    return None


def _extra(calls: list[dict[str, Any]], key: str) -> int:
    return sum(int(c.get(key, 0)) for c in calls[1:])


def configuration_problem(
    calls: list[dict[str, Any]], params: list[str], judge_growth: bool = True
) -> tuple[str, dict[str, Any]] | None:
    """The first configuration that recompiles on every call, as (message, details); None when fine.
    ``judge_growth``: False where the lesson declares its expected compile count (it chose the shapes)."""
    for call in calls:
        for fact in call.get("static") or []:
            if fact.get("hashing") == "unhashable":
                name = _name(fact["pos"], params)
                what = {"list": "a list", "dict": "a dict", "set": "a set", "array": "an array"}.get(
                    str(fact.get("kind")), "a value that cannot be hashed"
                )
                return (
                    f"The static argument {name} is {what}: jit hashes static arguments to look up the compiled "
                    "program, and this one cannot be hashed by value. Pass a tuple (or a frozen dataclass) for "
                    "configuration, or make it a traced argument if it holds numbers.",
                    {"argument": name, "cause": "unhashable_static"},
                )
    for before, after in itertools.pairwise(calls):
        old = {f["pos"]: f for f in before.get("static") or []}
        for fact in after.get("static") or []:
            prev = old.get(fact["pos"])
            if prev is None or prev.get("digest") == fact.get("digest"):
                continue
            name = _name(fact["pos"], params)
            if fact.get("hashing") == "identity":
                kind = "function" if fact.get("kind") == "function" else "object"
                fix = (
                    "Define the function once, at module level, and pass that same function every time."
                    if kind == "function"
                    else "Use a frozen dataclass or a NamedTuple (equal fields, equal hash), or pass the "
                    "numbers it holds as traced arguments."
                )
                return (
                    f"The static argument {name} is {'a new function' if kind == 'function' else 'an object'} "
                    "hashed by identity, and every call passes a new one, so jit compiles again on every call "
                    f"even when its contents are the same. {fix}",
                    {"argument": name, "cause": "identity_static"},
                )
            if fact.get("kind") in ("float", "numbers", "array"):
                what = "a float" if fact["kind"] == "float" else "numbers"
                return (
                    f"The static argument {name} is {what} whose value changes between calls, and every new "
                    "static value is a new compilation. Numbers that change (a learning rate, a temperature, a "
                    "step size) must be traced arguments: drop it from static_argnums/static_argnames.",
                    {"argument": name, "cause": "changing_float_static"},
                )
    grown = _growing_argument(calls, params) if judge_growth else None
    if grown is not None:
        return (
            f"The shape of {grown} grows with every call, so every call compiles a new program and the cache "
            "of compiled programs grows without bound. Pad to a fixed size (or a few bucket sizes) and mask "
            "the padding, so that one compiled program serves every call.",
            {"argument": grown, "cause": "growing_shapes"},
        )
    return None


def _growing_argument(calls: list[dict[str, Any]], params: list[str]) -> str | None:
    """The argument whose element count strictly grows over at least three successive calls."""
    if len(calls) < 3:
        return None
    per_call = [str(c.get("signature", "")).split("; ") for c in calls]
    if len({len(p) for p in per_call}) != 1:
        return None
    for i in range(len(per_call[0])):
        parts = [p[i] for p in per_call]
        if any(part.startswith("static=") for part in parts):
            continue
        sizes = [_elements(part) for part in parts]
        if all(b > a for a, b in itertools.pairwise(sizes)):
            return _name(i, params)
    return None


def _elements(part: str) -> int:
    total = 0
    for dims in _SHAPE.findall(part):
        n = 1
        for d in dims.split(","):
            if d.strip().isdigit():
                n *= int(d)
        total += n
    return total


def _name(pos: int, params: list[str]) -> str:
    return f"`{params[pos]}`" if pos < len(params) else f"number {pos + 1}"
