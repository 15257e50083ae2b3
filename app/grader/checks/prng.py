"""prng: keys are split, never reused, and actually drive the randomness."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.grader.checks.base import Evidence, phase_problem, result
from app.grader.checks.registry import Check, CheckConfig, CliDefault, CliOptions, Phase
from app.grader.explain import sentence, where
from app.grader.report import CheckResult

NAME = "prng"


def evaluate(ev: Evidence) -> CheckResult:
    problem = phase_problem(ev, NAME, "prng", "Checking PRNG key use")
    if problem:
        return problem
    d = ev.sub.data("prng") or {}
    arithmetic = d.get("key_arithmetic")
    if arithmetic:
        return _key_arithmetic(ev, arithmetic)
    reuse = d.get("reuse")
    if reuse:
        loc = where(reuse) or "Your function"
        if "repeatedly executed" in (reuse.get("message") or ""):  # the static checker's loop-body finding
            message = (
                f"{loc} runs a loop (`lax.scan`, `fori_loop` or `while_loop`) whose body draws from the same "
                "PRNG key on every step, so every step gets the same random numbers. Give each step its own "
                "key: scan over `jax.random.split(key, n_steps)`, or carry a key in the loop state and split "
                "it every step."
            )
        else:
            message = (
                f"{loc} uses a PRNG key that was already used, so two random draws are identical (correlated). "
                "Split the key (`k1, k2 = jax.random.split(key)`) and use each subkey once; return a new key "
                "if the caller needs one."
            )
        return result(ev, NAME, "fail", message, line=reuse.get("line"), mode=reuse.get("mode"))
    same = d.get("same_key_draws")
    if same:
        lines = " and ".join(f"line {x['line']} (`{x['code']}`)" for x in same)
        twice = "twice" if len(same) > 1 else "more than once"
        return result(
            ev,
            NAME,
            "fail",
            f"Random numbers are drawn {twice} from equal keys ({lines}): keys derived the same way are the same "
            "key (e.g. `fold_in(key, 0)` twice, or `split` of one key twice), so the draws repeat. Derive "
            "distinct keys: `k1, k2 = jax.random.split(key)`, or fold in different numbers.",
            line=same[0]["line"],
            lines=[x["line"] for x in same],
        )
    shared = d.get("vmap_shared_key")
    if shared:
        return result(
            ev,
            NAME,
            "fail",
            f"Line {shared['line']} (`{shared['code']}`) draws inside `jax.vmap` with a key that is not batched, "
            "so every example gets the same random numbers (e.g. the same dropout mask). Give each example its "
            "own key: `keys = jax.random.split(key, batch_size)` and map over them (`in_axes` for the keys).",
            line=shared["line"],
        )
    if d.get("ignores_key"):
        return result(
            ev,
            NAME,
            "fail",
            "Your function returns the same result for different keys: it ignores its "
            "key argument (perhaps a hard-coded `jax.random.key(0)` inside). Derive all randomness from "
            "the key you are given.",
        )
    errors = d.get("errors") or []
    if errors and d.get("ignores_key") is None and d.get("key_args"):
        return result(ev, NAME, "skip", sentence(errors[0], prefix="Could not check key use: "))
    if not d.get("key_args"):
        return result(ev, NAME, "pass", "No PRNG key arguments, and no key reuse detected.")
    return result(ev, NAME, "pass", "Keys are used once each and drive the randomness.")


_OPERATORS = {"add": "+", "subtract": "-", "multiply": "*", "bitwise_xor": "^", "bitwise_and": "&", "bitwise_or": "|"}


def _key_arithmetic(ev: Evidence, err: dict[str, Any]) -> CheckResult:
    """Arithmetic on a PRNG key (``key + i``): plain JAX computes it on a legacy uint32 key, but the result
    is not a key JAX derived, and keys made that way can collide or correlate."""
    loc = where(err) or "Your function"
    op = _OPERATORS.get(str(err.get("key_arithmetic")), "")
    what = f"`key {op} ...`" if op else "arithmetic"
    return result(
        ev,
        NAME,
        "fail",
        f"{loc} does arithmetic on a PRNG key ({what}). A key is not a number: keys made by adding or "
        "multiplying are not independent (`key + 1` for one call can equal another call's key), and new-style "
        "keys (`jax.random.key`) refuse it. Derive new keys with `jax.random.fold_in(key, i)` or "
        "`jax.random.split(key, n)`.",
        line=err.get("line"),
        operation=err.get("key_arithmetic"),
    )


class PrngCheck(CheckConfig):
    key_args: list[int] = Field(default_factory=list, description="Positions of PRNG key arguments.")


def _phases(cfg: dict[str, Any]) -> list[Phase]:
    return [Phase("prng", "keys.prng", {"key_args": list(cfg.get("key_args", []))})]


def _cli(options: CliOptions) -> CliDefault:
    return CliDefault({})


CHECK = Check(name=NAME, config=PrngCheck, evaluate=evaluate, phases=_phases, judges=("prng",), cli=_cli)
