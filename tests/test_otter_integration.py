"""otter-grader round trip with the real otter (its own venv, tests/integrations_support.tool_env):
dlgrade export otter, otter assign, three students, otter run; otter's scores are dlgrade's
(the hidden otter tests only ask dlgrade, whose engine grades in its sandbox)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from integrations_support import ISOLATION, ROOT, dlgrade, load_json, run, student_copies, tool_env

pytestmark = pytest.mark.slow


def test_otter_assign_and_run(tmp_path):
    env = tool_env("otter")
    out = tmp_path / "otter"
    dlgrade("export", "otter", "a04", out, "--isolation", ISOLATION, "--secret", "otter-test")
    run([env / "bin" / "otter", "assign", "a04.ipynb", "dist"], cwd=out)
    student_nb = out / "dist" / "student" / "a04.ipynb"
    assert sorted(p.name for p in (out / "dist" / "student").iterdir()) == ["a04.ipynb"]  # no course files
    text = student_nb.read_text()
    assert "BEGIN SOLUTION" not in text and "dlgrade_otter" not in text and "_as_float(z)" not in text
    zips = list((out / "dist" / "autograder").glob("a04-autograder_*.zip"))
    assert len(zips) == 1

    nbs = student_copies(student_nb, lambda s: tmp_path / "subs" / s / "a04.ipynb")
    dl_env = {"DLGRADE_OTTER_DLGRADE": str(Path(__import__("sys").executable).with_name("dlgrade"))}
    otter = {}
    for s, nb in nbs.items():
        res_dir = tmp_path / "res" / s
        res_dir.mkdir(parents=True)
        proc = run([env / "bin" / "otter", "run", "-a", zips[0], "-o", res_dir, nb], env=dl_env)
        print(proc.stdout[proc.stdout.find("Total Score"):])
        otter[s] = {t["name"]: t for t in load_json(res_dir / "results.json")["tests"] if "max_score" in t}

    # the same notebooks graded by dlgrade directly
    dlgrade("grade", "a04", tmp_path / "subs", "--isolation", ISOLATION, "--json", tmp_path / "dl.json",
            "--gradebook", tmp_path / "dl.sqlite", "-j", "1", "--secret", "otter-test", cwd=ROOT)
    dl = {r["id"]: r for r in load_json(tmp_path / "dl.json")["submissions"]}
    for s in nbs:
        total = sum(t["score"] for t in otter[s].values())
        assert total == pytest.approx(dl[s]["score"]), (s, total, dl[s]["score"])
        assert sum(t["max_score"] for t in otter[s].values()) == pytest.approx(100)
    assert dl["reference"]["score"] == 100 and dl["stub"]["score"] == 0 and 0 < dl["buggy"]["score"] < 100
    lost = {n: t for n, t in otter["buggy"].items() if t["score"] < t["max_score"]}
    assert list(lost) == ["sigmoid"], json.dumps(lost)[:500]
    failed_msg = next(t["message"] for t in dl["buggy"]["tests"] if t["status"] != "pass")
    assert failed_msg.splitlines()[0][:40] in lost["sigmoid"]["output"]  # dlgrade's message, through otter
