"""End to end: grade examples/submissions/a09 through the CLI and check every outcome.

One `dlgrade grade a09 examples/submissions/a09 --json ...` run (a module-scoped fixture) grades the
sample submissions; the tests read the results document. The correct example earns every point this
machine can award (on a CPU-only machine the `cuda` cases are reported skipped: no CUDA device); each
bug example loses the points of the tests aimed at its bug and keeps the others; the half-finished
example earns exactly the points of the functions it completed.
"""
from __future__ import annotations

from pathlib import Path

from examples_support import grade_examples, cases_by_name

import pytest

pytestmark = pytest.mark.slow       # 7 torch submissions: about a minute on 2 busy cores

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "submissions" / "a09"

# case -> (tests that must earn nothing, tests that must still pass)
EXPECT = {
    "rnn_grads_not_summed": (
        ["test_rnn_backward_matches_reference", "test_rnn_backward_gradcheck", "test_rnn_backward_vanishing_gradient",
         "test_train_char_lm_end_to_end"],
        ["test_rnn_cell_backward_matches_reference", "test_rnn_backward_T1_equals_cell",
         "test_lstm_backward_matches_reference", "test_train_adding_end_to_end"]),
    "lstm_forgets_dc_next": (
        ["test_lstm_cell_backward_matches_reference", "test_lstm_cell_backward_gradcheck",
         "test_lstm_cell_backward_keeps_gradient", "test_lstm_backward_gradcheck"],
        ["test_lstm_cell_forward_matches_reference", "test_lstm_forward_matches_reference",
         "test_rnn_backward_gradcheck", "test_gru_cell_backward_gradcheck"]),
    "gru_update_gate_swapped": (
        ["test_gru_cell_forward_matches_reference", "test_gru_cell_forward_remember_and_update"],
        ["test_gru_cell_backward_matches_reference", "test_gru_cell_backward_gradcheck",
         "test_lstm_cell_forward_remember_setting"]),
    "state_on_cpu": (
        ["test_sequence_regressor_meta_device_proxy"],
        ["test_sequence_regressor_forward", "test_train_adding_end_to_end", "test_train_adding_on_device",
         "test_torch_lstm_cell_matches_lstmcell"]),
    "torch_gate_order_igfo": (
        ["test_torch_lstm_cell_matches_lstmcell", "test_torch_lstm_cell_gradients", "test_torch_lstm_cell_on_device",
         "test_sequence_regressor_forward"],
        ["test_torch_lstm_cell_parameters", "test_lstm_params_numpy_to_torch_reproduces_numpy_cell",
         "test_sequence_regressor_meta_device_proxy", "test_lstm_cell_forward_matches_torch_lstmcell"]),
}

# half_finished completed these functions (32 points), and nothing else
HALF_DONE = {"rnn_cell_forward": 5, "rnn_forward": 5, "rnn_cell_backward": 6, "rnn_backward": 8,
             "lstm_cell_forward": 6, "clip_gradients": 2}
HALF_DONE_TESTS_PREFIX = ("test_rnn_cell_forward", "test_rnn_forward", "test_rnn_cell_backward", "test_rnn_backward",
                          "test_lstm_cell_forward", "test_clip_gradients")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return grade_examples("a09", EXAMPLES, tmp_path_factory.mktemp("a09_examples"), timeout=1200)


def _by_name(sub) -> dict[str, list[dict]]:
    return cases_by_name(sub, with_cases=False)


def test_every_example_is_graded(results):
    cases = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
    assert sorted(results) == cases
    for sid, sub in results.items():
        assert sub["status"] == "graded" and not sub.get("error"), f"{sid}: {sub['status']} {sub.get('error')}"
        assert sub["max_score"] == 100, f"{sid}: max score {sub['max_score']}"
        errors = [t["id"] for t in sub["tests"] if t["status"] in ("error", "crash", "timeout")]
        assert not errors, f"{sid}: tests that errored instead of grading: {errors}"


