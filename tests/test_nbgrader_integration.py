"""nbgrader round trip with the real nbgrader (its own venv, tests/integrations_support.tool_env):
export, generate_assignment, a faked collect of three students, dlgrade grade --nbgrader,
nbgrader export; the CSV and the per-test grades in nbgrader's gradebook equal dlgrade's."""
from __future__ import annotations

import csv
import json

import pytest

from integrations_support import ISOLATION, dlgrade, run, student_copies, tool_env

pytestmark = pytest.mark.slow

GRADES_SCRIPT = """
import json, sys
from nbgrader.api import Gradebook
out = {}
with Gradebook("sqlite:///" + sys.argv[1]) as gb:
    for s in gb.find_assignment("a04").submissions:
        nb = gb.find_submission_notebook("a04", "a04", s.student.id)
        out[s.student.id] = {g.name: g.score for g in nb.grades}
        out[s.student.id + "/comments"] = {c.name: c.comment for c in nb.comments if c.comment}
print(json.dumps(out))
"""


def test_nbgrader_round_trip(tmp_path):
    env = tool_env("nbgrader")
    path_env = {"PATH": f"{env / 'bin'}:{__import__('os').environ['PATH']}"}  # nbgrader runs alembic from PATH
    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(f'c = get_config()\nc.CourseDirectory.root = "{course}"\n')
    dlgrade("export", "nbgrader", "a04", course, "--isolation", ISOLATION)
    run([env / "bin" / "nbgrader", "generate_assignment", "a04", "--force"], cwd=course, env=path_env)
    released = course / "release" / "a04" / "a04.ipynb"
    meta = [c["metadata"].get("nbgrader", {}) for c in json.loads(released.read_text())["cells"]]
    assert all("checksum" in m for m in meta if m.get("solution") or m.get("locked") or m.get("task"))
    student_copies(released, lambda s: course / "submitted" / s / "a04" / "a04.ipynb")

    book = tmp_path / "dl.sqlite"
    dlgrade("grade", "a04", "--nbgrader", course, "--nbgrader-python", env / "bin" / "python", "--isolation", ISOLATION,
            "--gradebook", book, "-j", "1", "--secret", "nbgrader-test")
    run([env / "bin" / "nbgrader", "export"], cwd=course, env=path_env)
    nbg = {r["student_id"]: r for r in csv.DictReader((course / "grades.csv").open())}
    dlgrade("gradebook", "export", "a04", "--format", "csv", "--gradebook", book, "-o", tmp_path / "dl.csv")
    dl = {r["student_id"]: r for r in csv.DictReader((tmp_path / "dl.csv").open())}
    print((course / "grades.csv").read_text())
    assert set(nbg) == set(dl) == {"reference", "stub", "buggy"}
    for s in dl:
        assert float(nbg[s]["score"]) == pytest.approx(float(dl[s]["score"])), s
        assert float(nbg[s]["max_score"]) == pytest.approx(float(dl[s]["max_score"])) == 100
    assert float(nbg["reference"]["score"]) == 100 and float(nbg["stub"]["score"]) == 0
    assert 0 < float(nbg["buggy"]["score"]) < 100

    # every test's grade, through nbgrader's own API, equals dlgrade's per-test column
    from grader.integrations.tests_list import safe_id

    got = json.loads(run([env / "bin" / "python", "-c", GRADES_SCRIPT, course / "gradebook.db"]).stdout)
    test_cols = [c for c in dl["reference"] if "::" in c]
    assert len(test_cols) > 20
    for s in dl:
        assert {safe_id(c): float(dl[s][c]) for c in test_cols} == got[s], s
    assert any("sigmoid" in k for k in got["buggy/comments"]), got["buggy/comments"]
