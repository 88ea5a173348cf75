"""End-to-end: every assignment validates (the course CI), and validation can fail."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.course import assignment as assignment_mod
from grader.grading.runner import GradeOptions
from grader.course.validate import validate

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = [s for s in assignment_mod.list_assignments(ROOT) if (ROOT / "solutions" / s).is_dir()]


@pytest.mark.slow  # every mutant of the assignment graded: 10 s to several minutes each on 2 cores
@pytest.mark.parametrize("slug", ASSIGNMENTS)
def test_assignment_validates(slug):
    a = assignment_mod.load(slug, ROOT)
    report = validate(a, GradeOptions(secret="ci", hide=(str(ROOT),)))
    failed = [f"{line.what}: {line.detail}" for line in report.lines if not line.ok]
    assert not failed, "\n".join(failed)
    assert report.reference_seconds < 60, f"hidden suite took {report.reference_seconds:.1f} s on the reference"


@pytest.mark.slow  # a validate / check run through the CLI
def test_validation_fails_for_a_mutant_the_tests_do_not_catch(tmp_path):
    course = tmp_path / "course"
    for part in ("assignments/a04_nn_basics", "solutions/a04_nn_basics"):
        shutil.copytree(ROOT / part, course / part)
    shutil.rmtree(course / "solutions/a04_nn_basics/mutants")
    (course / "solutions/a04_nn_basics/mutants").mkdir()
    # A harmless "mutation" (a comment) cannot lose points: validate must say so.
    src = (course / "solutions/a04_nn_basics/nn_basics.py").read_text()
    line = next(ln for ln in src.splitlines() if ln.startswith("def "))
    (course / "solutions/a04_nn_basics/mutants/harmless.toml").write_text(
        f'description = "no real change"\ntargets = ["test_step_zero"]\n[[replace]]\nold = """{line}"""\n'
        f'new = """{line}  # harmless"""\n')
    a = assignment_mod.load("a04", course)
    report = validate(a, GradeOptions(secret="ci", hide=(str(course),)))
    bad = [line for line in report.lines if not line.ok]
    assert [line.what.split(":")[0] for line in bad] == ["mutant harmless"]
    assert "did not lose points" in bad[0].detail


@pytest.mark.slow  # a validate / check run through the CLI
def test_check_command_exit_codes(tmp_path):
    dlgrade = [sys.executable, "-m", "grader.cli"]
    stub = subprocess.run(dlgrade + ["check", "a04"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert stub.returncode == 1
    # An untouched stub: one short line per function, no traceback per test.
    assert "todo: step is not implemented yet (4 points of public tests)" in stub.stdout, stub.stdout[-3000:]
    assert 'File "' not in stub.stdout and "Traceback" not in stub.stdout
    correct = ROOT / "examples/submissions/a04/correct"
    ok = subprocess.run(dlgrade + ["check", "a04", str(correct)], cwd=ROOT, capture_output=True, text=True,
                        timeout=300)
    assert ok.returncode == 0, ok.stdout[-3000:]
