"""Cluster keys: a normal form of the program JAX traced from the learner's function.

Two submissions that trace to the same jaxpr are the same program, whatever their variable names or
Python surface form, so one piece of instructor feedback serves all of them (issue 15). The normal form
is text, one equation a line, in which:

- variables are renamed canonically (``in0..`` for the inputs, ``v0..`` in order of definition);
- equations are put in a canonical topological order: each equation gets a signature that hashes its
  primitive, parameters and the signatures of what it reads (never names or positions in the trace), and
  among the equations whose inputs are ready the smallest signature goes first, so reordering independent
  statements changes nothing;
- literals and closed-over constants of at most ``const_max_elements`` elements become their dtype and
  shape only (``x * 2.0`` and ``x * 3.0`` are one approach); larger ones keep a hash of their contents;
- calls that only name a function (``jit``, ``custom_jvp_call``, ...) are inlined, so a learner's own
  ``@jax.jit`` and its absence trace alike; loop and branch bodies (``scan``, ``while``, ``cond``) are
  normalised recursively and printed under their equation;
- parameters that name or locate code (function names, source info, shardings, callbacks) are dropped.

``NORMAL_FORM_VERSION`` changes whenever the form does: keys of different versions are never compared.
A submission that cannot be traced gets a key from its error class and the shape of the failing line.

This module runs inside the grading kernel (no ``app`` imports) and on the host (``failure_key``,
``from_run``); jax is imported only where tracing needs it.
"""

from __future__ import annotations

import hashlib
import heapq
import io
import keyword
import re
import tokenize
from typing import Any

NORMAL_FORM_VERSION = 1

#: Calls whose only meaning is "run this sub-program": inlined into the caller.
_INLINE = ("jit", "pjit", "closed_call", "core_call", "custom_jvp_call", "custom_vjp_call", "remat", "checkpoint")
_INLINE_KEYS = ("jaxpr", "call_jaxpr", "fun_jaxpr")
#: Parameters that name, locate or place code rather than say what it computes.
_DROP = {
    "name",
    "debug_info",
    "source_info",
    "ctx_mesh",
    "in_shardings",
    "out_shardings",
    "in_layouts",
    "out_layouts",
    "compiler_options_kvs",
    "resource_env",
    "jvp_jaxpr_fun",
    "jvp_jaxpr_thunk",
    "fwd_jaxpr_thunk",
    "bwd",
    "callback",
    "out_trees",
    "symbolic_zeros",
    "donated_invars",
    "keep_unused",
    "inline",
}
#: Operations whose operands may be swapped without changing the result.
_COMMUTATIVE = {"add", "mul", "max", "min", "and", "or", "xor", "eq", "ne", "add_any"}
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+|0x[0-9a-fA-F]+")


def version_tag(const_max_elements: int) -> str:
    """The version stored with a key: the form's version and the constant-size threshold it was made with."""
    return f"{NORMAL_FORM_VERSION}-c{int(const_max_elements)}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _aval(v: Any) -> str:
    aval = getattr(v, "aval", None)
    if aval is None:
        return "?"
    text = aval.str_short(short_dtypes=True) if hasattr(aval, "str_short") else str(aval)
    return str(text).replace(" ", "")


def _value_text(val: Any, aval_text: str, limit: int) -> str:
    """A literal or constant: its type only when small, else its type and a hash of its contents."""
    import numpy as np

    try:
        arr = np.asarray(val)
    except Exception:  # a typed PRNG key or another opaque value
        return f"const:{aval_text}"
    if arr.size <= limit or arr.dtype == object:
        return f"const:{aval_text}"
    return f"const:{aval_text}#{hashlib.sha256(arr.tobytes()).hexdigest()[:12]}"


