"""The SQLite gradebook, the exports and the student-facing messages (no grading here)."""
from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from grader.reports import exports
from grader.reports.feedback import WITHHELD, render_html, render_markdown, student_message
from grader.batch.gradebook import Gradebook, GradebookError, GradingKey

KEY = GradingKey("suite1", "engine1", "opts1")


def result(sid="alice", status="graded", score=7.0, chash="c1", tests=None, error=None):
    tests = tests if tests is not None else [
        {"id": "test_a.py::test_one", "name": "test_one", "functions": ["mod.f"], "points": 5.0, "max_points": 5.0,
         "status": "pass", "message": "", "duration": 0.1},
        {"id": "test_a.py::test_two[cpu]", "name": "test_two", "functions": ["mod.g"], "points": score - 5.0,
         "max_points": 5.0, "status": "pass" if score >= 10 else "fail",
         "message": "g(X): shape is (3, 1), expected (1, 3)\n  first at (0, 0): got np.float64(1.5), "
                    "expected np.float64(0.123456789)", "duration": 0.2},
    ]
    return {"id": sid, "path": f"/subs/{sid}", "assignment": "a04", "content_hash": chash, "suite_hash": "suite1",
            "engine_version": "0.1.0", "isolation": "namespaces", "problems": [], "static_findings": [],
            "tests": tests, "status": status, "error": error, "score": score, "max_score": 10.0,
            "percent": score * 10, "duration_s": 1.0}


def test_schema_wal_and_integrity(tmp_path):
    path = tmp_path / "gb.sqlite"
    with Gradebook(path) as gb:
        assert gb.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert gb.integrity_check() == "ok"
        tables = {r[0] for r in gb.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"submissions", "runs", "test_results", "grades", "batches", "meta"} <= tables
    with Gradebook(path) as gb:  # reopening keeps the data and the schema
        assert gb.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "1"


def test_not_a_gradebook(tmp_path):
    p = tmp_path / "x.sqlite"
    p.write_bytes(b"garbage" * 100)
    with pytest.raises(GradebookError):
        Gradebook(p)


def test_record_and_reuse(tmp_path):
    with Gradebook(tmp_path / "gb.sqlite") as gb:
        run, became = gb.record("a04", result(), source_path="/subs/alice", kind="folder", key=KEY)
        assert became
        assert gb.find_good_run("a04", "alice", "c1", KEY) == run
        assert gb.find_good_run("a04", "alice", "c2", KEY) is None  # other content
        assert gb.find_good_run("a04", "alice", "c1", GradingKey("suite2", "engine1", "opts1")) is None
        assert gb.find_good_run("a04", "alice", "c1", GradingKey("suite1", "engine2", "opts1")) is None
        assert gb.find_good_run("a04", "alice", "c1", GradingKey("suite1", "engine1", "opts2")) is None
        assert gb.find_good_run("a04", "bob", "c1", KEY) is None
        rows = gb.conn.execute("SELECT test_id, points FROM test_results WHERE run_id = ?", (run,)).fetchall()
        assert [tuple(r) for r in rows] == [("test_a.py::test_one", 5.0), ("test_a.py::test_two[cpu]", 2.0)]
        assert gb.current_results("a04")[0]["score"] == 7.0


def test_infra_error_never_overwrites_a_good_grade(tmp_path):
    with Gradebook(tmp_path / "gb.sqlite") as gb:
        good, _ = gb.record("a04", result(score=7.0), source_path="s", kind="folder", key=KEY)
        bad, became = gb.record("a04", result(status="infra_error", score=0.0, tests=[], error="worker died"),
                                source_path="s", kind="folder", key=KEY)
        assert not became
        assert int(gb.current_run("a04", "alice")["id"]) == good
        assert gb.current_results("a04")[0]["score"] == 7.0
        assert gb.pending_infra_errors("a04") == ["alice"]
        # an infra error is never reused: the submission is graded again next time
        assert gb.find_good_run("a04", "alice", "c1", KEY) == good
        # new content with an infra error: the old good grade still stands, flagged as pending
        gb.record("a04", result(status="infra_error", score=0.0, tests=[], chash="c2", error="x"),
                  source_path="s", kind="folder", key=KEY)
        assert int(gb.current_run("a04", "alice")["id"]) == good
        # a good grade replaces anything
        newer, became = gb.record("a04", result(score=10.0, chash="c2"), source_path="s", kind="folder", key=KEY)
        assert became and int(gb.current_run("a04", "alice")["id"]) == newer
        assert gb.pending_infra_errors("a04") == []
        # a student with only infra errors has that as the current (visible) state
        gb.record("a04", result(sid="bob", status="infra_error", score=0.0, tests=[], error="x"),
                  source_path="s", kind="folder", key=KEY)
        assert gb.current_run("a04", "bob")["status"] == "infra_error"


