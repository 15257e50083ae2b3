"""Write small lesson folders for the loader and authoring tests (a copy of tests/web/lessons/demo-add)."""

from __future__ import annotations

import shutil
from pathlib import Path

DEMO = Path(__file__).resolve().parent / "web" / "lessons" / "demo-add"


def make_lesson(base: Path, name: str, *, lesson_id: str | None = None, toml_extra: str = "") -> Path:
    folder = base / name
    shutil.copytree(DEMO, folder)
    if lesson_id is not None or toml_extra:
        toml = (folder / "lesson.toml").read_text()
        if lesson_id is not None:
            toml = f'id = "{lesson_id}"\n' + toml
        (folder / "lesson.toml").write_text(toml + toml_extra)
    return folder
