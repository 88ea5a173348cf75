"""``dlgrade release aNN --format notebook``: the handout notebook, and the round trip through intake."""
from __future__ import annotations

import json

import nbformat
import pytest

from integrations_support import ISOLATION, ROOT, a04, dlgrade, load_json, three_notebooks
from grader.course.sync import BEGIN
from grader.integrations.notebook import build_notebook, segments_for


def test_stub_notebook_has_the_stub_cells_and_no_solution(tmp_path):
    dlgrade("release", "a04", "--format", "notebook", "--out", tmp_path)
    path = tmp_path / "a04_nn_basics.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert not any(BEGIN.match(ln) for src in code for ln in src.splitlines())
    to_fill = [s.name for s in segments_for(a04(), "stub") if s.to_fill]
    for name in to_fill:  # one cell per function, with the stub `dlgrade sync` writes
        cells = [src for src in code if f"def {name}(" in src]
        assert len(cells) == 1 and f'NotImplementedError("{name}: not implemented yet' in cells[0], name
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# A04")  # the handout
    checks = [src for src in code if "!dlgrade check a04 a04_nn_basics.ipynb -k" in src]
    assert len(checks) >= 8  # public tests follow the functions they need


@pytest.mark.slow
def test_round_trip_reference_100_stub_0_buggy_between(tmp_path):
    three_notebooks(tmp_path / "subs")
    dlgrade("grade", "a04", tmp_path / "subs", "--isolation", ISOLATION, "--json", tmp_path / "r.json",
            "--gradebook", tmp_path / "book.sqlite", "-j", "1", "--secret", "nb-test")
    res = {r["id"]: r for r in load_json(tmp_path / "r.json")["submissions"]}
    assert res["reference"]["score"] == res["reference"]["max_score"] == 100, res["reference"].get("error")
    assert res["stub"]["score"] == 0 and res["stub"]["status"] == "graded"
    assert 0 < res["buggy"]["score"] < 100
    failed = [t["id"] for t in res["buggy"]["tests"] if t["status"] != "pass"]
    assert any("sigmoid" in t for t in failed), failed


@pytest.mark.slow
def test_public_check_runs_on_a_saved_notebook(tmp_path):
    nb = build_notebook(a04(), "reference")
    (tmp_path / "a04_nn_basics.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    proc = dlgrade("check", "a04", tmp_path / "a04_nn_basics.ipynb", "-k", "test_step_known_values", cwd=ROOT)
    assert "score: 4/4" in proc.stdout, proc.stdout
