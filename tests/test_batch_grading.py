"""Batch grading end to end: intake of every kind of entry, the process pool, the gradebook,
reuse of unchanged results, infrastructure errors, resume after a kill, and the feedback
reports (which must never contain hidden-test source or reference values).

Submissions are small copies of examples/submissions/a04 (each grade takes a few seconds).
"""
from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from grader.course import assignment as assignment_mod
from grader.batch import coordinator as batch
from grader.reports import exports
from grader.batch.coordinator import BatchReport, grade_batch
from grader.batch.gradebook import Gradebook
from grader.grading.runner import GradeOptions

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples" / "submissions" / "a04"
SECRET = "batch-tests"


def _src(case: str) -> bytes:
    return (EX / case / "nn_basics.py").read_bytes()


def _notebook(source: str) -> str:
    cut = source.find("\ndef ", len(source) // 2)
    cells = ["%matplotlib inline\n!pip install numpy\n" + source[:cut], source[cut:], "%%time\nprint('hi')\n"]
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                       "cells": [{"cell_type": "markdown", "metadata": {}, "source": "# A04"}]
                       + [{"cell_type": "code", "metadata": {}, "source": c, "outputs": [], "execution_count": None}
                          for c in cells]})


@pytest.fixture(scope="module")
def a04():
    return assignment_mod.load("a04", ROOT)


@pytest.fixture(scope="module")
def subs(tmp_path_factory):
    d = tmp_path_factory.mktemp("batch") / "subs"
    d.mkdir()
    (d / "alice").mkdir()
    (d / "alice" / "nn_basics.py").write_bytes(_src("correct"))
    (d / "alice.py").write_bytes(_src("half_finished"))  # duplicate id -> alice~2
    with zipfile.ZipFile(d / "bob.zip", "w", zipfile.ZIP_DEFLATED) as z:  # wrapped in a folder
        z.writestr("bob/nn_basics.py", _src("bug_missing_1_over_m"))
    (d / "carol.ipynb").write_text(_notebook(_src("correct").decode()))
    (d / "erin.zip").write_bytes(b"PK\x03\x04 this zip was cut off by a broken upload")
    with zipfile.ZipFile(d / "frank.zip", "w", zipfile.ZIP_DEFLATED) as z:  # zip bomb
        z.writestr("nn_basics.py", b"\0" * (100 * 1024 * 1024))
    with zipfile.ZipFile(d / "gina.zip", "w") as z:  # path escape
        z.writestr("nn_basics.py", _src("correct"))
        z.writestr("../../gina_was_here.py", "x = 1\n")
    return d


@pytest.fixture(scope="module")
def graded(a04, subs):
    book = subs.parent / "gradebook.sqlite"
    report = BatchReport()
    seen = []
    opts = GradeOptions(secret=SECRET, hide=(str(subs),))
    results = grade_batch(a04, subs, opts, on_result=seen.append, workers=2, gradebook=book, report=report)
    return {"results": {r["id"]: r for r in results}, "order": [r["id"] for r in results], "report": report,
            "book": book, "seen": seen, "opts": opts}


def test_every_entry_is_graded_or_recorded_as_invalid(graded, subs):
    res, report = graded["results"], graded["report"]
    assert graded["order"] == ["alice", "alice~2", "bob", "carol", "erin", "frank", "gina"]
    assert len(graded["seen"]) == 7
    assert res["alice"]["status"] == "graded" and res["alice"]["score"] == res["alice"]["max_score"] == 100
    assert res["carol"]["status"] == "graded" and res["carol"]["score"] == 100, res["carol"]  # the notebook
    assert any("carol.ipynb" in p for p in res["carol"]["problems"])
    assert 0 < res["bob"]["score"] < 100  # the zipped bug loses points
    assert 0 < res["alice~2"]["score"] < 100  # half finished
    assert res["alice~2"]["path"].endswith("alice.py")
    for sid, words in (("erin", "not a readable zip"), ("frank", "zip bomb"), ("gina", "points outside")):
        r = res[sid]
        assert r["status"] == "invalid" and r["score"] == 0 and r["max_score"] == 100, r
        assert words in r["error"] and r["tests"] == []
    assert not (subs.parent / "gina_was_here.py").exists() and not (subs.parent.parent / "gina_was_here.py").exists()
    assert (report.graded, report.invalid, report.reused, report.infra_errors) == (4, 3, 0, 0)
    assert any("duplicate student id 'alice'" in w for w in report.warnings)


