"""`dlgrade new` writes an assignment that validates at once (reference 100, stub 0, mutant caught)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.course.scaffold import ScaffoldError, new_assignment

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def course(tmp_path):
    course = tmp_path / "course"
    (course / "assignments").mkdir(parents=True)
    (course / "solutions").mkdir()
    shutil.copytree(ROOT / "grader", course / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "datasets", course / "datasets")
    return course


def _dlgrade(course, *args):
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], cwd=course, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow  # a whole `dlgrade validate` of the new assignment
def test_new_assignment_validates_at_once(course):
    made = _dlgrade(course, "new", "a10_demo", "--title", "Demo assignment")
    assert made.returncode == 0, made.stdout + made.stderr
    assert (course / "assignments/a10_demo/demo.py").is_file()
    assert "raise NotImplementedError" in (course / "assignments/a10_demo/demo.py").read_text()
    listed = _dlgrade(course, "list")
    assert "a10" in listed.stdout and "Demo assignment" in listed.stdout
    checked = _dlgrade(course, "validate", "a10", "--isolation", "process")
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-2000:]
    assert "all assignments valid" in checked.stdout
    assert "mutant forgets_factor" in checked.stdout


@pytest.mark.parametrize("slug, words", [("A10-demo", "not an assignment slug"), ("a10_demo", "already taken")])
def test_new_refuses_bad_or_taken_slugs(course, slug, words):
    (course / "assignments/a10_other").mkdir()
    with pytest.raises(ScaffoldError, match=words):
        new_assignment(course, slug)
