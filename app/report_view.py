"""Grading reports for people: figures in words, a speedup chart, code spans, cited lines.

The report JSON is the grader's contract (``app.grader.report``); checks add keys to ``details`` as they
grow, so nothing here assumes a key exists. Known keys get a label and a unit; unknown scalars still
show with a label made from their name; internals that mean nothing to a learner (empty lists and
maps, ``remeasured: false``, the raw list of timing ratios, findings that repeat the message) are
left to the raw JSON, which the page keeps one click away.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

#: key -> (label, unit). Units: "ms", "s", "x" (a ratio), "" (a count or a word).
KNOWN: dict[str, tuple[str, str]] = {
    "inputs": ("Inputs compared", ""),
    "failed_input": ("First input that differs", ""),
    "max_abs_err": ("Largest difference", ""),
    "max_rel_err": ("Largest relative difference", ""),
    "trace_ms": ("Tracing", "ms"),
    "compile_ms": ("Compiling", "ms"),
    "calls": ("Calls made", ""),
    "compiles_per_call": ("Compilations per call", ""),
    "traces_per_call": ("Tracings per call", ""),
    "reference_recompiles": ("Recompilations of the reference", ""),
    "equations": ("Operations in your traced program", ""),
    "reference_equations": ("Operations in the reference", ""),
    "equations_from_python_loops": ("Operations from unrolled Python loops", ""),
    "ratio": ("Speedup over the baseline", "x"),
    "threshold": ("Speedup needed", "x"),
    "submission_ms": ("Your function, per call", "ms"),
    "baseline_ms": ("Baseline, per call", "ms"),
    "submission_compile_ms": ("Your function, compiling", "ms"),
    "baseline_compile_ms": ("Baseline, compiling", "ms"),
    "backend": ("Measured on", ""),
    "device": ("Device", ""),
    "remeasured": ("Measured again", ""),
    "clock": ("Timed as", ""),
}
#: Keys shown another way (the ratio's interval, the notes list) or only in the raw JSON.
FOLDED = {"ratios", "hints", "findings"}


def _number(value: float) -> str:
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    return f"{value:.2g}"


def _scalar(value: Any, unit: str) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        text = _number(float(value))
        return {"ms": f"{text} ms", "s": f"{text} s", "x": f"{text}×"}.get(unit, text)
    return str(value)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _label(key: str) -> tuple[str, str]:
    if key in KNOWN:
        return KNOWN[key]
    unit = "ms" if key.endswith("_ms") else "s" if key.endswith("_s") else ""
    words = key.removesuffix("_ms").removesuffix("_s") if unit else key
    return words.replace("_", " ").strip().capitalize() or key, unit


def _ratio_interval(ratios: Any) -> str:
    if not isinstance(ratios, list):
        return ""
    values = [float(r) for r in ratios if isinstance(r, int | float) and not isinstance(r, bool)]
    if len(values) < 2:
        return ""
    median, low, high = (_number(v) for v in (statistics.median(values), min(values), max(values)))
    return f" (median of {len(values)} rounds {median}×, range {low}–{high}×)"


def figures(details: Any) -> list[tuple[str, str]]:
    """A check's ``details`` as (label, value) rows, in the order the grader wrote them."""
    if not isinstance(details, dict):
        return []
    rows: list[tuple[str, str]] = []
    for key, value in details.items():
        if key in FOLDED or value is None or value == [] or value == {} or value == "":
            continue
        if key == "remeasured" and not value:
            continue
        if key == "device" and value == details.get("backend"):
            continue  # "Measured on cpu" already says it
        if str(key).endswith("compile_ms") and value == 0 and key != "compile_ms":
            continue  # nothing compiled during the timing (cached): not worth a row
        label, unit = _label(str(key))
        if _is_scalar(value):
            text = _scalar(value, unit)
            if key == "ratio":
                text += _ratio_interval(details.get("ratios"))
            if key == "threshold" and isinstance(value, int | float):
                text = f"at least {text}"
            rows.append((label, text))
        elif isinstance(value, list) and all(_is_scalar(v) for v in value):
            if len(set(map(str, value))) == 1:
                rows.append((label, f"{_scalar(value[0], unit)} on each of {len(value)}"))
            else:
                shown = ", ".join(_scalar(v, unit) for v in value[:8])
                rows.append((label, shown + (f", … ({len(value)} in all)" if len(value) > 8 else "")))
        elif isinstance(value, dict) and 0 < len(value) <= 8 and all(_is_scalar(v) for v in value.values()):
            rows.append((label, ", ".join(f"{k}: {_scalar(v, '')}" for k, v in value.items())))
        # anything deeper stays in the raw JSON
    return rows


def notes(check: Any) -> list[str]:
    """Hints and findings worth a line of their own: those the check's message does not already say."""
    if not isinstance(check, dict) or not isinstance(check.get("details"), dict):
        return []
    message = str(check.get("message") or "")
    out: list[str] = []
    for key in ("hints", "findings"):
        items = check["details"].get(key)
        if not isinstance(items, list):
            continue
        for item in items:
            text = item.get("message") if isinstance(item, dict) else item
            if isinstance(text, str) and text.strip() and text.strip() not in message and text not in out:
                out.append(text)
    return out


_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def code_spans(text: Any) -> Markup:
    """Escape ``text`` and render its `code spans` as <code>; line breaks are kept by CSS (pre-wrap)."""
    escaped = str(escape("" if text is None else str(text)))
    return Markup(_CODE_SPAN.sub(lambda m: f"<code>{m.group(1)}</code>", escaped))  # noqa: S704  (escaped above)