class _Normaliser:
    def __init__(self, const_max_elements: int) -> None:
        self.limit = const_max_elements

    def form(self, closed: Any) -> list[str]:
        """The normal form's lines of a ClosedJaxpr (or a bare Jaxpr)."""
        jaxpr = getattr(closed, "jaxpr", closed)
        consts = list(getattr(closed, "consts", ()) or ())
        nodes: list[dict[str, Any]] = []
        env: dict[Any, str] = {}  # jax Var -> reference text used in signatures: "in0", "n3.0", "const:..."
        for k, v in enumerate(jaxpr.invars):
            env[v] = f"in{k}"
        for v, c in zip(jaxpr.constvars, consts, strict=False):
            env[v] = _value_text(c, _aval(v), self.limit)
        for v in jaxpr.constvars:
            env.setdefault(v, f"const:{_aval(v)}")
        self._flatten(jaxpr, env, nodes)
        outs = [self._ref(v, env) for v in jaxpr.outvars]
        return self._emit(nodes, [f"in{k}:{_aval(v)}" for k, v in enumerate(jaxpr.invars)], outs)

    def _ref(self, v: Any, env: dict[Any, str]) -> str:
        if hasattr(v, "val"):  # a Literal
            return _value_text(v.val, _aval(v), self.limit)
        return env.get(v, f"free:{_aval(v)}")

    def _flatten(self, jaxpr: Any, env: dict[Any, str], nodes: list[dict[str, Any]]) -> None:
        seen = {n["sig"] for n in nodes}
        for eqn in jaxpr.eqns:
            name = eqn.primitive.name
            inner = next((eqn.params[k] for k in _INLINE_KEYS if k in eqn.params), None)
            sub = getattr(inner, "jaxpr", inner)
            if (
                name in _INLINE
                and sub is not None
                and hasattr(sub, "eqns")
                and len(sub.invars) == len(eqn.invars)
                and len(sub.outvars) == len(eqn.outvars)
            ):
                inner_env: dict[Any, str] = {}
                for sv, v in zip(sub.invars, eqn.invars, strict=True):
                    inner_env[sv] = self._ref(v, env)
                for sv, c in zip(sub.constvars, getattr(inner, "consts", ()) or (), strict=False):
                    inner_env[sv] = _value_text(c, _aval(sv), self.limit)
                self._flatten(sub, inner_env, nodes)
                seen = {n["sig"] for n in nodes}
                for v, sv in zip(eqn.outvars, sub.outvars, strict=True):
                    env[v] = self._ref(sv, inner_env)
                continue
            params, blocks = self._params(eqn.params)
            ins = [self._ref(v, env) for v in eqn.invars]
            if name in _COMMUTATIVE:
                ins.sort()  # references are name-free: `a * b` and `b * a` read alike
            outs = [_aval(v) for v in eqn.outvars]
            sig = _digest("|".join([name, params, *ins, *outs, *("\n".join(b) for b in blocks)]))
            effectful = bool(getattr(eqn, "effects", None))
            if sig in seen and not effectful:
                pass  # the same pure computation of the same values again: one node (what CSE would do)
            else:
                if effectful and sig in seen:  # a second print of the same value is a second print
                    sig = _digest(f"{sig}|again{len(nodes)}")
                seen.add(sig)
                nodes.append({"sig": sig, "name": name, "params": params, "ins": ins, "outs": outs, "blocks": blocks})
            for i, v in enumerate(eqn.outvars):
                env[v] = f"n{sig}.{i}"

    def _params(self, params: dict[str, Any]) -> tuple[str, list[list[str]]]:
        blocks: list[list[str]] = []
        parts = []
        for key in sorted(params):
            if key in _DROP:
                continue
            parts.append(f"{key}={self._param(params[key], blocks)}")
        return " ".join(parts), blocks

    def _param(self, value: Any, blocks: list[list[str]]) -> str:
        if hasattr(value, "eqns") or hasattr(getattr(value, "jaxpr", None), "eqns"):
            blocks.append(self.form(value))
            return f"{{body{len(blocks) - 1}}}"
        if isinstance(value, list | tuple):
            return "(" + ",".join(self._param(v, blocks) for v in value) + ")"
        if callable(value) and not isinstance(value, type):
            return "<fn>"
        return _ADDRESS.sub("", str(value)).replace(" ", "")

    def _emit(self, nodes: list[dict[str, Any]], inputs: list[str], outs: list[str]) -> list[str]:
        """Kahn's topological order, smallest signature first; then canonical names in that order."""
        index = {n["sig"]: i for i, n in enumerate(nodes)}
        deps: list[set[int]] = []
        users: dict[int, list[int]] = {i: [] for i in range(len(nodes))}
        for i, n in enumerate(nodes):
            d = {index[p] for p in (_producer(r) for r in n["ins"]) if p in index}
            deps.append(d)
            for j in d:
                users[j].append(i)
        waiting = [len(d) for d in deps]
        ready = [(n["sig"], i) for i, n in enumerate(nodes) if not waiting[i]]
        heapq.heapify(ready)
        names: dict[str, str] = {}
        lines = ["in " + " ".join(inputs)]
        counter = 0

        def show(ref: str) -> str:
            return names.get(ref, ref)

        while ready:
            _, i = heapq.heappop(ready)
            n = nodes[i]
            outs_named = []
            for k, aval in enumerate(n["outs"]):
                ref = f"n{n['sig']}.{k}"
                names[ref] = f"v{counter}"
                counter += 1
                outs_named.append(f"{names[ref]}:{aval}")
            params = f"[{n['params']}]" if n["params"] else ""
            lines.append(f"{' '.join(outs_named)} = {n['name']}{params} {' '.join(show(r) for r in n['ins'])}".rstrip())
            for b, block in enumerate(n["blocks"]):
                lines.append(f"  body{b}:")
                lines.extend("    " + line for line in block)
            for j in users[i]:
                waiting[j] -= 1
                if not waiting[j]:
                    heapq.heappush(ready, (nodes[j]["sig"], j))
        lines.append("out " + " ".join(show(r) for r in outs))
        return lines


