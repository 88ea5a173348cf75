"""End to end: grade examples/submissions/a05 and a06 with the CLI and check every outcome.

One `dlgrade grade aNN examples/submissions/aNN --json ...` run per assignment (a module-scoped
fixture) grades the sample submissions: a correct one, written in a student's own style, and
one per typical bug (the mutants' bugs, written as a student would). The tests then read the
results document: the correct submission scores 100; each bug loses the points of the tests
that target it, and the failure message names the function and says what is wrong.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # two batches of 8 submissions: a few minutes on 2 cores

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {a: ROOT / "examples" / "submissions" / a for a in ("a05", "a06")}

# case -> (test that must lose all its points in at least one case, substrings that the failure
# message of that test must contain: the function's name and the mistake)
EXPECTED = {
    "a05": {
        "bug_gprime_at_A1": ("test_backward_gradient_check",
                             ["backward_propagation(hidden_activation=", "grads['dW1']", "gradient check failed"]),
        "bug_db_no_keepdims": ("test_backward_matches_reference",
                               ["grads['db1'] from backward_propagation", "shape is (", "keepdims=True"]),
        "bug_missing_1_over_m": ("test_backward_matches_reference",
                                 ["grads['dW2'] from backward_propagation", "1/m"]),
        "bug_naive_sigmoid": ("test_activation_saturation",
                              ["sigmoid(", "FloatingPointError", "overflow", "stable sigmoid"]),
        "bug_update_wrong_layer": ("test_update_parameters_matches_reference",
                                   ["update_parameters(", "['b1']"]),
        "bug_relu_derivative_at_zero": ("test_activation_derivative_conventions",
                                        ["relu_derivative(0)", "z > 0"]),
        "bug_dW2_transposed": ("test_backward_matches_reference",
                               ["grads['dW2'] from backward_propagation", "transposed"]),
    },
    "a06": {
        "bug_softmax_axis1": ("test_softmax_properties", ["softmax(Z)", "column must sum to 1"]),
        "bug_softmax_no_max": ("test_softmax_stability", ["softmax(", "overflow", "maximum"]),
        "bug_caches_off_by_one": ("test_L_model_backward_matches_reference",
                                  ["L_model_backward raised", "caches[l-1]"]),
        "bug_dAL_sign": ("test_L_model_backward_matches_reference",
                         ["from L_model_backward(hidden_activation='tanh', output_activation='sigmoid')",
                          "wrong sign"]),
        "bug_db_axis0": ("test_linear_backward_matches_reference",
                         ["db from linear_backward", "shape is (1, ", "keepdims=True"]),
        "bug_he_uses_n_l": ("test_init_he_std", ["He initialisation", "sqrt(2/n_(l-1))"]),
        "bug_softmax_backward_diagonal": ("test_softmax_backward_gradient_check",
                                          ["softmax_backward(dA, Z)", "gradient check failed"]),
    },
}


def _grade(assignment: str, work: Path) -> dict:
    out = work / f"{assignment}_results.json"
    env = dict(os.environ, DLGRADE_SECRET=f"{assignment}-examples-test-secret", DLGRADE_ROOT=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-c", "from grader.cli import main; main()", "grade", assignment, str(EXAMPLES[assignment]),
         "--json", str(out), "--gradebook", str(work / "gb.sqlite"), "-q"],
        cwd=work, env=env, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, f"dlgrade grade {assignment} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    doc = json.loads(out.read_text())
    return {s["id"]: s for s in doc["submissions"]}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    cache = {}

    def get(assignment):
        if assignment not in cache:
            cache[assignment] = _grade(assignment, tmp_path_factory.mktemp(f"{assignment}_examples"))
        return cache[assignment]

    return get


def _by_name(sub) -> dict[str, list[dict]]:
    by = {}
    for t in sub["tests"]:
        by.setdefault(t["name"].split("[")[0], []).append(t)
    return by


CASES = [(a, c) for a in EXPECTED for c in sorted(EXPECTED[a])]


@pytest.mark.parametrize("assignment", ["a05", "a06"])
def test_every_example_is_graded(results, assignment):
    subs = results(assignment)
    cases = sorted(p.name for p in EXAMPLES[assignment].iterdir() if p.is_dir())
    assert sorted(subs) == cases
    assert sorted(EXPECTED[assignment]) + ["correct"] == sorted(cases), "every bug example needs an expectation"
    for sub in subs.values():
        assert sub["status"] == "graded", (sub["id"], sub.get("error"))
        assert sub["max_score"] == pytest.approx(100)
        assert sum(t["max_points"] for t in sub["tests"]) == pytest.approx(100)
        assert sub["score"] == pytest.approx(sum(t["points"] for t in sub["tests"]))
        assert not sub["static_findings"], sub["static_findings"]


@pytest.mark.parametrize("assignment", ["a05", "a06"])
def test_correct_scores_100(results, assignment):
    sub = results(assignment)["correct"]
    bad = [f"{t['id']}: {t['message'][:300]}" for t in sub["tests"] if t["status"] != "pass"]
    assert sub["score"] == pytest.approx(100), "\n".join(bad)


@pytest.mark.parametrize("assignment,case", CASES)
def test_bug_loses_points_with_a_clear_message(results, assignment, case):
    sub = results(assignment)[case]
    target, needles = EXPECTED[assignment][case]
    assert sub["score"] < 100, f"{case} scored {sub['score']}"
    rows = _by_name(sub).get(target)
    assert rows, f"{case}: no result for {target}"
    failed = [t for t in rows if t["status"] == "fail" and t["points"] == 0]
    assert failed, f"{case}: {target} did not fail: {[(t['id'], t['status'], t['points']) for t in rows]}"
    messages = [t["message"] for t in failed]
    assert any(all(n in m for n in needles) for m in messages), (
        f"{case}: no failure message of {target} contains all of {needles}:\n" + "\n---\n".join(messages))
    for t in sub["tests"]:  # a bug makes tests fail, never error out (the tests must survive bad values)
        assert t["status"] in ("pass", "fail"), f"{case}: {t['id']} has status {t['status']}: {t['message'][:300]}"
