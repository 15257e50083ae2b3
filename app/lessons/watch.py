"""Reload instructor lessons while the server runs: no restart to see an edit.

Every ``lesson_reload_s`` the catalog stats its lesson folders (a few hundred ``stat`` calls for the
bundled lessons) and reloads only what changed. A broken edit leaves the last good version of that
lesson served and is logged with its problems; every other lesson is untouched.
"""

from __future__ import annotations

import asyncio
import logging

from app.lessons.loader import LessonCatalog

log = logging.getLogger("jaxtutor.lessons")


def refresh_and_log(catalog: LessonCatalog) -> list[str]:
    """One refresh, logged: which folders changed, and each problem of theirs."""
    changed = catalog.refresh()
    if changed:
        log.info("lessons reloaded: %s", ", ".join(sorted(changed)))
        for problem in catalog.problems:
            if problem.lesson in changed:
                log.warning("lesson problem: %s", problem)
        for lesson_id in sorted(catalog.stale):
            log.warning("lesson %s: its files are broken; the last good version is still served", lesson_id)
    return changed


async def watch_lessons(catalog: LessonCatalog, interval_s: float) -> None:
    """Refresh forever (until cancelled); the stat work runs off the event loop."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await asyncio.to_thread(refresh_and_log, catalog)
        except Exception:  # a reload must never take the server down; the next round tries again
            log.exception("reloading lessons failed")