_LINE_REF = re.compile(r"\blines? (\d+)(?:\s*(?:-|–|to|and)\s*(\d+))?", re.IGNORECASE)


def cited_lines(report: Any, *, limit: int) -> set[int]:
    """Line numbers the report's messages cite (``line 3``, ``lines 4-6``), within 1..limit."""
    if not isinstance(report, dict):
        return set()
    texts: list[str] = [str(report.get("message") or ""), str(report.get("error") or "")]
    for check in report.get("checks") or []:
        if isinstance(check, dict) and check.get("status") in ("fail", "error"):
            texts.append(str(check.get("message") or ""))
    lines: set[int] = set()
    for text in texts:
        for m in _LINE_REF.finditer(text):
            first = int(m.group(1))
            last = int(m.group(2)) if m.group(2) else first
            if last < first or last - first > 50:
                last = first
            lines.update(n for n in range(first, last + 1) if 1 <= n <= limit)
    return lines


#: Report keys for instructors only: the cluster's normal form shows the (hidden) inputs' shapes.
INSTRUCTOR_ONLY_KEYS = ("cluster",)


def for_learner(report: Any) -> Any:
    """The stored report as its learner may read it raw (without the instructor-only keys)."""
    if not isinstance(report, dict):
        return report
    return {k: v for k, v in report.items() if k not in INSTRUCTOR_ONLY_KEYS}


def numbered_code(code: str, cited: Iterable[int] = (), commented: Mapping[int, int] | None = None) -> Markup:
    """The submitted code with line numbers (not copied with the code). Lines the report cites are marked;
    ``commented`` (line -> comment id) marks lines an instructor commented on, each with a link to its
    first comment, so a reader of the listing finds the feedback and the comment's "line N" link finds
    the line."""
    marked, notes = set(cited), dict(commented or {})
    parts = []
    for n, line in enumerate(code.removesuffix("\n").split("\n"), start=1):
        classes = ["line"] + (["cited"] if n in marked else []) + (["commented"] if n in notes else [])
        label = ' title="cited in the report"' if n in marked else ""
        note = f'<a class="line-note" href="#comment-{int(notes[n])}">comment on line {n}</a>' if n in notes else ""
        parts.append(
            f'<span class="{" ".join(classes)}" id="L{n}"{label}><span class="ln" aria-hidden="true">{n}</span>'
            f"{escape(line)}{note}</span>"
        )
    return Markup('<pre class="code numbered"><code>' + "".join(parts) + "</code></pre>")  # noqa: S704  (escaped)


def speedup_chart(details: Any) -> Markup:
    """An inline SVG bar chart of the measured speedup against the needed one (log scale), or nothing."""
    if not isinstance(details, dict):
        return Markup("")
    ratio, threshold = details.get("ratio"), details.get("threshold")
    if not isinstance(ratio, int | float) or isinstance(ratio, bool) or ratio <= 0:
        return Markup("")
    rows: list[tuple[str, float, str]] = [("Your code", float(ratio), "bar")]
    if isinstance(threshold, int | float) and not isinstance(threshold, bool) and threshold > 0:
        rows.append(("Needed", float(threshold), "bar need"))
    ratios = details.get("ratios")
    spread = [float(r) for r in ratios if isinstance(r, int | float) and r > 0] if isinstance(ratios, list) else []
    values = [v for _, v, _ in rows] + spread + [1.0]
    lo, hi = min(values) / 1.5, max(values) * 1.6
    left, width, row_h = 90, 300, 28

    def x(v: float) -> float:
        return left + (math.log(v) - math.log(lo)) / (math.log(hi) - math.log(lo)) * width

    height = row_h * len(rows) + 24
    parts = [
        f'<svg class="speedup" role="img" viewBox="0 0 {left + width + 80} {height}" '
        f'width="{left + width + 80}" height="{height}" aria-labelledby="speedup-title">',
        f'<title id="speedup-title">Speedup: {escape(_scalar(ratio, "x"))}'
        + (f", needed {escape(_scalar(threshold, 'x'))}" if len(rows) > 1 else "")
        + "</title>",
    ]
    for i, (label, value, cls) in enumerate(rows):
        y = 4 + i * row_h
        parts.append(f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>')
        bar = max(1.0, x(value) - left)
        parts.append(f'<rect class="{cls}" x="{left}" y="{y + 3}" width="{bar:.1f}" height="18" rx="2"/>')
        end = x(value)
        if i == 0 and len(spread) >= 2:  # the spread of the measured rounds
            a, b = x(min(spread)), x(max(spread))
            mid = y + 12
            path = f"M{a:.1f} {mid - 6}v12M{a:.1f} {mid}H{b:.1f}M{b:.1f} {mid - 6}v12"
            parts.append(f'<path class="whisker" d="{path}"/>')
            end = max(end, b)
        parts.append(f'<text x="{end + 6:.1f}" y="{y + 16}">{escape(_scalar(value, "x"))}</text>')
    one = x(1.0)
    parts.append(f'<line class="threshold" x1="{one:.1f}" x2="{one:.1f}" y1="2" y2="{height - 16}"/>')
    parts.append(f'<text x="{one - 4:.1f}" y="{height - 3}">1× = as fast as the baseline</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (numbers and escaped labels only)
