"""nbgrader: ``dlgrade export nbgrader aNN COURSE_DIR`` writes ``COURSE_DIR/source/aNN/aNN.ipynb``.

The source notebook nbgrader's ``generate_assignment`` turns into the student version:

* the handout and the provided code are read-only cells (``locked``);
* each function to fill is a solution cell (``solution``) whose body keeps the same
  ``### BEGIN/END SOLUTION`` markers nbgrader itself strips;
* every hidden test is a task cell (markdown, ``task``, its ``points``) whose grade id is the
  test's id made safe (:func:`grader.integrations.tests_list.safe_id`). The hidden tests
  themselves are not in the notebook: dlgrade grades the submitted notebooks in its sandbox and
  writes each test's score into these task cells' grades (``dlgrade grade aNN --nbgrader``).

nbgrader computes the checksums when it generates the assignment.
"""
from __future__ import annotations

from pathlib import Path

from grader.course.assignment import Assignment
from grader.integrations import notebook as nbmod
from grader.integrations.tests_list import hidden_tests, safe_id

SCHEMA_VERSION = 3


def nbgrader_meta(grade_id: str, *, solution=False, locked=False, task=False, points=None) -> dict:
    meta = {"grade": False, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA_VERSION,
            "solution": solution, "task": task}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def source_notebook(a: Assignment, tests: list[dict]) -> dict:
    nb_name = f"{a.id}.ipynb"
    handout = (a.student_dir / "README.md").read_text(encoding="utf-8")
    cells = [nbmod.markdown_cell(handout, "handout", nbgrader_meta("handout", locked=True)),
             nbmod.markdown_cell(f"Fill in each function's cell, **save the notebook**, then run the check cell after "
                                 f"it: `dlgrade check {a.id} {nb_name}` runs the public tests on the saved notebook. "
                                 "The hidden tests run after you submit; their points are listed at the end.",
                                 "how", nbgrader_meta("how", locked=True))]
    for seg in nbmod.segments_for(a, "marked"):
        if seg.to_fill:
            cells.append(nbmod.code_cell(seg.source, seg.name, nbgrader_meta(f"fill-{seg.name}", solution=True)))
        else:
            cells.append(nbmod.code_cell(seg.source, seg.name, nbgrader_meta(seg.name, locked=True)))
        if seg.public_tests:
            cells.append(nbmod.code_cell(f"# public tests of {seg.name} (save the notebook first)\n"
                                         + nbmod.check_command(a, seg.public_tests, nb_name), f"check-{seg.name}",
                                         nbgrader_meta(f"check-{seg.name}", locked=True)))
    for t in tests:
        gid = safe_id(t["id"])
        text = f"**Hidden test** `{t['id']}` ({t['max_points']:g} points), graded by dlgrade after you submit."
        cell = nbmod.markdown_cell(text, f"task-{gid}", nbgrader_meta(gid, task=True, locked=True, points=t["max_points"]))
        cell["metadata"]["dlgrade"] = {"test_id": t["id"]}
        cells.append(cell)
    return nbmod.new_notebook(cells)


def export_nbgrader(a: Assignment, course_dir: Path, isolation: str = "auto") -> Path:
    tests = hidden_tests(a, isolation)
    ids = [safe_id(t["id"]) for t in tests]
    if len(set(ids)) != len(ids):
        raise RuntimeError("two hidden tests map to the same nbgrader grade id")
    folder = Path(course_dir) / "source" / a.id
    return nbmod.write_notebook(source_notebook(a, tests), folder / f"{a.id}.ipynb")
