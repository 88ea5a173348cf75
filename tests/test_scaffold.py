"""`dlgrade new` writes an assignment that validates at once (reference 100, stub 0, mutant caught)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from grader.course.expectations import check, parse_expectations
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
    # the generated example meets the [expect] table that `dlgrade new` wrote for it
    out = course / "a10_examples.json"
    graded = _dlgrade(course, "grade", "a10", "examples/submissions/a10", "--json", str(out), "--gradebook",
                      str(course / "gb.sqlite"), "-q")
    assert graded.returncode == 0, graded.stdout[-4000:] + graded.stderr[-2000:]
    spec = tomllib.loads((course / "examples/submissions/a10/examples.toml").read_text())
    exps = parse_expectations(spec)
    subs = {s["id"]: s for s in json.loads(out.read_text())["submissions"]}
    assert sorted(exps) == sorted(subs) == ["bug_ignores_factor"]
    assert check(exps["bug_ignores_factor"], subs["bug_ignores_factor"]) == []


@pytest.mark.parametrize("slug, words", [("A10-demo", "not an assignment slug"), ("a10_demo", "already taken")])
def test_new_refuses_bad_or_taken_slugs(course, slug, words):
    (course / "assignments/a10_other").mkdir()
    with pytest.raises(ScaffoldError, match=words):
        new_assignment(course, slug)
