"""The example-expectation checker (grader/course/expectations.py) on a hand-made results entry:
each rule holds on a submission that meets it and reports a violation, naming the folder and the rule,
on one that breaks it. Fast: nothing is graded."""
from __future__ import annotations

import copy

import pytest

from grader.course.expectations import RULES, ExpectationError, check, parse_expectation, parse_expectations


def row(test_id: str, status: str, points: float, max_points: float, message: str = "", functions=()) -> dict:
    name = test_id.split("::")[-1].split("[")[0]
    return {"id": test_id, "name": name, "status": status, "points": points, "max_points": max_points,
            "message": message, "functions": list(functions)}


def submission() -> dict:
    """A bug example: test_b (both cases) fails, the cuda case is skipped without a GPU; 60/100."""
    tests = [
        row("t.py::test_a", "pass", 40, 40, functions=["mod.forward"]),
        row("t.py::test_b[x]", "fail", 0, 20, "grad: wrong shape (3, 1), use keepdims=True", ["mod.backward"]),
        row("t.py::test_b[y]", "fail", 0, 10, "grad: wrong shape (3, 1)", ["mod.backward"]),
        row("t.py::test_c", "pass", 20, 20, functions=["mod.forward"]),
        row("t.py::test_d[cuda]", "skipped", 0, 10, "skipped: no CUDA device"),
    ]
    return {"id": "bug", "status": "graded", "error": None, "score": 60.0, "max_score": 100.0, "tests": tests,
            "static_findings": [], "findings": ["test_b: refused by the sandbox: importing torch"]}


# rule table -> (a submission meets it, so no violation)
HOLDS = {
    "status": {"status": "graded"},
    "score": {"score": 60},
    "score_above": {"score_above": 59.5},
    "score_below": {"score_below": 100},
    "lose": {"lose": ["test_b", "test_b[x]"]},
    "lose_functions": {"lose_functions": ["backward"]},
    "costs_at_least": {"costs_at_least": ["test_b"]},
    "keep": {"keep": ["test_a", "test_c", "test_d"]},
    "failing": {"failing": ["test_b"]},
    "passing": {"passing": ["test_a", "test_c"]},
    "statuses": {"statuses": ["pass", "fail", "skipped"]},
    "findings": {"findings": ["importing torch"]},
    "message": {"message": [{"test": "test_b", "contains": ["wrong shape", "keepdims"]}]},
}


def test_every_rule_is_exercised():
    assert set(HOLDS) | {"full_marks"} == set(RULES)
    assert {rule for rule, _, _ in BROKEN} == set(RULES)


@pytest.mark.parametrize("rule", sorted(HOLDS))
def test_rule_holds(rule):
    assert check(parse_expectation("bug", HOLDS[rule]), submission()) == []


# rule table, a change to the submission (or None) -> the violation must name this rule
BROKEN = [
    ("status", {"status": "error"}, None),
    ("status", {}, lambda s: s.update(error="the suite crashed")),
    ("full_marks", {"full_marks": True}, None),
    ("score", {"score": 61}, None),
    ("score_above", {"score_above": 60}, None),
    ("score_below", {"score_below": 60}, None),
    ("lose", {"lose": ["test_a"]}, None),
    ("lose", {"lose": ["test_b"]}, lambda s: s["tests"][2].update(points=5)),          # a failing case earns points
    ("lose", {"lose": ["test_d"]}, None),                                             # every case was skipped
    ("lose", {"lose": ["test_nonexistent"]}, None),
    ("lose_functions", {"lose_functions": ["forward"]}, None),
    ("lose_functions", {"lose_functions": ["never_called"]}, None),
    ("costs_at_least", {"costs_at_least": ["test_b", "test_c"]}, None),
    ("keep", {"keep": ["test_b[y]"]}, None),
    ("keep", {"keep": ["test_d"]}, lambda s: s["tests"][4].update(message="skipped: flaky")),  # not a CUDA skip
    ("keep", {"keep": ["test_e*"]}, None),
    ("failing", {"failing": ["test_b[x]"]}, None),                                    # test_b[y] fails too
    ("failing", {"failing": ["test_b"]}, lambda s: s["tests"][0].update(points=39)),  # a pass without full points
    ("passing", {"passing": ["test_a"]}, None),                                       # test_c passes too
    ("passing", {"passing": []}, None),
    ("statuses", {"statuses": ["pass", "fail"]}, None),
    ("findings", {"findings": ["subprocess"]}, None),
    ("findings", {"findings": []}, None),
    ("message", {"message": [{"test": "test_b", "contains": ["transposed"]}]}, None),
    ("message", {"message": [{"test": "test_b", "contains": ["keepdims"], "every": True}]}, None),
    ("message", {"message": [{"test": "test_b", "contains": ["grad"], "status": ["timeout"]}]}, None),
    ("message", {"message": [{"test": "test_a", "contains": ["grad"]}]}, None),           # test_a did not fail
    ("message", {"message": [{"contains": ["grad"], "any_of": ["memory", "timed out"]}]}, None),
    ("message", {"message": [{"contains": ["WRONG SHAPE"]}]}, None),                    # case matters by default
]


@pytest.mark.parametrize("rule,table,change", BROKEN, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(BROKEN)])
def test_rule_fails_when_broken(rule, table, change):
    sub = copy.deepcopy(submission())
    if change:
        change(sub)
    violations = check(parse_expectation("bug", table), sub)
    assert violations, f"{rule} {table} did not fail"
    assert all(v.startswith(f"bug: {rule}") for v in violations), violations


def test_full_marks_counts_cuda_skips_only():
    sub = submission()
    sub["tests"] = [sub["tests"][0], sub["tests"][3], sub["tests"][4]]
    sub["score"] = 60.0
    assert check(parse_expectation("ok", {"full_marks": True}), sub) != []   # 60 + 10 skipped != 100
    sub["tests"][0]["max_points"] = sub["tests"][0]["points"] = 70
    sub["score"] = 90.0
    assert check(parse_expectation("ok", {"full_marks": True}), sub) == []


def test_ignore_case_and_any_of():
    table = {"message": [{"test": "test_b[x]", "any_of": ["MEMORY", "KEEPDIMS"], "ignore_case": True}]}
    assert check(parse_expectation("bug", table), submission()) == []


@pytest.mark.parametrize("table", [
    {"scor": 10},                                   # unknown rule
    {"score": "100"},                               # wrong type
    {"score": True},                                # a bool is not a number
    {"lose": "test_a"},                             # not a list
    {"lose": [1, 2]},                               # not strings
    {"message": [{"test": "test_a"}]},              # neither contains nor any_of
    {"message": [{"contains": ["x"], "every": "yes"}]},
    {"message": [{"contains": ["x"], "colour": "red"}]},
])
def test_malformed_tables_are_errors(table):
    with pytest.raises(ExpectationError, match=r"\[expect.bug\]"):
        parse_expectation("bug", table)


def test_expect_section_must_be_tables():
    with pytest.raises(ExpectationError):
        parse_expectations({"expect": {"bug": 3}})
    assert parse_expectations({"base": "reference", "cases": {}}) == {}
