"""Grading a folder of submissions (serial first version; see the batch-grading issue)."""
from __future__ import annotations

from pathlib import Path

from grader.assignment import Assignment
from grader.runner import GradeOptions, grade_submission


def discover(assignment: Assignment, root: Path) -> list[tuple[str, Path]]:
    """(student id, submission folder) pairs: one per sub-folder, or ``root`` itself."""
    root = Path(root)
    if any((root / name).is_file() for name in assignment.submit):
        return [(root.name, root)]
    return [(p.name, p) for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")]


def grade_batch(assignment: Assignment, root: Path, options: GradeOptions, on_result=None) -> list[dict]:
    results = []
    for student_id, path in discover(assignment, root):
        res = grade_submission(assignment, path, student_id, options)
        results.append(res)
        if on_result:
            on_result(res)
    return results
