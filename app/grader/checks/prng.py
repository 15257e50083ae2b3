"""prng: keys are split, never reused, and actually drive the randomness."""

from __future__ import annotations

from app.grader.checks.base import Evidence, phase_problem, result
from app.grader.explain import sentence, where
from app.grader.report import CheckResult

NAME = "prng"


def evaluate(ev: Evidence) -> CheckResult:
    problem = phase_problem(ev, NAME, "prng", "Checking PRNG key use")
    if problem:
        return problem
    d = ev.sub.data("prng") or {}
    reuse = d.get("reuse")
    if reuse:
        loc = where(reuse) or "Your function"
        return result(
            ev,
            NAME,
            "fail",
            f"{loc} uses a PRNG key that was already used, so two random draws are "
            "identical (correlated). Split the key (`k1, k2 = jax.random.split(key)`) and use each subkey "
            "once; return a new key if the caller needs one.",
            line=reuse.get("line"),
            mode=reuse.get("mode"),
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
