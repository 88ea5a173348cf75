"""Secure by default: hidden-test grading never silently falls back to weaker isolation.

A fake ``bwrap`` first on PATH plays a machine without user namespaces (a container with the
default seccomp profile, or AppArmor's restriction on Ubuntu): it fails the way the real one does.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.sandbox.launcher import bwrap_works

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples/submissions/a04/correct"


@pytest.fixture
def no_namespaces(tmp_path):
    fake = tmp_path / "fakebin"
    fake.mkdir()
    (fake / "bwrap").write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n")
    (fake / "bwrap").chmod(0o755)
    env = dict(os.environ, PATH=f"{fake}{os.pathsep}{os.environ['PATH']}")
    return env


def _dlgrade(args, env, cwd):
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def _subs(tmp_path) -> Path:
    subs = tmp_path / "subs"
    shutil.copytree(EXAMPLE, subs / "alice")
    return subs


def test_grade_refuses_weak_isolation_unless_asked(no_namespaces, tmp_path):
    out = _dlgrade(["grade", "a04", str(_subs(tmp_path)), "--gradebook", str(tmp_path / "gb.sqlite"), "-q"],
                   no_namespaces, tmp_path)
    assert out.returncode != 0
    text = " ".join((out.stdout + out.stderr).split())
    assert "setting up uid map: Permission denied" in text  # the cause, as bwrap said it
    assert "user namespaces" in text and "--isolation process" in text  # both fixes
    assert not (tmp_path / "gb.sqlite").exists() or "alice" not in (tmp_path / "gb.sqlite").read_bytes().decode(
        "latin-1")


def test_validate_refuses_too(no_namespaces, tmp_path):
    out = _dlgrade(["validate", "a04"], no_namespaces, ROOT)
    assert out.returncode != 0 and "--isolation process" in " ".join(out.stderr.split())


def test_explicit_process_isolation_grades_only_where_it_holds(no_namespaces, tmp_path):
    """Asked for by name, the process level grades where the child can be kept away from the
    reference and the other submissions (a root grader, an interpreter uid nobody can run, the
    protected folders private) — and then a reference hunter earns nothing. Where it cannot, it is
    refused with the reason; on this machine one of the two happens, and either is checked."""
    from grader.course import assignment as assignment_mod
    from grader.sandbox.launcher import process_isolation_problem

    subs = _subs(tmp_path)
    a = assignment_mod.load("a04", ROOT)
    # mallory's sigmoid is the reference's, read from the protected folders at call time
    hunter = (EXAMPLE / "nn_basics.py").read_text().replace("def sigmoid(z):", f"""def sigmoid(z):
    for path in ({str(a.solution_dir / 'nn_basics.py')!r}, {str(subs / 'alice' / 'nn_basics.py')!r}):
        try:
            ns = {{}}
            exec(open(path).read(), ns)
            return ns["sigmoid"](z)
        except OSError:
            pass
    return np.zeros_like(np.asarray(z, dtype=float))
def _honest_sigmoid(z):""", 1)
    (subs / "mallory").mkdir()
    (subs / "mallory" / "nn_basics.py").write_text(hunter)
    problem = process_isolation_problem((str(a.solution_dir), str(subs), os.path.expanduser("~")))
    out = _dlgrade(["grade", "a04", str(subs), "--isolation", "process", "--json", str(tmp_path / "r.json"),
                    "--gradebook", str(tmp_path / "gb.sqlite"), "-q"], no_namespaces, tmp_path)
    if problem is not None:
        assert out.returncode != 0
        assert "process isolation would not hold here" in " ".join((out.stdout + out.stderr).split())
        return
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    doc = {s["id"]: s for s in json.loads((tmp_path / "r.json").read_text())["submissions"]}
    assert {s["isolation"] for s in doc.values()} == {"process"}
    assert doc["alice"]["score"] == 100
    sigmoid_tests = [t for t in doc["mallory"]["tests"] if t["name"].startswith("test_sigmoid")]
    assert sigmoid_tests and all(t["points"] == 0 for t in sigmoid_tests), "the reference was readable"


def test_check_falls_back_quietly_for_a_students_own_code(no_namespaces):
    out = _dlgrade(["check", "a04", str(EXAMPLE)], no_namespaces, ROOT)
    assert out.returncode == 0, out.stdout[-2000:]


@pytest.mark.skipif(not bwrap_works(), reason="needs working namespaces to compare with")
def test_results_graded_at_a_weaker_level_are_not_reused_under_namespaces(tmp_path):
    from grader.batch.coordinator import grade_batch
    from grader.course import assignment as assignment_mod
    from grader.grading.runner import GradeOptions

    a = assignment_mod.load("a04", ROOT)
    subs, book = _subs(tmp_path), tmp_path / "gb.sqlite"
    # "none" (in-process, trusted code only) stands for any weaker level here
    first = grade_batch(a, subs, GradeOptions(secret="s", isolation="none"), workers=1, gradebook=book)
    again = grade_batch(a, subs, GradeOptions(secret="s", isolation="auto"), workers=1, gradebook=book)
    assert [r["isolation"] for r in first] == ["none"]
    assert [r["isolation"] for r in again] == ["namespaces"]  # graded again, not the process-level row reused
