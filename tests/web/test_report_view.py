"""Reports for people (app.report_view): figures in words, the speedup chart, code spans, cited lines."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from app.report_view import cited_lines, code_spans, figures, notes, numbered_code, speedup_chart

SPEEDUP = {
    "ratio": 124.21,
    "threshold": 5.0,
    "backend": "cpu",
    "submission_ms": 0.0547,
    "baseline_ms": 6.561,
    "ratios": [111.4, 150.6, 87.2, 184.3],
    "remeasured": False,
}


def test_figures_are_words_without_internals() -> None:
    rows = dict(figures(SPEEDUP))
    assert rows["Speedup over the baseline"].startswith("124×")
    assert "range 87.2–184×" in rows["Speedup over the baseline"]
    assert rows["Speedup needed"] == "at least 5×"
    assert rows["Your function, per call"] == "0.055 ms" and rows["Baseline, per call"] == "6.56 ms"
    assert "Measured again" not in rows and not any("Ratios" in k for k in rows)
    assert "[" not in str(rows)
    assert figures({"hints": [], "loops": {}, "remeasured": False}) == []
    retrace = dict(figures({"calls": 3, "compiles_per_call": [0, 0, 0], "traces_per_call": [1, 0, 0]}))
    assert retrace["Compilations per call"] == "0 on each of 3" and retrace["Tracings per call"] == "1, 0, 0"
    # Keys the grader adds later still show, with a label made from their name and unit.
    assert figures({"peak_mem_ms": 2.5, "new_thing": "yes", "deep": [{"a": 1}]}) == [
        ("Peak mem", "2.5 ms"),
        ("New thing", "yes"),
    ]
    assert figures(None) == [] and figures(["not", "a", "dict"]) == []


def test_notes_leave_out_findings_that_repeat_the_message() -> None:
    check = {
        "message": "Line 3 prints: `print(x)`.",
        "details": {"findings": ["Line 3 prints: `print(x)`."], "hints": ["Use jax.debug.print."]},
    }
    assert notes(check) == ["Use jax.debug.print."]


def test_code_spans_are_escaped_and_rendered() -> None:
    html = str(code_spans("Use `jnp.where(x < 0, 0, x)` not <b>`if`</b>\n    ^"))
    assert "<code>jnp.where(x &lt; 0, 0, x)</code>" in html
    assert "&lt;b&gt;<code>if</code>&lt;/b&gt;" in html and "\n    ^" in html


def test_speedup_chart_is_wellformed_svg() -> None:
    svg = str(speedup_chart(SPEEDUP))
    root = ET.fromstring(svg)
    assert root.tag == "svg" and root.get("role") == "img"
    assert svg.count("<rect") == 2 and "124×" in svg and "5×" in svg and "whisker" in svg
    assert str(speedup_chart({"ratio": 0.97})).count("<rect") == 1
    assert str(speedup_chart({"equations": 3})) == "" and str(speedup_chart(None)) == ""


def test_cited_lines_are_highlighted_in_numbered_code() -> None:
    report = {
        "message": "Some checks failed.",
        "checks": [
            {"status": "fail", "message": "line 2 reads the clock; lines 4-5 loop"},
            {"status": "pass", "message": "line 1 is fine"},
        ],
    }
    cited = cited_lines(report, limit=5)
    assert cited == {2, 4, 5}
    html = str(numbered_code("a\nb < c\nc\nd\ne", cited))
    assert '<span class="line cited" id="L2"' in html and "b &lt; c" in html
    assert '<span class="line" id="L1">' in html and html.count('class="ln"') == 5
    assert cited_lines({"message": "line 99"}, limit=5) == set()
