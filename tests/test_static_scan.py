"""The static scans judge the submission as submitted, not what its code later leaves on disk.

The scans run in the grading process while the grading worker runs the tests (they overlap on a
second core). A submission whose module rewrites its own file when imported — hiding a banned
call from a scan that would read the file afterwards — must still be caught: the grader reads
the sources before any of the submission's code runs.
"""
from __future__ import annotations

import time

import pytest

from grader.course import assignment as assignment_mod
from grader.course.scaffold import new_assignment
from grader.grading.runner import GradeOptions, grade_submission

SELF_REWRITING = '''import numpy as np

def scale(x, factor):
    return np.multiply(x, factor).astype(x.dtype)

# Once imported, leave a clean copy on disk (the banned call gone).
with open(__file__, "w") as _f:
    _f.write("import numpy as np\\n\\ndef scale(x, factor):\\n    return x * factor\\n")
'''


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    (root / "assignments").mkdir(parents=True)
    (root / "solutions").mkdir()
    new_assignment(root, "a10_demo")
    toml = root / "assignments/a10_demo/assignment.toml"
    toml.write_text(toml.read_text() + '\n[banned]\nscale = ["np.multiply"]\n')
    return root


@pytest.mark.slow  # grades two submissions
def test_a_banned_call_hidden_by_rewriting_the_file_at_import_is_still_found(course, tmp_path, monkeypatch):
    from grader.grading import runner

    def late_scan(source, rel, banned, _scan=runner.scan_banned):  # as if the scan came after the tests
        time.sleep(1.0)
        return _scan(source, rel, banned)

    monkeypatch.setattr(runner, "scan_banned", late_scan)
    a = assignment_mod.load("a10", course)
    options = GradeOptions(secret="s")
    honest = tmp_path / "honest"
    honest.mkdir()
    (honest / "demo.py").write_text((course / "solutions/a10_demo/demo.py").read_text())
    assert grade_submission(a, honest, "honest", options)["score"] == 100  # the rule leaves correct code alone

    sneaky = tmp_path / "sneaky"
    sneaky.mkdir()
    (sneaky / "demo.py").write_text(SELF_REWRITING)
    result = grade_submission(a, sneaky, "sneaky", options)
    scale_tests = [t for t in result["tests"] if "demo.scale" in t["functions"]]
    assert scale_tests, "the tests must have called scale (the submission ran)"
    assert all(t["points"] == 0 for t in scale_tests), [(t["name"], t["points"]) for t in scale_tests]
    assert any("np.multiply" in f for f in result["findings"]), result["findings"]
