"""End to end: grade examples/submissions/a01 through the CLI and check every outcome.

The correct example earns 100; each bug example loses exactly the tests aimed at its bug and keeps
every other point; the half-finished example (parts 1-2 only) earns exactly those parts' points.
"""
from __future__ import annotations

from pathlib import Path

from examples_support import grade_examples

import pytest

pytestmark = pytest.mark.slow  # one batch of 5 submissions through the CLI

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "submissions" / "a01"

# case -> the tests that must earn nothing (every other test must pass)
EXPECT = {
    "correct": set(),
    "bug_flatten_order": {"test_flatten_matches_reference", "test_flatten_column_is_the_image_in_c_order",
                          "test_flatten_keeps_the_dtype", "test_flatten_does_not_modify_its_input"},
    "bug_std_ddof1": {"test_standardize_matches_reference", "test_standardize_rows_have_mean_0_and_population_std_1",
                      "test_standardize_does_not_modify_its_input"},
    "bug_no_clip": {"test_pairwise_is_never_negative"},
}
PARTS_1_2 = ("test_flatten", "test_standardize", "test_apply_standardization", "test_one_hot", "test_labels_from")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return grade_examples("a01", EXAMPLES, tmp_path_factory.mktemp("a01_examples"), timeout=900)


def test_every_example_is_graded(results):
    assert sorted(results) == sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", sorted(EXPECT))
def test_each_example_loses_exactly_the_tests_of_its_bug(results, case):
    sub = results[case]
    failing = {t["name"] for t in sub["tests"] if t["status"] != "pass"}
    assert failing == EXPECT[case], f"{case}: failing {sorted(failing)}"
    lost = sum(t["max_points"] for t in sub["tests"] if t["status"] != "pass")
    assert sub["score"] == pytest.approx(100 - lost)


def test_half_finished_earns_exactly_parts_1_and_2(results):
    sub = results["half_finished"]
    for t in sub["tests"]:
        done = t["name"].startswith(PARTS_1_2)
        assert (t["status"] == "pass") == done, (t["name"], t["status"], t["message"][:200])
    assert sub["score"] == pytest.approx(32)
    stubbed = [t for t in sub["tests"] if t["name"].startswith("test_knn")]
    assert stubbed and all("not implemented yet" in t["message"] for t in stubbed)
