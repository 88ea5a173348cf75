"""End to end: what A04's example batch does outside the results document.

The score rules of every example (correct, half-finished, bugs, broken, hostile) are the
``[expect.*]`` tables of examples/submissions/a04/examples.toml, checked by
tests/test_examples_expectations.py. This module checks, on the same single grading run (the
session fixture ``graded_examples``, graded inside tests/a04_host_watch.py), what is not a score
rule: nothing escapes the sandbox (files, processes), the sources are untouched, the breast-cancer
run is shared between two tests, and exercised functions are recorded.
See examples/submissions/a04/README.md.
"""
from __future__ import annotations

import json

import pytest
from a04_host_watch import FAKE_TAG

pytestmark = pytest.mark.slow       # one batch of 20 submissions: about 1.5 minutes on 2 cores


@pytest.fixture(scope="module")
def batch(graded_examples):
    return graded_examples("a04")


@pytest.fixture(scope="module")
def results(batch):
    return batch.results


def _rows(sub, name) -> list[dict]:
    return [t for t in sub["tests"] if t["name"] == name]


def test_no_sources_changed(batch):
    w = batch.watch
    assert w["examples_after"] == w["examples_before"], "grading modified files under examples/"
    assert w["solutions_after"] == w["solutions_before"], "grading modified files under solutions/"


def test_breast_cancer_run_is_shared_and_a_wrong_shape_stops_it_after_one_step(results):
    # bug_transpose's optimize returns a (30, 30) W: the one-step preflight says so (its [expect] table), and
    # both end-to-end tests report that one run (submission_memo) instead of training twice.
    sub = results["bug_transpose"]
    rows = [_rows(sub, n)[0] for n in ("test_breast_cancer_accuracy", "test_breast_cancer_costs")]
    assert rows[0]["message"] == rows[1]["message"], [r["message"] for r in rows]
    for r in rows:
        assert "optimize" in " ".join(r["functions"]), r


def test_exercised_functions_are_recorded(results):
    """hostile_torch_backdoor's and hostile_proc_parent's tables say that every test that exercised sigmoid
    earns nothing: that holds only if the tests that obviously call it are recorded as doing so."""
    for case in ("hostile_torch_backdoor", "hostile_proc_parent"):
        sub = results[case]
        sigmoid_tests = {t["name"] for t in sub["tests"] if any(f.endswith(".sigmoid") for f in t["functions"])}
        assert {"test_sigmoid_matches_reference", "test_sigmoid_properties"} <= sigmoid_tests, (case, sigmoid_tests)


def test_fake_results_files_never_leave_the_sandbox(batch):
    w = batch.watch
    changed = [f for f in map(str, w["fake_files"]) if w["fake_after"][f] != w["fake_before"][f]]
    assert not changed, f"files outside the sandbox were created or changed: {changed}"
    for f in w["fake_files"]:
        if f.is_file():
            assert FAKE_TAG.encode() not in f.read_bytes(), f"{f} holds the hostile submission's fake results"
    assert FAKE_TAG not in json.dumps(batch.doc), "the fake results made it into the results document"


def test_background_process_does_not_outlive_the_batch(batch):
    w = batch.watch
    assert not w["leftover_pids"], f"processes of hostile_background_process still ran: {w['leftover_pids']}"
    assert not w["markers"], f"the background process wrote {w['markers']} after its sandbox was gone"