def test_a_failed_transaction_leaves_nothing(tmp_path):
    with Gradebook(tmp_path / "gb.sqlite") as gb:
        bad = result()
        bad["tests"][1]["status"] = None  # NOT NULL violation half way through
        with pytest.raises(sqlite3.IntegrityError):
            gb.record("a04", bad, source_path="s", kind="folder", key=KEY)
        for table in ("runs", "test_results", "grades", "submissions"):
            assert gb.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table


def test_csv_export(tmp_path):
    rows = [result("alice", score=7.0), result("bob", score=10.0, chash="c9"),
            result("carl", status="invalid", score=0.0, tests=[], error="carl.zip is not a readable zip archive")]
    path = exports.export_csv(rows, tmp_path / "grades.csv")
    got = list(csv.DictReader(io.StringIO(path.read_text())))
    assert [r["student_id"] for r in got] == ["alice", "bob", "carl"]
    assert got[0]["score"] == "7" and got[0]["test_a.py::test_two[cpu]"] == "2" and got[1]["percent"] == "100"
    assert got[2]["status"] == "invalid" and got[2]["test_a.py::test_one"] == "" and "zip" in got[2]["error"]


def test_gradescope_results_format(tmp_path):
    files = exports.export_gradescope([result("alice/../x")], tmp_path / "gs", visibility="visible")
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["gs/alice_.._x/results.json"]
    doc = json.loads(files[0].read_text())
    assert doc["score"] == 7.0 and isinstance(doc["execution_time"], int) and doc["visibility"] == "visible"
    assert {"name", "score", "max_score", "output", "visibility"} <= set(doc["tests"][0])
    assert sum(t["score"] for t in doc["tests"]) == doc["score"]
    assert [t["status"] for t in doc["tests"]] == ["passed", "failed"]
    assert "0.123456789" not in json.dumps(doc) and "1.5" in doc["tests"][1]["output"]
    # whole seconds rounded up: a sub-second grading reads 1 s, never 0; the caller's wall time wins
    assert exports.gradescope_results(dict(result("bob"), duration_s=0.3))["execution_time"] == 1
    assert exports.gradescope_results(result("bob"), seconds=2.2)["execution_time"] == 3


# ----------------------------------------------------------------------------- messages

@pytest.mark.parametrize("raw, hidden, kept", [
    ("f(x): expected 0.5038617273210413, got 0.22019063138180087 (abs error 0.284)", ["0.5038617273210413"],
     ["got 0.22019063138180087", "abs error 0.284"]),
    ("  first at (0, 0): got np.float64(2.01), expected np.float64(0.18299389254414605)",
     ["0.18299389254414605"], ["got np.float64(2.01)", "(0, 0)"]),
    ("dW: gradient check failed\n  worst at (0, 2): analytic np.float64(6.26), numerical np.float64(0.348069380984306)",
     ["0.348069380984306"], ["analytic np.float64(6.26)"]),
    ("contains 1 NaN value(s); first at (1, 2) where np.float64(-0.75) was expected", ["-0.75"], ["(1, 2)"]),
    ("breast cancer: test accuracy 0.9290 < 0.95 after 2000 iterations (the reference reaches 0.970)",
     ["0.970"], ["0.9290", "0.95", "2000"]),
    ("expected array([[1., 2.]]), got array([[2., 1.]])", ["array([[1., 2.]])"], ["got array([[2., 1.]])"]),
    ("flag: expected True, got False", ["True"], ["got False"]),
    ("dW: shape is (4, 1), expected (1, 4) (transposed? check the order of a matrix product)", [],
     ["expected (1, 4)", "transposed"]),
    ("expected 3 items, got 2", [], ["expected 3 items"]),
    ("dtype is float32, expected float64", [], ["expected float64"]),
])
def test_student_message_withholds_reference_values(raw, hidden, kept):
    msg = student_message(raw)
    for h in hidden:
        assert h not in msg
    for k in kept:
        assert k in msg
    assert (WITHHELD in msg) == bool(hidden)


def test_reports_escape_and_withhold():
    res = result(score=5.0, tests=[
        {"id": "t.py::test_x", "name": "test_x", "functions": ["mod.f"], "points": 0.0, "max_points": 5.0,
         "status": "fail", "message": "f raised ValueError: <script>alert(1)</script> ``` fence; expected 0.4242",
         "duration": 0.1}])
    html_doc, md = render_html(res, "Title"), render_markdown(res, "Title")
    assert "<script>" not in html_doc and "&lt;script&gt;" in html_doc
    assert "0.4242" not in html_doc and "0.4242" not in md
    assert "````text" in md  # the fence is longer than any backtick run in the message