def test_gradebook_rows(graded):
    with Gradebook(graded["book"]) as gb:
        assert gb.integrity_check() == "ok"
        c = gb.conn
        assert c.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 7
        assert c.execute("SELECT COUNT(*) FROM grades").fetchone()[0] == 7
        assert c.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 7
        for run_id, rj in c.execute("SELECT id, result_json FROM runs"):
            n = c.execute("SELECT COUNT(*) FROM test_results WHERE run_id = ?", (run_id,)).fetchone()[0]
            assert n == len(json.loads(rj)["tests"])
        batch_row = c.execute("SELECT * FROM batches").fetchone()
        assert batch_row["finished_at"] and batch_row["graded"] == 7
        workers = {r[0] for r in c.execute("SELECT worker FROM runs WHERE status = 'graded'")}
        assert workers and all(w and not w.endswith(f":{os.getpid()}") for w in workers)  # graded in the pool
        assert [r["id"] for r in gb.current_results("a04")] == graded["order"]


def test_rerun_grades_nothing_unchanged(a04, subs, graded):
    report = BatchReport()
    results = grade_batch(a04, subs, graded["opts"], workers=2, gradebook=graded["book"], report=report)
    assert (report.reused, report.graded, report.invalid) == (7, 0, 0)
    assert [r["score"] for r in results] == [graded["results"][sid]["score"] for sid in graded["order"]]
    with Gradebook(graded["book"]) as gb:
        assert gb.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 7


def test_infra_error_never_overwrites_a_good_result(a04, subs, graded, tmp_path, monkeypatch):
    book = tmp_path / "copy.sqlite"
    with sqlite3.connect(graded["book"]) as src, sqlite3.connect(book) as dst:
        src.backup(dst)

    def broken(assignment, submission, student_id, options=None):
        return batch.infra_result(assignment, batch.Item(student_id, Path(submission), "folder"), "x",
                                  "RuntimeError: the grading worker could not start")

    monkeypatch.setattr(batch, "grade_submission", broken)  # inherited by the forked pool workers
    report = BatchReport()
    results = grade_batch(a04, subs, graded["opts"], workers=2, gradebook=book, regrade=True, report=report)
    assert report.infra_errors == 4 and report.invalid == 3
    assert {r["status"] for r in results} == {"infra_error", "invalid"}
    with Gradebook(book) as gb:
        current = {r["id"]: r for r in gb.current_results("a04")}
        for sid, r in graded["results"].items():
            assert current[sid]["status"] == r["status"] and current[sid]["score"] == r["score"], sid
        assert sorted(gb.pending_infra_errors("a04")) == ["alice", "alice~2", "bob", "carol"]
    monkeypatch.undo()
    # the good results of unchanged content are still reused
    report = BatchReport()
    grade_batch(a04, subs, graded["opts"], workers=2, gradebook=book, report=report)
    assert report.reused == 7 and report.graded == 0


def _hidden_source_lines(a04) -> set[str]:
    lines = set()
    for p in a04.hidden_tests_dir.rglob("*.py"):
        for line in p.read_text(encoding="utf-8").splitlines():
            s = line.strip()
            if len(s) >= 24:
                lines.add(s)
    return lines


_EXPECTED_VALUE = re.compile(r"(?:expected|numerical|reference reaches)\s+(?:np\.float64\()?(-?\d+\.\d{3,}(?:e-?\d+)?)"
                             r"|where np\.float64\((-?\d+\.\d+)\) was expected")


def test_feedback_reports_never_contain_hidden_source_or_expected_values(graded, a04, tmp_path):
    with Gradebook(graded["book"]) as gb:
        results = gb.current_results("a04")
        raw = [r[0] for r in gb.conn.execute("SELECT message FROM test_results WHERE status != 'pass'")]
    values = {v for m in raw for pair in _EXPECTED_VALUE.findall(m) for v in pair if v}
    assert values, "the engine's raw messages name reference values; the reports must not"
    files = exports.export_feedback(results, tmp_path / "fb", a04.title)
    files += exports.export_gradescope(results, tmp_path / "gs")
    assert len(files) == 7 * 3
    # the figures (the breast-cancer cost curve beside the reference's) are checked too
    svgs = sorted((tmp_path / "fb").glob("*.svg"))
    assert {f.name for f in svgs} >= {"alice-1.svg", "bob-1.svg", "carol-1.svg"}
    assert "<svg " in (tmp_path / "fb" / "bob.html").read_text(encoding="utf-8")
    files += svgs
    source_lines = _hidden_source_lines(a04)
    assert len(source_lines) > 50
    for f in files:
        text = f.read_text(encoding="utf-8")
        leaked_source = [s for s in source_lines if s in text]
        assert not leaked_source, f"{f.name} contains hidden-test source: {leaked_source[:3]}"
        leaked_values = [v for v in values if v in text]
        assert not leaked_values, f"{f.name} contains reference values: {leaked_values[:3]}"
    bob = (tmp_path / "fb" / "bob.md").read_text(encoding="utf-8")
    assert "## What went wrong" in bob and "[withheld]" in bob and "logistic_backward" in bob
    assert "zip bomb" in (tmp_path / "fb" / "frank.html").read_text(encoding="utf-8")


