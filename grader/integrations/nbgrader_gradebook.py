"""Writes dlgrade's per-test results into nbgrader's gradebook through ``nbgrader.api.Gradebook``.

Imports nothing from dlgrade, so it also runs as a script under another interpreter (nbgrader
often lives in its own environment, beside JupyterHub, not beside torch):

    NBGRADER_PYTHON nbgrader_gradebook.py COURSE_DIR ASSIGNMENT NOTEBOOK < results.json

``results.json``: [{"student": id, "tests": [{"grade_id", "points", "message"}], "note": str}].
Each test's points become the ``auto_score`` of its task cell's grade and its message that
cell's ``auto_comment``, so ``nbgrader export`` and the formgrader show dlgrade's grades.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def write_grades(course_dir: str, assignment: str, notebook: str, results: list[dict]) -> dict:
    from nbgrader.api import Gradebook, MissingEntry

    written = {}
    url = f"sqlite:///{Path(course_dir).resolve() / 'gradebook.db'}"
    with Gradebook(url) as gb:
        gb.find_assignment(assignment)  # MissingEntry: run `nbgrader generate_assignment` first
        for r in results:
            student = r["student"]
            try:
                gb.find_student(student)
            except MissingEntry:
                gb.add_student(student)
            try:
                gb.find_submission(assignment, student)
            except MissingEntry:
                gb.add_submission(assignment, student)
            n = 0
            for t in r["tests"]:
                grade = gb.find_grade(t["grade_id"], notebook, assignment, student)
                grade.auto_score = float(t["points"])
                grade.manual_score = None
                try:
                    comment = gb.find_comment(t["grade_id"], notebook, assignment, student)
                    comment.auto_comment = t.get("message") or ("passed" if t["points"] else "")
                except MissingEntry:
                    pass
                n += 1
            gb.db.commit()
            written[student] = n
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    written = write_grades(argv[0], argv[1], argv[2], json.load(sys.stdin))
    print(json.dumps(written))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
