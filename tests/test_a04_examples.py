"""End to end: grade examples/submissions/a04 with the CLI and check every example's outcome.

One `dlgrade grade a04 examples/submissions/a04 --json ...` run (module-scoped fixture) grades
all the sample submissions: correct ones, a half-finished one, typical bugs, broken ones
(syntax error, exception at import, infinite loop, memory bomb) and hostile ones. The tests
then read the results document and the file system. See examples/submissions/a04/README.md.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow       # one batch of 20 submissions: about 1.5 minutes on 2 cores

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "submissions" / "a04"
CASES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())

BG_TAG = "dlgrade-a04-bg-marker"          # hostile_background_process
FAKE_TAG = "FAKE-A04-RESULTS"             # hostile_fake_results
FAKE_NAMES = ("results.json", "results_a04.json", "gradebook.sqlite", "gradebook.csv", "a04.json")

PERCEPTRON_TESTS = {
    "test_step_matches_reference", "test_step_zero", "test_step_dtype",
    "test_perceptron_predict_matches_reference", "test_perceptron_predict_boundary",
    "test_perceptron_predict_types", "test_perceptron_predict_integer_X",
    "test_gate_truth_table", "test_gate_unknown_name", "test_xor_network_structure",
    "test_xor_network_computes_xor", "test_two_layer_predict_matches_reference",
    "test_perceptron_train_matches_reference", "test_perceptron_train_nondefault_args",
    "test_perceptron_train_converges", "test_perceptron_train_types",
    "test_perceptron_cannot_learn_xor",
    "test_step_purity", "test_perceptron_predict_purity", "test_two_layer_perceptron_predict_purity",
    "test_perceptron_train_purity",
}
TESTS_OF = {  # student function -> the hidden tests that call it (directly or through a probe)
    "perceptron_predict": {"test_perceptron_predict_matches_reference", "test_perceptron_predict_boundary",
                           "test_perceptron_predict_types", "test_perceptron_predict_integer_X",
                           "test_perceptron_predict_purity"},
    "two_layer_perceptron_predict": {"test_two_layer_predict_matches_reference",
                                     "test_two_layer_perceptron_predict_purity"},
    "bce_cost_from_logits": {"test_bce_cost_from_logits_matches_reference", "test_bce_from_logits_stability",
                             "test_costs_edge_cases", "test_bce_cost_from_logits_purity"},
    "predict": {"test_predict_matches_reference", "test_predict_threshold_strict", "test_predict_types",
                "test_breast_cancer_accuracy", "test_predict_purity"},
    "logistic_forward": {"test_logistic_forward_matches_reference", "test_logistic_forward_edge_cases",
                         "test_logistic_forward_purity"},
    "bce_cost": {"test_bce_cost_matches_reference", "test_costs_edge_cases", "test_bce_cost_purity"},
    "logistic_backward": {"test_logistic_backward_matches_reference", "test_logistic_backward_gradcheck",
                          "test_logistic_backward_edge_cases", "test_logistic_backward_purity"},
}


# ----------------------------------------------------------------------------- the batch

def _tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def _fake_result_dirs(cwd: Path) -> list[Path]:
    """Every host directory hostile_fake_results aims at that the test can see."""
    dirs = [Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"), Path.home(), Path("/autograder/results"),
            ROOT, ROOT / "out", cwd]
    d = EXAMPLES / "hostile_fake_results"
    while True:
        dirs.append(d)
        if d.parent == d:
            break
        d = d.parent
    return dirs


def _snapshot(paths: list[Path]) -> dict[str, tuple]:
    snap = {}
    for p in paths:
        try:
            st = p.stat()
            snap[str(p)] = (st.st_size, st.st_mtime_ns)
        except OSError:
            snap[str(p)] = None
    return snap


def _tagged_processes() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if BG_TAG.encode() in cmd:
            found.append(int(entry))
    return found


def _marker_paths() -> list[Path]:
    paths = [Path("/tmp") / BG_TAG, Path("/var/tmp") / BG_TAG, Path.home() / BG_TAG]
    d = EXAMPLES / "hostile_background_process"
    while True:
        paths.append(d / BG_TAG)
        if d.parent == d:
            break
        d = d.parent
    return paths


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    work = tmp_path_factory.mktemp("a04_examples")
    for p in _marker_paths():
        if p.exists():
            p.unlink()          # a leftover of an earlier (broken) run would make the check meaningless
    fake_files = [d / n for d in _fake_result_dirs(work) for n in FAKE_NAMES]
    before_fake = _snapshot(fake_files)
    before_examples = _tree_digest(EXAMPLES)
    before_solutions = _tree_digest(ROOT / "solutions" / "a04_nn_basics")
    out = work / "a04_results_doc.json"
    env = dict(os.environ, DLGRADE_SECRET="a04-examples-test-secret")
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", "from grader.cli import main; main()", "grade", "a04", str(EXAMPLES),
         "--json", str(out), "--gradebook", str(work / "gb.sqlite"), "-q"],
        cwd=work, env=env, capture_output=True, text=True, timeout=900)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0, f"dlgrade grade failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    doc = json.loads(out.read_text())
    # the background shell sleeps 3 s before it writes its markers: give it time to (fail to) do so
    time.sleep(5)
    leftovers = _tagged_processes()
    for pid in leftovers:       # clean up before failing, so a broken sandbox leaves nothing behind
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return {
        "doc": doc, "elapsed": elapsed, "stdout": proc.stdout, "leftover_pids": leftovers,
        "markers": [str(p) for p in _marker_paths() if p.exists()],
        "fake_before": before_fake, "fake_after": _snapshot(fake_files), "fake_files": fake_files,
        "examples_before": before_examples, "examples_after": _tree_digest(EXAMPLES),
        "solutions_before": before_solutions, "solutions_after": _tree_digest(ROOT / "solutions" / "a04_nn_basics"),
    }


@pytest.fixture(scope="module")
def results(batch):
    return {s["id"]: s for s in batch["doc"]["submissions"]}


def _tests(sub) -> dict[str, list[dict]]:
    """test function name (without parameters) -> its result rows."""
    by = {}
    for t in sub["tests"]:
        by.setdefault(t["name"].split("[")[0], []).append(t)
    return by


def _failed(sub, names) -> None:
    tests = _tests(sub)
    for name in names:
        assert name in tests, f"{sub['id']}: no result for {name}"
        for t in tests[name]:
            assert t["status"] != "pass" and t["points"] == 0, (
                f"{sub['id']}: {t['id']} should earn nothing, got {t['status']} {t['points']}/{t['max_points']}")


def _lost(sub, names) -> float:
    tests = _tests(sub)
    return sum(t["max_points"] for n in names for t in tests[n])


def _text(sub) -> str:
    return json.dumps(sub, ensure_ascii=False)


# ----------------------------------------------------------------------------- the batch as a whole

def test_every_example_is_graded(batch, results):
    assert sorted(results) == CASES, f"graded {sorted(results)}, expected {CASES}"
    for sub in results.values():
        assert sub["max_score"] == 100
        assert sub["isolation"] in ("namespaces", "process"), sub["isolation"]
        assert len(sub["tests"]) > 0 and sum(t["max_points"] for t in sub["tests"]) == pytest.approx(100)
        assert sub["score"] == pytest.approx(sum(t["points"] for t in sub["tests"]))


def test_no_sources_changed(batch):
    assert batch["examples_after"] == batch["examples_before"], "grading modified files under examples/"
    assert batch["solutions_after"] == batch["solutions_before"], "grading modified files under solutions/"


# ----------------------------------------------------------------------------- honest submissions

@pytest.mark.parametrize("case", ["correct", "correct_loops"])
def test_correct_scores_100(results, case):
    sub = results[case]
    bad = [(t["id"], t["message"]) for t in sub["tests"] if t["status"] != "pass"]
    assert sub["score"] == 100, f"{case}: {sub['score']}; failing: {bad}"


def test_half_finished(results):
    sub = results["half_finished"]
    assert 0 < sub["score"] < 100
    assert sub["score"] == 40, "Part 1 (the perceptron, 40 points) is complete, the rest raises"
    for name, rows in _tests(sub).items():
        want_pass = name in PERCEPTRON_TESTS
        for t in rows:
            assert (t["status"] == "pass") == want_pass, f"{t['id']}: {t['status']} {t['message']}"
            if not want_pass:
                assert "NotImplementedError" in t["message"], t["message"]


@pytest.mark.parametrize("case", ["bug_missing_1_over_m", "bug_transpose"])
def test_backward_bugs_lose_backward_points(results, case):
    sub = results[case]
    _failed(sub, ["test_logistic_backward_matches_reference", "test_logistic_backward_gradcheck"])
    assert sub["score"] <= 100 - _lost(sub, TESTS_OF["logistic_backward"])
    for name in PERCEPTRON_TESTS:            # nothing unrelated is lost
        assert all(t["status"] == "pass" for t in _tests(sub)[name]), name
    msg = _tests(sub)["test_logistic_backward_matches_reference"][0]["message"]
    assert "logistic_backward" in msg and "dW" in msg, msg
    if case == "bug_transpose":
        assert "shape" in msg, msg


def test_breast_cancer_run_is_shared_and_a_wrong_shape_stops_it_after_one_step(results):
    # bug_transpose's optimize returns a (30, 30) W: the one-step preflight says so, and both
    # end-to-end tests report that one run (submission_memo) instead of training twice.
    rows = _tests(results["bug_transpose"])
    messages = [rows[name][0]["message"] for name in ("test_breast_cancer_accuracy", "test_breast_cancer_costs")]
    assert all(rows[n][0]["status"] == "fail" for n in ("test_breast_cancer_accuracy", "test_breast_cancer_costs"))
    assert messages[0] == messages[1], messages
    assert "after one step of optimize" in messages[0] and "(30, 30)" in messages[0], messages[0]
    for name in ("test_breast_cancer_accuracy", "test_breast_cancer_costs"):
        assert "optimize" in " ".join(rows[name][0]["functions"]), rows[name][0]
    for case in ("correct", "correct_loops"):   # and the shared run serves each submission its own result
        ok = _tests(results[case])
        assert all(ok[n][0]["status"] == "pass" for n in ("test_breast_cancer_accuracy", "test_breast_cancer_costs"))


def test_naive_sigmoid_loses_only_stability(results):
    sub = results["bug_naive_sigmoid"]
    failing = {t["name"] for t in sub["tests"] if t["status"] != "pass"}
    assert failing == {"test_sigmoid_stability"}, failing
    assert sub["score"] == 98


# ----------------------------------------------------------------------------- broken submissions

@pytest.mark.parametrize("case, error", [("syntax_error", "SyntaxError"), ("import_exception", "FileNotFoundError"),
                                         ("imports_torch", "torch")])
def test_broken_module_scores_zero_with_a_clear_message(results, case, error):
    sub = results[case]
    assert sub["score"] == 0
    assert all(t["status"] != "pass" for t in sub["tests"])
    assert error in (sub["tests"][0]["message"] + " ".join(sub.get("static_findings") or [])), _text(sub)[:2000]


def test_infinite_loop_loses_only_that_function(batch, results):
    sub = results["infinite_loop"]
    failing = {t["name"] for t in sub["tests"] if t["status"] != "pass"}
    assert failing == TESTS_OF["two_layer_perceptron_predict"], failing
    t = _tests(sub)["test_two_layer_predict_matches_reference"][0]
    assert t["status"] == "timeout" and "timed out" in t["message"], t
    assert sub["score"] == 97


def test_memory_bomb_loses_only_that_function(results):
    sub = results["memory_bomb"]
    failing = {t["name"] for t in sub["tests"] if t["status"] != "pass"}
    assert failing == TESTS_OF["bce_cost_from_logits"], failing
    for name in TESTS_OF["bce_cost_from_logits"]:
        for t in _tests(sub)[name]:
            assert t["status"] in ("crash", "timeout", "fail"), t
            assert any(w in t["message"].lower() for w in ("memory", "timed out")), t["message"]
    assert sub["score"] == 93


# ----------------------------------------------------------------------------- hostile submissions

@pytest.mark.parametrize("case, functions", [
    ("hostile_patch_allclose", ["perceptron_predict", "bce_cost_from_logits"]),
    ("hostile_always_equal", ["perceptron_predict", "bce_cost_from_logits", "predict"]),
    ("hostile_lying_ndarray", ["perceptron_predict", "two_layer_perceptron_predict", "predict"]),
    ("hostile_stack_walk", ["perceptron_predict", "bce_cost_from_logits"]),
    ("hostile_nan", ["logistic_forward", "bce_cost", "bce_cost_from_logits", "logistic_backward"]),
])
def test_hostile_earns_nothing_it_did_not_compute(results, case, functions):
    sub = results[case]
    names = set().union(*(TESTS_OF[f] for f in functions))
    _failed(sub, sorted(names))
    assert sub["score"] <= 100 - _lost(sub, names)
    if case != "hostile_nan":       # its other functions are the honest reference code
        assert sub["score"] == 100 - _lost(sub, names), "the honest part must still be graded normally"


def test_os_exit_fails_only_its_tests_and_the_child_recovers(results):
    sub = results["hostile_os_exit"]
    names = TESTS_OF["perceptron_predict"] | TESTS_OF["predict"]
    _failed(sub, sorted(names))
    failing = {t["name"] for t in sub["tests"] if t["status"] != "pass"}
    assert failing == names, failing
    assert sub["score"] == 82   # perceptron_predict 5 + predict 13 (its purity point is a test of its own since issue 12)


def test_reading_the_reference_earns_nothing(results):
    sub = results["hostile_read_reference"]
    assert sub["score"] == 0, "the reference solution was readable from the sandbox"
    assert all(t["status"] != "pass" for t in sub["tests"])


def test_torch_through_a_back_door_earns_nothing_for_that_function(results):
    """sigmoid computed with torch (sys.modules cleaned, an exec'd encoded import, a subprocess as
    fallback): the run-time guard refuses each attempt, the result lists the findings, and no test
    that exercised sigmoid is credited, while the honest rest of the submission still is."""
    sub = results["hostile_torch_backdoor"]
    sigmoid_tests = {t["name"] for t in sub["tests"] if any(f.endswith(".sigmoid") for f in t["functions"])}
    assert {"test_sigmoid_matches_reference", "test_sigmoid_properties"} <= sigmoid_tests
    assert all(t["points"] == 0 for t in sub["tests"] if t["name"] in sigmoid_tests)
    assert any("importing torch" in f for f in sub["findings"]), sub["findings"]
    assert any("starting a program (subprocess)" in f for f in sub["findings"]), sub["findings"]
    perceptron = [t for t in sub["tests"] if t["name"] in PERCEPTRON_TESTS]
    assert perceptron and all(t["status"] == "pass" for t in perceptron), "the honest part must still be graded"
    assert 0 < sub["score"] < 100


def test_hunting_the_reference_through_the_parent_process_earns_nothing(results):
    """/proc/<ppid>/cwd and /root, every process's environ, and the environment: inside the
    namespaces the parent is the sandbox's own init and none of them leads to the course."""
    sub = results["hostile_proc_parent"]
    sigmoid_tests = [t for t in sub["tests"] if any(f.endswith(".sigmoid") for f in t["functions"])]
    assert sigmoid_tests and all(t["points"] == 0 for t in sigmoid_tests), "the reference was found"
    perceptron = [t for t in sub["tests"] if t["name"] in PERCEPTRON_TESTS]
    assert all(t["status"] == "pass" for t in perceptron), "the honest part must still be graded"


