"""Shared by the example-submission tests: grade a folder of examples through the CLI once."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def grade_examples(assignment_id: str, folder: Path, tmp: Path, timeout: float = 1200) -> dict[str, dict]:
    """``dlgrade grade <id> <folder> --json`` in a fresh gradebook; the results by submission id."""
    out = tmp / f"{assignment_id}_results.json"
    env = dict(os.environ, DLGRADE_SECRET=f"{assignment_id}-examples-test-secret")
    proc = subprocess.run(
        [sys.executable, "-c", "from grader.cli import main; main()", "grade", assignment_id, str(folder), "--json",
         str(out), "--gradebook", str(tmp / "gb.sqlite"), "--regrade", "-q"],
        cwd=tmp, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"dlgrade grade {assignment_id} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return {s["id"]: s for s in json.loads(out.read_text())["submissions"]}


def cases_by_name(sub: dict, with_cases: bool = True) -> dict[str, list[dict]]:
    """'test_x' -> every case of test_x; with ``with_cases``, also 'test_x[p]' -> that case only."""
    by: dict[str, list[dict]] = {}
    for t in sub["tests"]:
        by.setdefault(t["name"].split("[")[0], []).append(t)
        case = t["id"].split("::")[-1]
        if with_cases and "[" in case:
            by.setdefault(case, []).append(t)
    return by
