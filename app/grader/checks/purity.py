"""purity: the function is a pure function of its arguments, as jax transformations assume."""

from __future__ import annotations

import ast
import re
from typing import Any

from app.grader.checks.base import Evidence, phase_problem, result
from app.grader.checks.rebinding import rebound_globals
from app.grader.checks.registry import Check, CheckConfig, CliDefault, CliOptions, Phase
from app.grader.driver import HarnessRun
from app.grader.report import CheckResult

NAME = "purity"


def _lines(items: list[dict[str, Any]], kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    return [i for i in items if i["what"].startswith(kinds)]


def _at(item: dict[str, Any]) -> str:
    return f"line {item['line']} (`{item['code']}`)" if item.get("code") else f"line {item['line']}"


CALLBACK = " [callback]"  # the harness marks side effects that ran inside a host callback
_RNG_KINDS = ("numpy.random", "random.", "secrets.", "os.urandom")
_NOT_GRADED = {"example_args", "reference", "baseline"}
_RNG_CALL = re.compile(r"\b(?:np|numpy|onp)\.random\.[A-Za-z_]\w*|\brandom\.[A-Za-z_]\w*|\bsecrets\.\w+")


def unsorted_dict_note(run: HarnessRun) -> str:
    """When the inputs hold a dict whose keys are not in sorted order: the likely cause of a jit/eager
    difference, said plainly (jax.jit rebuilds dicts in sorted-key order); else ''."""
    for call in (run.data("calls") or {}).get("calls", []):
        where = call.get("unsorted_dicts") or []
        if where:
            return (
                f"Your input's dict ({where[0]}) has its keys out of sorted order, and jax.jit flattens and "
                "rebuilds a dict in sorted-key order, so code that depends on a dict's order (`zip(leaves, "
                "d.values())`, `list(d)[0]`, `jax.tree.leaves(d)` paired with another dict) pairs different items "
                "under jit. Look items up by key (`d[k]`), or map over both with `jax.tree.map(f, a, b)`."
            )
    return ""


def random_in_callback(d: dict[str, Any], source: str) -> bool:
    """Did NumPy/Python randomness run inside a host callback? The harness marks what it saw there; but a
    callback's Python may run on XLA's threads, where the profiler sees nothing: a changed RNG state with
    no line, in code that calls host callbacks, is then the callback's doing."""
    rng = _lines(d.get("side_effects") or [], _RNG_KINDS)
    if rng:
        return rng[0]["what"].endswith(CALLBACK)
    state_changed = d.get("numpy_rng_state_changed") or d.get("python_rng_state_changed")
    return bool(state_changed) and re.search(r"\b(pure_callback|io_callback|debug\.callback)\s*\(", source) is not None


def _written_call(item: dict[str, Any]) -> str:
    """The random call as the learner wrote it on that line (``np.random.default_rng``), else as observed."""
    found = _RNG_CALL.search(item.get("code") or "")
    return f"`{found.group(0)}`" if found else str(item["what"])


def _rng_call_line(source: str) -> tuple[int, str] | None:
    """The first `np.random.*`/`random.*` call in the learner's functions (Cython RNG methods such as
    `np.random.rand` leave no profile event, so the state change is seen but not its line)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    lines = source.splitlines()
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or fn.name in _NOT_GRADED:
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Call):
                text = ast.unparse(node.func)
                if text.startswith(("np.random.", "numpy.random.", "random.")) and "default_rng" not in text:
                    return node.lineno, lines[node.lineno - 1].strip()[:200]
    return None


def _root(node: ast.AST) -> str | None:
    """The name an attribute/subscript chain starts from (`a` in `a.b[0].c`)."""
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


_MUTATORS = {"append", "extend", "insert", "update", "add", "setdefault", "pop", "clear", "__setitem__"}


def _write_line(source: str, names: list[str]) -> tuple[int, str] | None:
    """The first line of the learner's functions that writes one of the module globals ``names``."""
    if not names or not source:
        return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    wanted = set(names) | {n.split(".")[0] for n in names}  # `f.calls` is written by `f.calls = ...`
    lines = source.splitlines()

    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or fn.name in _NOT_GRADED:
            continue
        declared = {n for node in ast.walk(fn) if isinstance(node, ast.Global) for n in node.names}
        for node in ast.walk(fn):
            hit = False
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    name = _root(t)
                    hit |= name in wanted and (not isinstance(t, ast.Name) or name in declared)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                hit = node.func.attr in _MUTATORS and _root(node.func.value) in wanted
            line = getattr(node, "lineno", None)
            if hit and line:
                return line, lines[line - 1].strip()[:200]
    return None


_IN_PLACE = _MUTATORS | {"sort", "fill", "resize", "put", "popitem", "remove", "reverse", "itemset", "partition"}


def mutation_line(source: str, params: list[str], entry: str) -> tuple[int, str] | None:
    """The first line of the entry function that changes one of its parameters in place (``x.sort()``,
    ``x[i] = v``, ``batch.pop(k)``, ``x += 1``): the line to name when the probe saw an input change."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    lines = source.splitlines()
    wanted = set(params)

    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef) or fn.name != entry:
            continue
        for node in ast.walk(fn):
            hit = False
            if isinstance(node, ast.Assign):
                hit = any(not isinstance(t, ast.Name) and _root(t) in wanted for t in node.targets)
            elif isinstance(node, ast.AugAssign):
                hit = _root(node.target) in wanted
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                hit = node.func.attr in _IN_PLACE and _root(node.func.value) in wanted
                # `nnx.update(model, state)` changes its first argument
                hit |= ast.unparse(node.func) == "nnx.update" and bool(node.args) and _root(node.args[0]) in wanted
            line = getattr(node, "lineno", None)
            if hit and line:
                return line, lines[line - 1].strip()[:200]
    return None


def evaluate(ev: Evidence) -> CheckResult:
    problem = phase_problem(ev, NAME, "purity", "Probing your function for side effects")
    if problem:
        return problem
    d = ev.sub.data("purity") or {}
    side = d.get("side_effects", [])
    findings: list[str] = []
    # Prints inside a host callback (`jax.debug.callback`) run on every call, like `jax.debug.print`.
    all_prints = _lines(side, ("print",))
    callback_prints = [p for p in all_prints if p["what"].endswith(CALLBACK)]
    prints = [p for p in all_prints if not p["what"].endswith(CALLBACK)]
    per_call_jit = d.get("jit_prints_per_call") or []
    debug_print = not prints and len(per_call_jit) > 1 and all(n > 0 for n in per_call_jit)
    early_hints: list[str] = []
    if debug_print or (callback_prints and not prints):
        # jax.debug.print and callbacks are the sanctioned ways to print from traced code: not a failure.
        early_hints.append(
            "prints on every call through `jax.debug.print` or `jax.debug.callback` (a host callback): fine "
            "while debugging; remove it from code you ship"
        )
    elif prints or d.get("eager_prints", 0) > 0:
        where = _at(prints[0]) if prints else "your function"
        per_call = d.get("jit_prints_per_call") or []
        extra = ""
        if per_call and per_call[0] > 0 and sum(per_call[1:]) == 0:
            extra = " Under jax.jit it printed only on the first call (while tracing), never again."
        findings.append(
            f"{where} prints: a side effect.{extra} Use `jax.debug.print` for debugging, or return "
            "the value and print it outside the function"
        )
    rng = _lines(side, _RNG_KINDS)
    # Seeding draws nothing: name the first draw, and the generator call the learner wrote on that line
    # (`np.random.default_rng()` reaches Python's `secrets` inside NumPy).
    rng.sort(key=lambda item: item["what"].rsplit(".", 1)[-1] == "seed")
    if rng or d.get("numpy_rng_state_changed") or d.get("python_rng_state_changed"):
        static_line = None if rng else _rng_call_line(ev.source)
        where = (
            _at(rng[0]) if rng else (f"line {static_line[0]} (`{static_line[1]}`)" if static_line else "your function")
        )
        generator = "NumPy's or Python's global random generator"
        what = _written_call(rng[0] if rng else {"code": static_line[1] if static_line else "", "what": generator})
        if random_in_callback(d, ev.source):
            findings.append(
                f"{where} draws random numbers with {what} inside a host callback: the result changes from call "
                "to call with the same arguments (and `jax.pure_callback` promises JAX a pure function, which "
                "it may cache or drop). Take a `jax.random` key argument and use `jax.random.*`"
            )
        else:
            findings.append(
                f"{where} draws random numbers with {what}: under jit this runs once at trace time, so "
                "every call reuses the same 'random' numbers. Take a `jax.random` key argument and use "
                "`jax.random.*`"
            )
    clock = _lines(side, ("time.", "datetime."))
    if clock:
        findings.append(
            f"{_at(clock[0])} reads the clock ({clock[0]['what']}): the result depends on when it "
            "runs, and jit freezes the value at trace time. Pass times in as arguments"
        )
    environ = _lines(side, ("os.environ",))
    if environ:
        findings.append(
            f"{_at(environ[0])} reads an environment variable: the result depends on the machine's settings "
            "rather than the arguments, and jit freezes the value it read at trace time. Read it once outside "
            "and pass the value in (as a static argument if it configures the function)"
        )
    io = _lines(side, ("I/O",))
    if io:
        findings.append(f"{_at(io[0])} does I/O ({io[0]['what']}); move it outside the function")
    written = _write_line(ev.source, list(d.get("global_writes") or []))
    if d.get("global_writes"):
        names = ", ".join(f"`{n}`" for n in d["global_writes"][:5])
        held = ": attributes of module-level objects" if all("." in n for n in d["global_writes"][:5]) else ""
        at = f"{_at({'line': written[0], 'code': written[1]})}: " if written else ""
        findings.append(
            f"{at}your function changes module-level state ({names}{held}); under jit such updates happen "
            "only while tracing. Return the new state instead and pass it back in (thread the state)"
        )
    if d.get("input_mutations"):
        params = list((ev.sub.data("load") or {}).get("params") or [])
        kinds = d.get("input_mutation_kinds") or {}
        first = int(d["input_mutations"][0])
        names = ", ".join(
            f"`{params[p]}`" if p < len(params) else f"argument {p + 1}" for p in map(int, d["input_mutations"])
        )
        kind = kinds.get(str(first), "")
        arg = params[first] if first < len(params) else "arg"
        if kind == "nnx":
            fix = (
                "a plain function must not change an NNX module in place (jax transformations drop the update): "
                "decorate the step with `@nnx.jit` (NNX transforms carry the updates), or `nnx.split` the "
                "module, compute the new state and return it"
            )
        elif kind == "object":
            fix = f"return a new object instead of assigning to `{arg}`'s fields (`dataclasses.replace({arg}, ...)`)"
        elif kind == "dict":
            fix = (
                f"build and return a new dict instead (`{{**{arg}, 'key': value}}`, a dict comprehension, "
                "`jax.tree.map`)"
            )
        elif kind == "list":
            fix = f"build and return a new list instead (`{arg} + [item]`, `sorted({arg})`, a list comprehension)"
        else:
            fix = (
                "build a new array: `x.at[i].set(v)` or `jnp.sort(x)` in JAX, or `x = x.copy()` before changing "
                "a NumPy array"
            )
        mutated_at = mutation_line(ev.source, params, str((ev.sub.data("load") or {}).get("entry") or "f"))
        at = _at({"line": mutated_at[0], "code": mutated_at[1]}) + ": " if mutated_at else ""
        findings.append(
            f"{at}your function modifies its input {names} in "
            f"place; JAX code must not mutate its inputs (under jit the change would not happen). Fix: {fix}"
        )
    if d.get("leak"):
        # The most specific finding: put it first (a leak into a global list also shows as a global write).
        loc = f"line {d['leak']['line']}: " if d["leak"].get("line") else ""
        if not loc and written:
            loc = f"{_at({'line': written[0], 'code': written[1]})}: "
        findings.insert(
            0,
            f"{loc}a traced value leaks out of the function (stored in a global, a list or an attribute) and "
            "would be used after jit finished tracing; return it instead",
        )
    entry = str((ev.sub.data("load") or {}).get("entry") or "f")
    rebound = [r for r in rebound_globals(ev.source, entry) if r.name not in (d.get("global_writes") or [])]
    for r in rebound[:1]:
        findings.append(
            f"{_at({'line': r.read_line, 'code': r.read_code})} reads the module-level `{r.name}`, which "
            f"{_at({'line': r.write_line, 'code': r.write_code})} in `{r.setter}` changes. Your function's result "
            f"then depends on whether `{r.setter}` ran, not only on its arguments, and jax.jit keeps the value "
            f"`{r.name}` had while tracing: after `{r.setter}` runs, the compiled function silently uses the old "
            f"one. Pass `{r.name}` in as an argument (static if it is configuration)"
        )
    rebound_names = {r.name for r in rebound}
    stale = [s for s in d.get("stale_globals", []) if not s.get("constant_style") and s["name"] not in rebound_names]
    if stale:
        name = stale[0]["name"]
        seen = " (it changed between your calls)" if stale[0].get("changes") else ""
        findings.append(
            f"your function reads the module-level variable `{name}`{seen}. jax.jit freezes its value at "
            f"trace time, so when `{name}` changes the compiled function silently uses the old value. "
            "Pass it as an argument"
        )
    if d.get("nondeterministic") and not (rng or clock):
        findings.append(
            "two calls with identical inputs returned different results, so the function depends on hidden state"
        )
    if d.get("jit_matches_eager") is False and not findings:
        dict_order = unsorted_dict_note(ev.sub)
        findings.append(
            "the jitted function returns a different result than the plain Python call"
            + (
                f". {dict_order[:-1]}"
                if dict_order
                else ", which means it depends on something other than its arguments"
            )
        )
    hints = early_hints + [
        f"reads the constant `{s['name']}` (fine if it never changes)"
        for s in d.get("stale_globals", [])
        if s.get("constant_style")
    ]
    if findings:
        msg = findings[0][0].upper() + findings[0][1:] + "."
        return result(ev, NAME, "fail", msg, findings=[f + "." for f in findings], hints=hints)
    if early_hints:  # the only effect is sanctioned printing: say so rather than "no prints"
        message = "No side effects that jax transformations would break. Your function " + early_hints[0] + "."
    else:
        message = (
            "No side effects found: no prints, global state, input mutation, NumPy/Python randomness or clock reads."
        )
    return result(ev, NAME, "pass", message, hints=hints)


class PurityCheck(CheckConfig):
    pass


def _cli(options: CliOptions) -> CliDefault:
    return CliDefault({})


CHECK = Check(
    name=NAME,
    config=PurityCheck,
    evaluate=evaluate,
    phases=lambda cfg: [Phase("purity", "purity.purity")],
    judges=("purity",),
    cli=_cli,
)