def _producer(ref: str) -> str:
    """The signature of the equation a reference reads from ("" for inputs, constants and literals)."""
    return ref[1:].split(".")[0] if ref.startswith("n") else ""


def normal_form(closed: Any, const_max_elements: int = 16) -> str:
    """The normal form of a traced program (a ``ClosedJaxpr``) as text."""
    return "\n".join(_Normaliser(const_max_elements).form(closed))


def line_shape(code: str) -> str:
    """A source line with its names, numbers and strings blanked: keywords, operators and attribute names
    stay (``for i in range(len(xs)):`` -> ``for _ in _(_(_)):``, ``x.at[i].set(v)`` -> ``_.at[_].set(_)``)."""
    out: list[str] = []
    prev = ""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code.strip() + "\n").readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return re.sub(r"\w+", "_", code.strip())[:200]
    for tok in tokens:
        if tok.type == tokenize.NAME:
            text = tok.string if keyword.iskeyword(tok.string) or prev == "." else "_"
        elif tok.type == tokenize.NUMBER:
            text = "0"
        elif tok.type == tokenize.STRING:
            text = "''"
        elif tok.type == tokenize.OP:
            text = tok.string
        else:
            continue
        out.append(text)
        prev = tok.string
    return " ".join(out)[:200]


def failure_key(error: dict[str, Any] | None, stage: str, const_max_elements: int = 16) -> dict[str, Any]:
    """The cluster of a submission that could not be traced: its error class and the failing line's shape."""
    err = error or {}
    text = f"untraceable {stage}\nerror {err.get('type', 'unknown')}\nline {line_shape(str(err.get('code') or ''))}"
    return {
        "key": "e-" + _digest(text)[:24],
        "version": version_tag(const_max_elements),
        "traced": False,
        "normal_form": text,
    }


def trace(ctx: Any) -> dict[str, Any]:
    """The ``cluster`` phase: trace the entry on the first seed's inputs and normalise the jaxpr.

    A tracing failure is data (its ``failure_key``), never an error of the phase."""
    import jax

    cfg = ctx.plan.get("cluster") or {}
    limit = int(cfg.get("const_max_elements", 16))
    max_chars = int(cfg.get("max_chars", 20000))
    if ctx.entry is None or ctx.make_args is None:
        return failure_key({"type": "NoEntry"}, "load", limit)
    from .context import describe_exception

    perf = ctx.p["perf_counter"]
    t0 = perf()
    try:
        args = ctx.fresh_args(ctx.seeds[0])
        fn = ctx.entry
        with ctx.learner():
            own = ctx.is_jitted(fn) and hasattr(fn, "trace") and not (type(fn).__module__ or "").startswith("flax")
            closed = fn.trace(*args).jaxpr if own else jax.make_jaxpr(fn, static_argnums=ctx.static)(*args)
    except Exception as exc:
        out = failure_key(describe_exception(exc), "trace", limit)
        out["trace_ms"] = (perf() - t0) * 1000
        return out
    t1 = perf()
    with ctx.learner():  # a parameter's repr could be the learner's code: keep it behind the audit wall
        text = normal_form(closed, limit)
    t2 = perf()
    return {
        "key": "j-" + _digest(text)[:24],
        "version": version_tag(limit),
        "traced": True,
        "normal_form": text[:max_chars],
        "truncated": len(text) > max_chars,
        "trace_ms": (t1 - t0) * 1000,
        "normalise_ms": (t2 - t1) * 1000,
    }


def from_run(
    phase_data: dict[str, Any] | None,
    load_error: dict[str, Any] | None,
    first_call_error: dict[str, Any] | None,
    const_max_elements: int = 16,
) -> dict[str, Any] | None:
    """On the host: the submission's cluster from the harness's results. The ``cluster`` phase's own answer
    when it ran; else a failure key from what stopped grading before it (the load, or the first call)."""
    if phase_data and phase_data.get("key"):
        return dict(phase_data)
    if load_error is not None:
        return failure_key(load_error, "load", const_max_elements)
    if first_call_error is not None:
        return failure_key(first_call_error, "call", const_max_elements)
    return None


__all__ = ["NORMAL_FORM_VERSION", "failure_key", "from_run", "line_shape", "normal_form", "trace", "version_tag"]
