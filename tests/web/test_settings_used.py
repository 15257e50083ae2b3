"""Every setting does something and is documented: a setting nothing reads is a promise the code breaks."""

from __future__ import annotations

import re
from pathlib import Path

from app.config import Settings
from app.grader.driver import HarnessRun
from app.grader.report import Report
from app.grader.verdicts import fill_report

ROOT = Path(__file__).resolve().parents[2]


def _sources() -> dict[Path, str]:
    files = [*sorted((ROOT / "app").rglob("*.py")), *sorted((ROOT / "kernels").rglob("*.py"))]
    return {p: p.read_text(encoding="utf-8") for p in files}


def test_every_setting_is_read_by_the_code() -> None:
    sources = _sources()
    unread = []
    for name in Settings.model_fields:
        word = re.compile(rf"\b{name}\b")
        uses = 0
        for path, text in sources.items():
            hits = len(word.findall(text))
            if path.name == "config.py" and path.parent.name == "app":
                hits -= len(re.findall(rf"^    {name}: ", text, re.M))  # the declaration itself
                hits -= len(re.findall(rf"``{name}``|'{name}'", text))  # mentions in docs of other fields
            uses += max(hits, 0)
        if uses == 0:
            unread.append(name)
    assert unread == [], f"settings that nothing in app/ or kernels/ reads: {unread}"


def test_every_setting_is_described_and_in_docs() -> None:
    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert field.description and len(field.description) > 10, name
        assert f"`JAXTUTOR_{name.upper()}`" in doc, f"{name}: run scripts/gen_settings_doc.py"


def test_grade_output_limit_chars_caps_the_reported_output() -> None:
    run = HarnessRun(output="".join(f"line {i}\n" for i in range(1000)))
    report = Report()
    fill_report(report, run, {}, None, (), output_limit=50)
    assert len(report.output) == 50
    assert report.output.endswith("line 999\n")
    fill_report(report, run, {}, None, (), output_limit=Settings().grade_output_limit_chars)
    assert len(report.output) == Settings().grade_output_limit_chars
