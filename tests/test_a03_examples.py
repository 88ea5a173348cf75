"""End to end: grade examples/submissions/a03 (minitf) through the CLI.

One `dlgrade grade a03 examples/submissions/a03 --json ...` run (module-scoped fixture) grades
the sample submissions generated from examples/submissions/a03/examples.toml: the reference and
one classic bug each. The correct example must earn 100; each bug must lose every point of the
tests aimed at it, keep the points of the parts it got right, and be explained in the message.
"""
from __future__ import annotations

from pathlib import Path

from examples_support import grade_examples, cases_by_name

import pytest

pytestmark = pytest.mark.slow       # one batch of 7 numpy submissions: a few seconds

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "submissions" / "a03"

# case -> (tests that must earn nothing, tests that must still pass, words the failure message must contain)
EXPECT = {
    "no_memoization": (["test_session_run_computes_each_node_once"],
                       ["test_session_run_log_topological", "test_minimize_linear_regression_matches_lstsq", "test_filewriter_scalar_events"],
                       "computed more than once"),
    "sequential_updates": (["test_session_run_snapshot_semantics"],
                           ["test_minimize_one_step_simultaneous", "test_variable_assign_ops", "test_session_run_computes_each_node_once"],
                           "START of the run"),
    "broadcast_grad_not_summed": (["test_gradients_per_op[add_broadcast]", "test_gradients_per_op[sub_broadcast]",
                                   "test_gradients_per_op[mul_broadcast]", "test_minimize_linear_regression_matches_lstsq"],
                                  ["test_gradients_per_op[matmul_nn]", "test_gradients_two_paths", "test_filewriter_event_file_framing"],
                                  "summed back to its own shape"),
    "unmasked_crc": (["test_filewriter_event_file_framing", "test_filewriter_scalar_events", "test_filewriter_graph_event"],
                     ["test_merge_all_summaries", "test_minimize_linear_regression_matches_lstsq"],
                     "UNMASKED"),
    "step_as_double": (["test_filewriter_scalar_events"],
                       ["test_filewriter_event_file_framing", "test_filewriter_graph_event", "test_merge_all_summaries"],
                       "wire type 1"),
    "eager_constants": (["test_add_builds_a_node_computes_nothing"],
                        ["test_op_kernels", "test_gradients_per_op", "test_seed_snippet"],
                        "computes nothing"),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return grade_examples("a03", EXAMPLES, tmp_path_factory.mktemp("a03_examples"), timeout=600)


def _by_name(sub) -> dict[str, list[dict]]:
    return cases_by_name(sub, with_cases=True)


def test_every_example_is_graded(results):
    cases = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
    assert sorted(results) == cases and set(EXPECT) | {"correct"} == set(cases)
    for sid, sub in results.items():
        assert sub["status"] == "graded" and not sub.get("error"), f"{sid}: {sub['status']} {sub.get('error')}"
        assert sub["max_score"] == 100, f"{sid}: max score {sub['max_score']}"


def test_correct_earns_everything(results):
    sub = results["correct"]
    for t in sub["tests"]:
        assert t["status"] == "pass" and t["points"] == t["max_points"], f"{t['id']}: {t['status']} {t['message']}"
    assert sub["score"] == pytest.approx(100.0)


@pytest.mark.parametrize("case", list(EXPECT))
def test_bug_loses_points_where_targeted(results, case):
    sub = results[case]
    by = _by_name(sub)
    must_fail, must_pass, words = EXPECT[case]
    for name in must_fail:
        assert name in by, f"{case}: no result for {name}"
        for t in by[name]:
            assert t["status"] != "pass" and t["points"] == 0, (
                f"{case}: {t['id']} should earn nothing, got {t['status']} {t['points']}/{t['max_points']}")
    for name in must_pass:
        assert name in by, f"{case}: no result for {name}"
        for t in by[name]:
            assert t["status"] == "pass", f"{case}: {t['id']} should pass: {t['message']}"
    assert sub["score"] < 100
    messages = " ".join(t["message"] or "" for name in must_fail for t in by[name])
    assert words in messages, f"{case}: the feedback should say {words!r}; it says: {messages[:600]}"
