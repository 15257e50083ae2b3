"""The body of a cohort's progress matrix as HTML, built in Python rather than in Jinja.

A cohort of 500 learners and a 30-lesson track is 15,000 linked cells: a Jinja loop with its attribute
lookups and filters per cell took most of the page's time, so each cell is one format of pre-escaped
parts here (names and lesson ids escaped once each). Links are relative to ``/cohorts/{id}/progress``
(``learners/7#l-lesson``), which also keeps the page smaller. Everything shown is escaped.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from app.services.cohort_reports import Cell, Matrix


def cell_text(cell: Cell) -> str:
    """What a cell shows: ✓ (done), the best score so far (started), – (not started), then late / stuck."""
    if cell.state == "passed":
        text = "✓"
    elif cell.state == "started":
        text = f"{cell.best_score * 100:.0f}%"
    else:
        text = "–"
    if cell.late:
        text += " late"
    if cell.stuck:
        text += " stuck"
    return text


_CLASSES = {
    (state, late, stuck): f"c-{state}" + (" c-late" if late else "") + (" c-stuck" if stuck else "")
    for state in ("passed", "started", "none")
    for late in (False, True)
    for stuck in (False, True)
}


def cell_class(cell: Cell) -> str:
    return _CLASSES[(cell.state, cell.late, cell.stuck)]


def matrix_rows(m: Matrix) -> Markup:
    """The ``<tr>`` rows of the matrix's ``<tbody>``: a row header linking the learner's page, then one cell per
    lesson linking the learner's page at that lesson."""
    lessons = [(item.lesson_id, str(escape(item.lesson_id))) for item in m.items]
    cells = m.cells
    out: list[str] = []
    for learner in m.learners:
        uid = learner.id
        name = escape(learner.username)  # also a title: a long name is cut with an ellipsis at phone width
        out.append(f'<tr><th scope="row"><a href="learners/{uid}" title="{name}">{name}</a></th>')
        for lesson_id, safe_id in lessons:
            cell = cells[(uid, lesson_id)]
            out.append(
                f'<td class="{cell_class(cell)}"><a href="learners/{uid}#l-{safe_id}">{cell_text(cell)}</a></td>'
            )
        out.append("</tr>\n")
    return Markup("".join(out))  # noqa: S704  (every name and id escaped above)
