"""The one versioned report document every verdict is expressed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

REPORT_VERSION = 1
Status = Literal["pass", "fail", "error", "skip"]


@dataclass
class CheckResult:
    name: str
    status: Status
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    weight: float = 1.0
    applicable: bool = True  # False: not part of the score (e.g. no reference to compare against)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "message": self.message,
            "details": self.details,
            "weight": self.weight,
        }


@dataclass
class Report:
    checks: list[CheckResult] = field(default_factory=list)
    error: str = ""  # grading-level error (tamper, kernel death, sandbox unavailable)
    timings: dict[str, float] = field(default_factory=dict)
    output: str = ""  # what the submission printed (capped, host paths removed)
    lesson: str | None = None
    # Set when the grading could not run for a reason that is not the learner's code (no kernel could
    # start, the sandbox is unavailable): the web app retries such a grading instead of storing a verdict.
    infrastructure: str = ""
    # The program's cluster (kernels.harness.cluster): key, normal-form version and text. For instructors;
    # the learner-facing report model leaves it out.
    cluster: dict[str, Any] | None = None

    @property
    def status(self) -> Literal["pass", "fail", "error"]:
        if self.error or any(c.status == "error" for c in self.checks):
            return "error"
        if any(c.status in ("fail", "skip") and c.applicable for c in self.checks):
            return "fail"
        return "pass"

    @property
    def score(self) -> float:
        scored = [c for c in self.checks if c.applicable]
        total = sum(c.weight for c in scored)
        if total <= 0:
            return 0.0
        return round(sum(c.weight for c in scored if c.status == "pass") / total, 4)

    def counts(self) -> dict[str, list[str]]:
        """Names of the scored checks by status: failed, error (e.g. a time limit) and skipped apart."""
        out: dict[str, list[str]] = {"pass": [], "fail": [], "error": [], "skip": []}
        for c in self.checks:
            if c.applicable:
                out[c.status].append(c.name)
        return out

    def message(self) -> str:
        if self.error:
            return self.error
        by = self.counts()
        if not (by["fail"] or by["error"] or by["skip"]):
            return "All checks passed."
        parts = []
        if by["fail"]:
            parts.append(f"{len(by['fail'])} failed ({', '.join(by['fail'])})")
        if by["error"]:
            parts.append(f"{len(by['error'])} could not be judged ({', '.join(by['error'])})")
        if by["skip"]:
            parts.append(f"{len(by['skip'])} not checked ({', '.join(by['skip'])})")
        # The first finding worth reading: a failure or an error before what they blocked.
        serious = [c for c in self.checks if c.applicable and c.status in ("fail", "error")]
        first = serious[0] if serious else next(c for c in self.checks if c.applicable and c.status == "skip")
        return f"{'; '.join(parts)}. First: {first.message}"

    def to_json(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "lesson": self.lesson,
            "status": self.status,
            "score": self.score,
            "message": self.message(),
            "checks": [c.to_json() for c in self.checks],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "output": self.output,
            "cluster": self.cluster,
        } | ({"infrastructure": self.infrastructure} if self.infrastructure else {})
