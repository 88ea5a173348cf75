"""End to end: grade examples/submissions/a08 through the CLI and check every sample's outcome.

One `dlgrade grade a08 examples/submissions/a08 --json ...` run (module-scoped fixture); the tests
read the results document. The two correct samples (the reference and a loop-based rewrite) must earn
every point this machine can award (without a GPU the `cuda` cases are reported skipped: no CUDA
device); each bug must lose the points of the tests aimed at it and keep those of the parts it got
right; the half-finished sample earns exactly the tests of the functions it wrote.
"""
from __future__ import annotations

import json
from pathlib import Path

from examples_support import grade_examples, cases_by_name

import pytest

pytestmark = pytest.mark.slow       # six submissions with two trainings each: about a minute on 2 cores

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "submissions" / "a08"

# case -> (tests that must earn nothing, tests that must still pass)
EXPECT = {
    "kernel_flipped": (
        # (a flipped 1x1 kernel is the same kernel: that case still passes)
        ["test_conv_forward_matches_reference[valid]", "test_conv_forward_matches_reference[nonsquare_s2]",
         "test_conv_forward_matches_torch[same]", "test_conv_forward_matches_torch[f5p2]",
         "test_conv_forward_vertical_edge"],
        ["test_conv_forward_matches_reference[1x1]", "test_conv_backward_matches_reference", "test_conv_backward_gradcheck", "test_pool_forward_matches_torch",
         "test_conv2d_unfold_matches_conv2d"]),
    "pool_overwrites": (
        ["test_pool_backward_overlap_accumulates[average]", "test_pool_backward_matches_torch[max_f3_s1]",
         "test_pool_backward_matches_torch[average_f3_s1]", "test_pool_backward_gradcheck"],
        ["test_pool_backward_matches_torch[max_f2_s2]", "test_max_pool_backward_tie_goes_to_first",
         "test_average_pool_backward_uniform", "test_pool_forward_matches_torch", "test_conv_backward_matches_torch"]),
    "bias_on_cpu": (
        ["test_meta_device_proxy"],
        ["test_conv2d_unfold_matches_conv2d", "test_conv2d_unfold_defaults_and_no_bias", "test_lenet5_digits_accuracy"]),
}
HALF_DONE = ["test_zero_pad_values", "test_conv_output_shape", "test_conv_param_count", "test_conv_single_step",
             "test_conv_forward_matches_reference", "test_conv_forward_matches_torch", "test_pool_forward_matches_torch",
             "test_flatten_roundtrip"]
HALF_MISSING = ["test_conv_backward_matches_reference", "test_pool_backward_matches_torch", "test_conv_speed_ratio",
                "test_simple_convnet_digits_accuracy", "test_conv2d_unfold_matches_conv2d", "test_lenet5_parameter_count",
                "test_meta_device_proxy"]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return grade_examples("a08", EXAMPLES, tmp_path_factory.mktemp("a08_examples"), timeout=1200)


def _by_name(sub) -> dict[str, list[dict]]:
    return cases_by_name(sub, with_cases=True)


def _all_fail(sub, names, where):
    by = _by_name(sub)
    for name in names:
        assert name in by, f"{where}: no result for {name}"
        ran = [t for t in by[name] if t["status"] != "skipped"]
        assert ran, f"{where}: every case of {name} was skipped"
        for t in ran:
            assert t["status"] != "pass" and t["points"] == 0, (
                f"{where}: {t['id']} should earn nothing, got {t['status']} {t['points']}/{t['max_points']}")


def _all_pass(sub, names, where):
    by = _by_name(sub)
    for name in names:
        assert name in by, f"{where}: no result for {name}"
        for t in by[name]:
            assert t["status"] in ("pass", "skipped"), f"{where}: {t['id']} should pass: {t['message']}"


def test_every_example_is_graded(results):
    cases = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
    assert sorted(results) == cases
    for sid, sub in results.items():
        assert sub["status"] == "graded" and not sub.get("error"), f"a08/{sid}: {sub['status']} {sub.get('error')}"
        assert sub["max_score"] == 100, f"a08/{sid}: max score {sub['max_score']}"


@pytest.mark.parametrize("case", ["correct", "loop_based"])
def test_correct_examples_earn_everything_they_can(results, case):
    sub = results[case]
    skipped = [t for t in sub["tests"] if t["status"] == "skipped"]
    for t in sub["tests"]:
        if t["status"] != "skipped":
            assert t["status"] == "pass" and t["points"] == t["max_points"], f"{t['id']}: {t['status']} {t['message']}"
    for t in skipped:                       # only the cuda cases may be skipped, and only without a GPU
        assert "[cuda" in t["id"] and "no CUDA device" in (t["message"] or ""), f"{t['id']} skipped: {t['message']}"
    assert sub["score"] + sum(t["max_points"] for t in skipped) == pytest.approx(100.0)


@pytest.mark.parametrize("case", sorted(EXPECT))
def test_bug_loses_points_where_targeted(results, case):
    must_fail, must_pass = EXPECT[case]
    _all_fail(results[case], must_fail, f"a08/{case}")
    _all_pass(results[case], must_pass, f"a08/{case}")
    assert results[case]["score"] < 100


def test_half_finished_earns_what_it_wrote(results):
    sub = results["half_finished"]
    _all_pass(sub, HALF_DONE, "a08/half_finished")
    _all_fail(sub, HALF_MISSING, "a08/half_finished")
    assert 20 < sub["score"] < 50, f"half_finished scored {sub['score']}"


def test_messages_name_the_bug(results):
    """The feedback must point at the mistake in words a student understands."""
    def messages(case):
        return json.dumps([t["message"] for t in results[case]["tests"]], ensure_ascii=False)
    assert "do not flip the kernel" in messages("kernel_flipped")
    assert "accumulate with +=" in messages("pool_overwrites")
    cpu = messages("bias_on_cpu")
    assert "meta" in cpu and "cpu" in cpu, "the device failure must say which device is which"
