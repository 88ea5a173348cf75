"""assignment.toml is read against one typed schema: typos fail loudly, defaults live in one place."""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.course import assignment as assignment_mod
from grader.course.assignment import DEFAULT_ALLOWED, AssignmentError, Limits

ROOT = Path(__file__).resolve().parent.parent


def _course(tmp_path: Path, toml: str) -> Path:
    course = tmp_path / "course"
    (course / "assignments" / "a99_demo").mkdir(parents=True)
    (course / "solutions").mkdir()
    (course / "assignments" / "a99_demo" / "assignment.toml").write_text(toml, encoding="utf-8")
    return course


MINIMAL = '[assignment]\ntitle = "Demo"\n\n[files]\nsubmit = ["demo.py"]\n'


def test_minimal_file_gets_the_documented_defaults(tmp_path):
    a = assignment_mod.load("a99", _course(tmp_path, MINIMAL))
    assert (a.id, a.slug, a.title, a.total_points) == ("a99", "a99_demo", "Demo", 100.0)
    assert a.limits == Limits() and a.numpy_only is True
    assert a.allowed_imports == DEFAULT_ALLOWED
    assert a.gpu_skipped_points == "withhold" and a.banned == {}


def test_provided_modules_and_extra_allowed_extend_the_default_list(tmp_path):
    toml = MINIMAL.replace('submit = ["demo.py"]', 'submit = ["demo.py"]\nprovided = ["helpers.py"]') + \
        '\n[imports]\nextra_allowed = ["torch"]\n'
    a = assignment_mod.load("a99", _course(tmp_path, toml))
    assert a.allowed_imports == (*DEFAULT_ALLOWED, "torch", "helpers")


@pytest.mark.parametrize("toml, words", [
    (MINIMAL + "\n[limits]\ncall_timout_s = 3\n", ["unknown key", "call_timout_s", "call_timeout_s"]),
    (MINIMAL + "\n[limit]\ncall_timeout_s = 3\n", ["unknown section", "[limit]"]),
    (MINIMAL + '\n[limits]\nmemory_mb = "2048"\n', ["memory_mb must be int", "got str"]),
    (MINIMAL + "\n[limits]\ncpu_s = true\n", ["cpu_s must be a number"]),
    (MINIMAL + '\n[gpu]\nskipped_points = "give"\n', ["skipped_points must be one of"]),
    (MINIMAL + '\n[banned]\nfoo = "torch"\n', ["[banned] foo must be a list"]),
    ('[assignment]\ntitle = "x"\n[files]\nsubmit = []\n', ["submit is required"]),
])
def test_mistakes_in_the_file_are_named(tmp_path, toml, words):
    with pytest.raises(AssignmentError) as info:
        assignment_mod.load("a99", _course(tmp_path, toml))
    for w in words:
        assert w in str(info.value)
    assert "assignment.toml" in str(info.value)


def test_every_course_assignment_passes_the_schema():
    slugs = assignment_mod.list_assignments(ROOT)
    assert slugs
    for slug in slugs:
        assert assignment_mod.load(slug, ROOT).slug == slug