@pytest.mark.slow  # grades a batch, kills it and grades the rest: several seconds
def test_resume_after_kill(tmp_path):
    """Kill a CLI batch (the whole process group, SIGKILL) after some results were committed;
    the rerun grades only the rest: no result lost, none graded twice, no duplicate rows."""
    subs = tmp_path / "subs"
    subs.mkdir()
    cases = ["correct", "half_finished", "bug_transpose", "bug_naive_sigmoid", "correct_loops"]
    for i, case in enumerate(cases):
        (subs / f"s{i}").mkdir()
        (subs / f"s{i}" / "nn_basics.py").write_bytes(_src(case))
    book = tmp_path / "gb.sqlite"
    cmd = [sys.executable, "-m", "grader.cli", "grade", "a04", str(subs), "--gradebook", str(book), "--secret", SECRET, "--workers", "1", "-q"]
    scratch_dir = tmp_path / "tmp"  # the CLI's temp dir: the killed run's folder stays here
    scratch_dir.mkdir()
    env = dict(os.environ, DLGRADE_ROOT=str(ROOT), TMPDIR=str(scratch_dir))
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    done_before = 0
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if book.exists():
                try:
                    with sqlite3.connect(book, timeout=5) as c:
                        done_before = c.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
                except sqlite3.OperationalError:
                    done_before = 0
                if done_before >= 1:
                    break
            time.sleep(0.1)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    assert done_before >= 1, "no result was committed within 240 s"
    assert [p.name for p in scratch_dir.iterdir() if p.name.startswith(f"dlgrade-run-{proc.pid}-")]
    with Gradebook(book) as gb:
        assert gb.integrity_check() == "ok"
        before = {r["student_id"]: r["id"] for r in gb.conn.execute(
            "SELECT s.student_id, r.id FROM runs r JOIN submissions s ON s.id = r.submission_id")}
    assert 1 <= len(before) <= len(cases)
    out = tmp_path / "results.json"
    rerun = subprocess.run(cmd + ["--json", str(out)], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{len(before)} unchanged" in " ".join(rerun.stdout.split())
    assert not list(scratch_dir.iterdir()), "the rerun sweeps the killed run's temp folder and removes its own"
    doc = json.loads(out.read_text())
    assert doc["schema"] == "dlgrade-results" and [s["id"] for s in doc["submissions"]] == [f"s{i}" for i in range(5)]
    assert doc["submissions"][0]["score"] == 100 and all(s["status"] == "graded" for s in doc["submissions"])
    with Gradebook(book) as gb:
        c = gb.conn
        rows = c.execute("SELECT s.student_id, r.id FROM runs r JOIN submissions s ON s.id = r.submission_id").fetchall()
        assert sorted(r[0] for r in rows) == [f"s{i}" for i in range(5)]  # each graded exactly once
        after = {r[0]: r[1] for r in rows}
        assert all(after[sid] == run for sid, run in before.items())  # the done ones were not regraded
        assert c.execute("SELECT COUNT(*) FROM grades").fetchone()[0] == 5
        for run_id, rj in c.execute("SELECT id, result_json FROM runs"):
            n = c.execute("SELECT COUNT(*) FROM test_results WHERE run_id = ?", (run_id,)).fetchone()[0]
            assert n == len(json.loads(rj)["tests"]) > 0
        interrupted = c.execute("SELECT COUNT(*) FROM batches WHERE finished_at IS NULL").fetchone()[0]
        assert interrupted == 1  # the killed batch is visible as unfinished


def test_a_dying_pool_worker_costs_only_its_own_submission(a04, tmp_path, monkeypatch):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("a", "b", "killer", "c", "d", "e"):
        (subs / f"{name}.py").write_text(f"# {name}\n")

    def fake(assignment, submission, student_id, options=None):
        if student_id == "killer":
            os._exit(3)  # the pool worker itself dies (as if the OOM killer chose it)
        time.sleep(0.2)
        res = batch.infra_result(assignment, batch.Item(student_id, Path(submission), "py"), "s", "")
        res.update(status="graded", error=None, score=1.0, max_score=1.0, percent=100.0,
                   tests=[{"id": "t::x", "name": "x", "functions": [], "points": 1.0, "max_points": 1.0,
                           "status": "pass", "message": "", "duration": 0.0}])
        return res

    monkeypatch.setattr(batch, "grade_submission", fake)
    report = BatchReport()
    results = grade_batch(a04, subs, GradeOptions(secret=SECRET), workers=2, gradebook=tmp_path / "gb.sqlite",
                          report=report)
    by = {r["id"]: r for r in results}
    assert sorted(by) == ["a", "b", "c", "d", "e", "killer"]
    assert by["killer"]["status"] == "infra_error" and "died" in by["killer"]["error"]
    assert all(by[s]["status"] == "graded" for s in "abcde"), {s: by[s]["error"] for s in "abcde"}
    assert (report.graded, report.infra_errors) == (5, 1)
    with Gradebook(tmp_path / "gb.sqlite") as gb:
        assert gb.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 6
