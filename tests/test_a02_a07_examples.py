"""End to end: grade examples/submissions/a02 and examples/submissions/a07 through the CLI.

One `dlgrade grade aNN examples/submissions/aNN --json ...` run per assignment (module-scoped
fixtures) grades the sample submissions of the two torch chapters; the tests then read the
results document. The correct example must earn every point that this machine can award (on a
CPU-only machine the `cuda` cases are reported skipped: no CUDA device); each bug example must
lose points in the tests aimed at its bug, and keep the points of the parts that it got right.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow       # two batches of 6-7 torch submissions: a few minutes on 2 cores

ROOT = Path(__file__).resolve().parent.parent

# case -> tests that must earn nothing (every case of `test_x`, or only the case `test_x[p]`), and tests
# that must still pass
EXPECT = {
    "a02": {
        "forgets_zero_grad": (
            ["test_autograd_trajectory", "test_autograd_defaults", "test_train_model_sgd", "test_train_model_adam",
             "test_train_model_minibatch", "test_fit_line_reaches_least_squares"],
            ["test_mse_cost_matches_mseloss", "test_predict_values", "test_numpy_to_tensor_shares_memory"]),
        "predict_without_eval": (
            ["test_predict_values", "test_predict_leaves_eval_mode", "test_predict_repeatable_with_dropout"],
            ["test_train_model_sgd", "test_predict_no_grad", "test_autograd_trajectory"]),
        "numpy_copy": (
            ["test_numpy_to_tensor_shares_memory"],
            ["test_tensor_to_numpy_shares_memory", "test_train_model_sgd"]),
        "default_dtype_params": (
            ["test_autograd_trajectory", "test_autograd_defaults", "test_autograd_reaches_least_squares"],
            ["test_train_model_sgd", "test_fit_line_on_device_cpu"]),
        "no_device_check": (
            ["test_train_model_device_mismatch"],
            ["test_train_model_sgd", "test_train_model_on_device"]),
    },
    "a07": {
        "adam_state_on_cpu": (
            ["test_meta_device_proxy"],
            ["test_single_step_math", "test_adam_matches_torch", "test_model_matches_reference"]),
        "dropout_no_rescale": (
            ["test_dropout_forward_matches_reference", "test_dropout_statistics"],
            ["test_dropout_backward", "test_adam_matches_torch", "test_matches_torch_adam_on_device"]),
        "momentum_no_one_minus_beta": (
            ["test_momentum_matches_reference", "test_momentum_matches_torch_sgd"],
            ["test_momentum_beta_zero_is_gd", "test_update_parameters_with_gd", "test_adam_matches_torch"]),
        "adam_no_bias_correction": (
            ["test_adam_matches_reference", "test_adam_matches_torch", "test_adam_first_step_is_learning_rate"],
            ["test_rmsprop_matches_torch", "test_single_step_math"]),
        "minibatch_y_not_shuffled": (
            ["test_mini_batches_match_reference", "test_mini_batches_permutation_and_alignment"],
            ["test_mini_batches_sizes_200", "test_dropout_backward"]),
        "l2_cost_lambda_over_m": (
            ["test_cost_with_regularization_l2", "test_cost_consistent_with_gradient[l2]"],
            ["test_cost_with_regularization_l1", "test_backward_with_regularization_l2"]),
    },
}


def _grade(aid: str, tmp: Path) -> dict:
    out = tmp / f"{aid}_results.json"
    env = dict(os.environ, DLGRADE_SECRET=f"{aid}-examples-test-secret")
    proc = subprocess.run(
        [sys.executable, "-c", "from grader.cli import main; main()", "grade", aid,
         str(ROOT / "examples" / "submissions" / aid), "--json", str(out), "--gradebook", str(tmp / "gb.sqlite"),
         "--regrade", "-q"],
        cwd=tmp, env=env, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, f"dlgrade grade {aid} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    doc = json.loads(out.read_text())
    return {s["id"]: s for s in doc["submissions"]}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return {aid: _grade(aid, tmp_path_factory.mktemp(f"{aid}_examples")) for aid in ("a02", "a07")}


def _by_name(sub) -> dict[str, list[dict]]:
    """'test_x' -> every case of test_x; 'test_x[p]' -> that case only."""
    by = {}
    for t in sub["tests"]:
        by.setdefault(t["name"].split("[")[0], []).append(t)
        case = t["id"].split("::")[-1]
        if "[" in case:
            by.setdefault(case, []).append(t)
    return by


@pytest.mark.parametrize("aid", ["a02", "a07"])
def test_every_example_is_graded(results, aid):
    cases = sorted(p.name for p in (ROOT / "examples" / "submissions" / aid).iterdir() if p.is_dir())
    assert sorted(results[aid]) == cases
    for sid, sub in results[aid].items():
        assert sub["status"] == "graded" and not sub.get("error"), f"{aid}/{sid}: {sub['status']} {sub.get('error')}"
        assert sub["max_score"] == 100, f"{aid}/{sid}: max score {sub['max_score']}"


@pytest.mark.parametrize("aid", ["a02", "a07"])
def test_correct_earns_everything_it_can(results, aid):
    sub = results[aid]["correct"]
    skipped = [t for t in sub["tests"] if t["status"] == "skipped"]
    for t in sub["tests"]:
        if t["status"] != "skipped":
            assert t["status"] == "pass" and t["points"] == t["max_points"], f"{t['id']}: {t['status']} {t['message']}"
    for t in skipped:                       # only the cuda cases may be skipped, and only without a GPU
        assert "[cuda" in t["id"] and "no CUDA device" in (t["message"] or ""), f"{t['id']} skipped: {t['message']}"
    assert sub["score"] + sum(t["max_points"] for t in skipped) == pytest.approx(100.0)


@pytest.mark.parametrize("aid,case", [(a, c) for a in EXPECT for c in EXPECT[a]])
def test_bug_loses_points_where_targeted(results, aid, case):
    sub = results[aid][case]
    by = _by_name(sub)
    must_fail, must_pass = EXPECT[aid][case]
    for name in must_fail:
        assert name in by, f"{aid}/{case}: no result for {name}"
        ran = [t for t in by[name] if t["status"] != "skipped"]
        assert ran, f"{aid}/{case}: every case of {name} was skipped"
        for t in ran:
            assert t["status"] != "pass" and t["points"] == 0, (
                f"{aid}/{case}: {t['id']} should earn nothing, got {t['status']} {t['points']}/{t['max_points']}")
    for name in must_pass:
        assert name in by, f"{aid}/{case}: no result for {name}"
        for t in by[name]:
            assert t["status"] in ("pass", "skipped"), f"{aid}/{case}: {t['id']} should pass: {t['message']}"
    assert sub["score"] < 100


def test_messages_name_the_bug(results):
    """The feedback must point at the mistake in words a student understands."""
    msgs = {c: json.dumps(results["a02"][c]["tests"], ensure_ascii=False) for c in ("numpy_copy", "predict_without_eval")}
    assert "共享内存" in msgs["numpy_copy"] or "shares" in msgs["numpy_copy"] or "copied" in msgs["numpy_copy"]
    assert "eval" in msgs["predict_without_eval"]
    cpu_state = json.dumps(results["a07"]["adam_state_on_cpu"]["tests"], ensure_ascii=False)
    assert "meta" in cpu_state and "cpu" in cpu_state, "the state-device failure must say which device is which"
