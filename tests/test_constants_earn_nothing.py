"""A submission that computes nothing earns nothing where a test judges a negative property
(issue 9.6): "does not modify its arguments", "no overflow", "cannot learn XOR", "raises for an
unknown name", "W stays 0" ... each first proves that the function did real work.

Two garbage submissions are made from each reference by replacing every solution block: one
returns its first argument unchanged ("echo"), one returns zeros shaped like it ("zeros"). Both
must score 0 on every hidden test of a negative property, recognised by its name, in every
assignment with a solutions folder (new assignments are covered without editing this file)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from grader.course import assignment as assignment_mod
from grader.grading.runner import GradeOptions, grade_submission
from grader.sandbox.launcher import require_isolation

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = [s for s in assignment_mod.list_assignments(ROOT) if (ROOT / "solutions" / s).is_dir()]

# Names of the tests that judge a negative property or a loose bound.
NEGATIVE = re.compile(r"purity|does_not_modify|does_not_mutate|unchanged|no_overflow|stability|saturat|"
                      r"cannot_learn|unknown|stays_zero|is_logistic_regression|scale_invariance|leaves_grad")

# Cases where returning the input IS the right answer (the function is the identity).
CORRECT_BY_NATURE = {
    "test_a05_units.py::test_activation_purity[linear]": "linear(z) = z",
}

BODY = {
    "echo": "{first}",
    "zeros": "(__import__('numpy').zeros_like({first}) if hasattr({first}, 'shape') else {first})",
}


def garbage(source: str, kind: str) -> str:
    """``source`` with every ### BEGIN/END SOLUTION block replaced by ``return <garbage>``."""
    tree = ast.parse(source)
    firsts = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            params = [a.arg for a in node.args.args if a.arg not in ("self", "cls")]
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                firsts[line] = params[0] if params else "None"
    out, skipping = [], False
    for i, line in enumerate(source.splitlines(), start=1):
        if line.strip() == "### BEGIN SOLUTION":
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}return {BODY[kind].format(first=firsts.get(i, 'None'))}")
            skipping = True
        elif line.strip() == "### END SOLUTION":
            skipping = False
        elif not skipping:
            out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.slow  # grades two submissions per assignment
@pytest.mark.parametrize("kind", sorted(BODY))
@pytest.mark.parametrize("slug", ASSIGNMENTS)
def test_constants_earn_nothing_on_negative_properties(slug, kind, tmp_path):
    a = assignment_mod.load(slug, ROOT)
    for name in a.submit:
        (tmp_path / name).write_text(garbage((a.solution_dir / name).read_text(), kind))
    options = GradeOptions(secret="ci", hide=(str(ROOT),), isolation=require_isolation("auto"))
    result = grade_submission(a, tmp_path, f"garbage-{kind}", options)
    assert result["tests"], f"{slug}: no hidden test ran ({result.get('error')})"
    earned = sorted({t["id"] for t in result["tests"]
                     if t["points"] > 0 and NEGATIVE.search(t["name"]) and t["id"] not in CORRECT_BY_NATURE})
    assert not earned, f"{slug}: a submission returning {kind} earned points in {earned}"
