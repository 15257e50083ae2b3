"""Write docs/settings.md from app/config.py: every setting, its environment variable, default and description.

    PYTHONPATH=. .venv/bin/python scripts/gen_settings_doc.py

tests/web/test_settings_used.py fails when a setting is missing from docs/settings.md, so run this after
adding or changing one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402

HEADER = """# Settings

Every setting is an environment variable `JAXTUTOR_<NAME>` (or a field of `app.config.Settings`).
Generated from `app/config.py` by `scripts/gen_settings_doc.py`; do not edit by hand.

| Variable | Default | What it does |
|---|---|---|
"""


def _default(name: str) -> str:
    field = Settings.model_fields[name]
    value = field.default_factory() if field.default_factory is not None else field.default  # type: ignore[call-arg]
    if isinstance(value, Path):
        value = str(value).replace(str(ROOT), "<checkout>")
    if isinstance(value, list):
        value = json.dumps([str(v).replace(str(ROOT), "<checkout>") for v in value])
    return f"`{value}`" if value != "" else "(empty)"


def render() -> str:
    rows = []
    for name, field in Settings.model_fields.items():
        desc = (field.description or "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `JAXTUTOR_{name.upper()}` | {_default(name)} | {desc} |")
    return HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    (ROOT / "docs" / "settings.md").write_text(render(), encoding="utf-8")