def test_helper_modules_named_like_a_reference_earn_nothing(results):
    sub = results["hostile_reference_named_helpers"]
    assert sub["score"] == 0, [(t["name"], t["points"]) for t in sub["tests"] if t["points"]]


def test_fake_results_files_earn_nothing_and_never_leave_the_sandbox(batch, results):
    sub = results["hostile_fake_results"]
    assert sub["score"] == 0
    changed = [f for f in map(str, batch["fake_files"]) if batch["fake_after"][f] != batch["fake_before"][f]]
    assert not changed, f"files outside the sandbox were created or changed: {changed}"
    for f in batch["fake_files"]:
        if f.is_file():
            assert FAKE_TAG.encode() not in f.read_bytes(), f"{f} holds the hostile submission's fake results"
    assert FAKE_TAG not in json.dumps(batch["doc"]), "the fake results made it into the results document"


def test_background_process_does_not_outlive_the_batch(batch, results):
    assert not batch["leftover_pids"], f"processes of hostile_background_process still ran: {batch['leftover_pids']}"
    assert not batch["markers"], f"the background process wrote {batch['markers']} after its sandbox was gone"
    sub = results["hostile_background_process"]
    # its results are honest; fork may be refused by the process limit, which only costs it points
    assert sub["score"] <= 100
