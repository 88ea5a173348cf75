"""End to end: grade every examples/submissions/aNN through the CLI and hold each folder to its
``[expect.<folder>]`` table in that assignment's examples.toml (grader/course/expectations.py).

Each assignment is graded once per session (the ``graded_examples`` fixture, shared with the few
per-assignment test modules that check what is not a score rule). Select one assignment with
``-k a04``. The tests that only read the toml files run in the fast lane.
"""
from __future__ import annotations

import tomllib

import pytest
from examples_support import EXAMPLES, example_folders

from grader.course.assignment import load
from grader.course.expectations import Expectation, check, parse_expectations

ASSIGNMENTS = sorted(p.name for p in EXAMPLES.iterdir() if (p / "examples.toml").is_file())


def expectations(aid: str) -> dict[str, Expectation]:
    path = EXAMPLES / aid / "examples.toml"
    return parse_expectations(tomllib.loads(path.read_text(encoding="utf-8")), str(path))


CASES = [pytest.param(aid, folder, id=f"{aid}-{folder}") for aid in ASSIGNMENTS for folder in example_folders(aid)]


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_every_folder_has_exactly_one_expect_table(aid):
    """Parsing is typed (an unknown rule or a wrong type fails here), and no folder goes unchecked."""
    exps = expectations(aid)
    folders = example_folders(aid)
    assert sorted(set(folders) - set(exps)) == [], f"{aid}: folders without an [expect.<folder>] table"
    assert sorted(set(exps) - set(folders)) == [], f"{aid}: [expect.*] tables without a folder"


def test_there_are_examples_to_check():
    assert len(ASSIGNMENTS) >= 9 and len(CASES) >= 9 * 5, (ASSIGNMENTS, len(CASES))


@pytest.mark.slow
@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_every_example_is_graded_and_adds_up(graded_examples, aid):
    """Rules that hold for every submission: all folders graded, the points add up, a real sandbox."""
    results = graded_examples(aid).results
    assert sorted(results) == example_folders(aid)
    total = load(aid).total_points
    for sid, sub in results.items():
        where = f"{aid}/{sid}"
        assert sub["tests"], f"{where}: no test results"
        assert sub["max_score"] == pytest.approx(total), f"{where}: max score {sub['max_score']} != {total}"
        assert sum(t["max_points"] for t in sub["tests"]) == pytest.approx(total), f"{where}: max points do not add up"
        assert sub["score"] == pytest.approx(sum(t["points"] for t in sub["tests"]), abs=1e-3), f"{where}: score"
        assert sub["isolation"] in ("namespaces", "process"), f"{where}: isolation {sub['isolation']}"


@pytest.mark.slow
@pytest.mark.parametrize("aid,folder", CASES)
def test_example_meets_its_expectations(graded_examples, aid, folder):
    violations = check(expectations(aid)[folder], graded_examples(aid).results[folder])
    assert not violations, f"{aid}/{folder} breaks its [expect.{folder}] table:\n" + "\n".join(violations)