def test_correct_earns_everything_it_can(results):
    sub = results["correct"]
    skipped = [t for t in sub["tests"] if t["status"] == "skipped"]
    for t in sub["tests"]:
        if t["status"] != "skipped":
            assert t["status"] == "pass" and t["points"] == t["max_points"], f"{t['id']}: {t['status']} {t['message']}"
    for t in skipped:                       # only the cuda cases may be skipped, and only without a GPU
        assert "[cuda" in t["id"] and "no CUDA device" in (t["message"] or ""), f"{t['id']} skipped: {t['message']}"
    assert sub["score"] + sum(t["max_points"] for t in skipped) == pytest.approx(100.0)


@pytest.mark.parametrize("case", list(EXPECT))
def test_bug_loses_points_where_targeted(results, case):
    sub = results[case]
    by = _by_name(sub)
    must_fail, must_pass = EXPECT[case]
    for name in must_fail:
        assert name in by, f"{case}: no result for {name}"
        ran = [t for t in by[name] if t["status"] != "skipped"]
        assert ran, f"{case}: every case of {name} was skipped"
        for t in ran:
            assert t["status"] == "fail" and t["points"] == 0, (
                f"{case}: {t['id']} should earn nothing, got {t['status']} {t['points']}/{t['max_points']}")
    for name in must_pass:
        assert name in by, f"{case}: no result for {name}"
        for t in by[name]:
            assert t["status"] in ("pass", "skipped"), f"{case}: {t['id']} should pass: {t['message']}"
    assert sub["score"] < 100


def test_half_finished_earns_exactly_what_it_completed(results):
    sub = results["half_finished"]
    assert sub["score"] == pytest.approx(sum(HALF_DONE.values())), sub["score"]
    for t in sub["tests"]:
        done = t["name"].startswith(HALF_DONE_TESTS_PREFIX)
        if done:
            assert t["status"] == "pass", f"{t['id']}: {t['status']} {t['message']}"
        elif t["status"] != "skipped":
            assert t["status"] == "fail" and t["points"] == 0, f"{t['id']}: {t['status']}"
            assert "NotImplementedError" in t["message"], f"{t['id']}: {t['message']}"


def test_messages_name_the_bug(results):
    """The feedback points at the mistake in words a student understands."""
    def msg(case, name):
        return " ".join(t["message"] for t in _by_name(results[case])[name])

    cpu_state = msg("state_on_cpu", "test_sequence_regressor_meta_device_proxy")
    assert "meta" in cpu_state and "cpu" in cpu_state and "new_zeros" in cpu_state, cpu_state
    gru = msg("gru_update_gate_swapped", "test_gru_cell_forward_remember_and_update")
    assert "bu = -50" in gru and "记住" in gru, gru
    lstm = msg("lstm_forgets_dc_next", "test_lstm_cell_backward_gradcheck")
    assert "lstm_cell_backward" in lstm and "gradient check failed" in lstm, lstm


def test_loss_curves_are_plotted(results):
    """The char-LM and adding tests attach the student's loss curve beside the reference's, pass or fail."""
    for case in ("correct", "rnn_grads_not_summed"):
        by = _by_name(results[case])
        for name, n in (("test_train_char_lm_end_to_end", 200), ("test_train_adding_end_to_end", 400)):
            figs = by[name][0].get("figures") or []
            assert len(figs) == 1, f"{case}: {name} attached {len(figs)} figures"
            series = {s["label"]: s["values"] for s in figs[0]["series"]}
            ref = [v for k, v in series.items() if k.startswith("reference")]
            assert "your losses" in series and len(ref) == 1, f"{case}: {name}: series {sorted(series)}"
            for label, values in (("your losses", series["your losses"]), ("reference", ref[0])):
                assert len(values) == n and all(isinstance(v, float) for v in values), (
                    f"{case}: {name}: {label} has {len(values)} points, expected {n} numbers")
