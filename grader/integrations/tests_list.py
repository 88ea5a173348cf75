"""The hidden tests of an assignment with their points, as the engine sees them."""
from __future__ import annotations

import dataclasses
import re

from grader.course.assignment import Assignment


def hidden_tests(a: Assignment, isolation: str = "auto") -> list[dict]:
    """[{id, max_points, functions}] of the hidden suite, from grading the course's own stub (every
    test runs and fails fast; the ids, parametrisations and points are the engine's, not re-parsed)."""
    from grader.grading.runner import GradeOptions, grade_submission
    from grader.sandbox.launcher import require_isolation

    opts = GradeOptions(secret="export", isolation=isolation)
    opts = dataclasses.replace(opts, isolation=require_isolation(opts.isolation, protect=None))  # the course's code
    res = grade_submission(a, a.student_dir, "stub", opts)
    if not res["tests"]:
        raise RuntimeError(f"the hidden suite of {a.id} collected no tests: {res.get('error')}")
    return [{"id": t["id"], "max_points": float(t["max_points"]), "functions": list(t.get("functions", []))}
            for t in res["tests"]]


def public_tests(a: Assignment, isolation: str = "auto") -> list[dict]:
    """[{id, max_points, functions}] of the public suite (``tests/test_public.py``), from checking the
    course's reference with it: every test passes, so ``functions`` lists all the student functions
    it calls (on the stub only the first one, where it stops)."""
    from grader.grading.runner import GradeOptions, grade_submission
    from grader.sandbox.launcher import require_isolation

    opts = GradeOptions(mode="public", isolation=isolation)
    opts = dataclasses.replace(opts, isolation=require_isolation(opts.isolation, protect=None))
    res = grade_submission(a, a.solution_dir, "reference", opts)
    if not res["tests"] or any(t["status"] != "pass" for t in res["tests"]):
        raise RuntimeError(f"the public tests of {a.id} do not all pass on the reference: {res.get('error')}")
    return [{"id": t["id"], "max_points": float(t["max_points"]), "functions": list(t.get("functions", []))}
            for t in res["tests"]]


def safe_id(test_id: str) -> str:
    """A test id as nbgrader/otter accept it (letters, digits, - and _):
    ``test_perceptron.py::test_gates[AND]`` -> ``test_perceptron-test_gates-AND``."""
    s = test_id.replace(".py::", "-").replace("::", "-")
    return re.sub(r"[^A-Za-z0-9_-]+", "-", s).strip("-")
