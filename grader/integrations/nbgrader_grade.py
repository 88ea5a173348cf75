"""``dlgrade grade aNN --nbgrader COURSE_DIR``: grade nbgrader's collected notebooks with dlgrade,
then write every test's score into nbgrader's gradebook (``COURSE_DIR/gradebook.db``).

The submitted notebooks (``submitted/<student>/aNN/*.ipynb``) are copied to a staging folder as
``<student>.ipynb`` and graded by the ordinary batch (intake takes their code cells; the hidden
tests run in dlgrade's sandbox, never in a kernel). The writer
(:mod:`grader.integrations.nbgrader_gradebook`) runs in-process when nbgrader is importable,
else under nbgrader's own interpreter (``--nbgrader-python`` / ``$DLGRADE_NBGRADER_PYTHON``).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from grader.course.assignment import Assignment
from grader.integrations.tests_list import safe_id

PYTHON_ENV = "DLGRADE_NBGRADER_PYTHON"


def stage_submissions(a: Assignment, course_dir: Path, dest: Path) -> list[str]:
    """Copies each student's submitted notebook to ``dest/<student>.ipynb``; returns the students."""
    submitted = Path(course_dir) / "submitted"
    if not submitted.is_dir():
        raise ValueError(f"{submitted} does not exist (run `nbgrader collect` or copy the submissions there)")
    dest.mkdir(parents=True, exist_ok=True)
    students = []
    for sdir in sorted(p for p in submitted.iterdir() if p.is_dir() and not p.name.startswith(".")):
        notebooks = sorted((sdir / a.id).glob("*.ipynb"))
        if not notebooks:
            continue
        preferred = [p for p in notebooks if p.stem == a.id]
        shutil.copyfile((preferred or notebooks)[0], dest / f"{sdir.name}.ipynb")
        students.append(sdir.name)
    return students


def payload(results: list[dict]) -> list[dict]:
    from grader.reports.feedback import student_message

    out = []
    for r in results:
        tests = [{"grade_id": safe_id(t["id"]), "points": float(t["points"]),
                  "message": student_message(t.get("message", "")) if t["status"] != "pass" else "passed"}
                 for t in r.get("tests", [])]
        out.append({"student": r["id"], "tests": tests, "note": r.get("error") or ""})
    return out


def push(a: Assignment, course_dir: Path, results: list[dict], python: str | None = None) -> dict:
    """Writes the results into nbgrader's gradebook; returns {student: tests written}."""
    data = payload(results)
    python = python or os.environ.get(PYTHON_ENV)
    if not python:
        try:
            from grader.integrations.nbgrader_gradebook import write_grades

            return write_grades(str(course_dir), a.id, a.id, data)
        except ImportError:
            raise RuntimeError("nbgrader is not importable here: install dlgrade[nbgrader], or pass "
                               f"--nbgrader-python (or ${PYTHON_ENV}) naming nbgrader's interpreter") from None
    script = Path(__file__).with_name("nbgrader_gradebook.py")
    proc = subprocess.run([python, str(script), str(Path(course_dir).resolve()), a.id, a.id],
                          input=json.dumps(data), capture_output=True, text=True, cwd=str(course_dir))
    if proc.returncode != 0:
        raise RuntimeError(f"writing nbgrader's gradebook failed: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


__all__ = ["push", "stage_submissions", "payload"]
