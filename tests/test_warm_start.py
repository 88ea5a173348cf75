"""Warm start is used at the namespaces level, and never stops being used silently.

The first test is the guard the engine's speed depends on: on the machine running the tests,
grading at the namespaces level forks every sandbox child from the warm-start server. If warm
start breaks (as it once did on a stock interpreter, making grading several times slower), the
results say ``"start": "cold"`` and this test fails. Under CI it must run; elsewhere it skips
where namespaces cannot be made.
"""
from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from grader.batch.coordinator import grade_batch
from grader.course import assignment as assignment_mod
from grader.grading import runner
from grader.grading.runner import GradeOptions
from grader.sandbox.launcher import Zygote, namespaces_problem

ROOT = Path(__file__).resolve().parent.parent
CORRECT = ROOT / "examples/submissions/a04/correct"


def _subs(tmp_path, n=2) -> Path:
    subs = tmp_path / "subs"
    for i in range(n):
        shutil.copytree(CORRECT, subs / f"s{i}")
    return subs


@pytest.fixture
def namespaces():
    problem = namespaces_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI must grade in namespaces, but: {problem}")
        pytest.skip(f"no namespaces here: {problem}")


@pytest.mark.slow  # grades A04 submissions
def test_namespaces_grading_forks_every_child_from_the_warm_start_server(namespaces, tmp_path):
    a = assignment_mod.load("a04", ROOT)
    results = grade_batch(a, _subs(tmp_path), GradeOptions(secret="s", isolation="namespaces"), workers=1)
    assert [r["score"] for r in results] == [100.0, 100.0]
    assert [(r["isolation"], r["start"]) for r in results] == [("namespaces", "warm")] * 2


@pytest.mark.slow  # grades A04 submissions
def test_a_failing_warm_start_is_said_once_and_recorded(namespaces, tmp_path, monkeypatch, caplog):
    def broken_start(self):
        raise RuntimeError("the warm-start server could not import numpy")

    monkeypatch.setattr(Zygote, "start", broken_start)
    monkeypatch.setattr(runner, "_cold_start_reported", False)
    runner._zygotes.clear()
    a = assignment_mod.load("a04", ROOT)
    subs = _subs(tmp_path, 3)
    options = GradeOptions(secret="s", isolation="namespaces", hide=(str(ROOT),))
    with caplog.at_level(logging.WARNING, logger="dlgrade"):  # in this process: the log is caught here
        results = [runner.grade_submission(a, p, p.name, options) for p in sorted(subs.iterdir())]
    assert [r["start"] for r in results] == ["cold"] * 3
    assert [r["score"] for r in results] == [100.0] * 3  # slower, still right
    said = [rec for rec in caplog.records if "warm start is unavailable" in rec.getMessage()]
    assert len(said) == 1 and "could not import numpy" in said[0].getMessage()


@pytest.mark.slow  # grades A04 submissions
def test_process_level_grading_forks_every_child_from_the_warm_start_server(tmp_path):
    """Where grading at the process level holds (a root grader, an interpreter other uids can run,
    the course and submissions private), its children are forked warm too, each as its own uid."""
    from grader.sandbox.launcher import process_isolation_problem

    a = assignment_mod.load("a04", ROOT)
    subs = _subs(tmp_path, 2)
    os.chmod(tmp_path, 0o700)
    problem = process_isolation_problem((str(a.solution_dir), str(subs), str(Path.home())))
    if problem:
        pytest.skip(f"process isolation would not hold here: {problem}")
    results = grade_batch(a, subs, GradeOptions(secret="s", isolation="process"), workers=1)
    assert [r["score"] for r in results] == [100.0, 100.0]
    assert [(r["isolation"], r["start"]) for r in results] == [("process", "warm")] * 2
