"""Every hidden test of every assignment records at least one student function it exercised
(issue 12.4): a banned shortcut or a refused call costs the points of the tests that exercised
the function concerned, so a test that records none could never lose them. Assignments are
discovered from the course folder, so a new one is covered without editing this file."""
from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

import pytest

from grader.course import assignment as assignment_mod
from grader.course.validate import reference_submission, unexercised_tests
from grader.grading.runner import GradeOptions, grade_submission
from grader.sandbox.launcher import require_isolation
from grader.sandbox.proxy import probe_calls

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = [s for s in assignment_mod.list_assignments(ROOT) if (ROOT / "solutions" / s).is_dir()]


def _probe_by_name(module, fname, args):
    return getattr(module, fname)(*args) + module.sigmoid(0.0)


def _probe_alias(module, x):
    tf = module
    return tf.constant(x)


def _probe_handle_only(module, gen):
    return float(gen.random())


def test_probe_calls_names_attributes_and_string_arguments():
    src = textwrap.dedent(inspect.getsource(_probe_by_name))
    assert probe_calls(src, "shallow_nn", ["relu", [1.0]]) == ["shallow_nn.sigmoid", "shallow_nn.relu"]
    assert probe_calls(textwrap.dedent(inspect.getsource(_probe_alias)), "minitf", [1.0]) == ["minitf.constant"]
    # a probe that only uses a library object (a numpy Generator handle) exercises no student function
    assert probe_calls(textwrap.dedent(inspect.getsource(_probe_handle_only)), "m", [object()]) == []


@pytest.mark.slow  # grades each assignment's reference once: several seconds each on 2 cores
@pytest.mark.parametrize("slug", ASSIGNMENTS)
def test_every_hidden_test_records_an_exercised_function(slug, tmp_path):
    a = assignment_mod.load(slug, ROOT)
    options = GradeOptions(secret="ci", hide=(str(ROOT),), isolation=require_isolation("auto"))
    result = grade_submission(a, reference_submission(a, tmp_path), "reference", options)
    assert result["tests"], f"{slug}: no hidden test ran ({result.get('error')})"
    assert not unexercised_tests(result), (
        f"{slug}: these hidden tests record no student function: {unexercised_tests(result)}")
