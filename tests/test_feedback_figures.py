"""Figures in test results: sanitizing (grader.reports.figures), the SVG chart, the feedback reports,
the gradebook column (and its migration), the ``@reference_value`` cache of the plugin, and
end to end the A04 breast-cancer cost curve (graded through the CLI)."""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from grader.reports import exports
from grader.batch import gradebook
from grader.reports.feedback import figure_files, render_html, render_markdown
from grader.reports.figures import MAX_POINTS, MAX_SERIES, MAX_TEXT, normalize, render_svg, sanitize_figure, tick_label
from grader.batch.gradebook import Gradebook, GradingKey
from grader.plugin import DlgradePlugin, reference_value

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples" / "submissions" / "a04"
SVG = "{http://www.w3.org/2000/svg}"
KEY = GradingKey("suite1", "engine1", "opts1")


def _fig(**kw):
    args = dict(title="cost every 100 iterations", series={"your costs": [0.69, 0.4, 0.2, 0.1],
                                                            "reference": [0.69, 0.3, 0.1, 0.05]},
                xlabel="iteration", ylabel="cost", x=[0, 100, 200, 300])
    args.update(kw)
    return sanitize_figure(**args)


def _result(sid="alice", tests=None):
    tests = tests if tests is not None else [
        {"id": "test_a.py::test_curve", "name": "test_curve", "functions": ["mod.optimize"], "points": 0.0,
         "max_points": 4.0, "status": "fail", "message": "the final cost 0.4 must be < 0.1", "duration": 0.1,
         "figures": [_fig()]},
        {"id": "test_a.py::test_other", "name": "test_other", "functions": ["mod.f"], "points": 2.0,
         "max_points": 2.0, "status": "pass", "message": "", "duration": 0.1,
         "figures": [_fig(title="accuracy per epoch", series={"yours": [0.5, 0.9]}, x=None)]},
        {"id": "test_a.py::test_plain", "name": "test_plain", "functions": ["mod.g"], "points": 1.0,
         "max_points": 1.0, "status": "pass", "message": "", "duration": 0.1},
    ]
    return {"id": sid, "path": f"/subs/{sid}", "assignment": "a04", "content_hash": "c1", "suite_hash": "suite1",
            "engine_version": "0.1.0", "isolation": "namespaces", "problems": [], "static_findings": [],
            "tests": tests, "status": "graded", "error": None, "score": 3.0, "max_score": 7.0, "percent": 42.86,
            "duration_s": 1.0}


# ----------------------------------------------------------------------------- sanitizing

def test_sanitize_non_finite_values_become_null():
    fig = sanitize_figure("t", {"a": [1, float("nan"), float("inf"), -float("inf"), np.float64(2.5), np.int64(3),
                                      True, np.float32("nan")]})
    assert fig["series"] == [{"label": "a", "values": [1.0, None, None, None, 2.5, 3.0, 1.0, None]}]
    assert fig["x"] is None
    json.dumps(fig, allow_nan=False)  # strict JSON: no NaN/Infinity tokens


def test_sanitize_caps():
    series = {f"s{i}": list(range(MAX_POINTS + 500)) for i in range(MAX_SERIES + 3)}
    fig = sanitize_figure("x" * 1000, series, xlabel="y" * 300, ylabel="z" * 201, x=list(range(5000)))
    assert len(fig["series"]) == MAX_SERIES == 4
    assert [s["label"] for s in fig["series"]] == ["s0", "s1", "s2", "s3"]
    assert all(len(s["values"]) == MAX_POINTS == 1000 for s in fig["series"])
    assert len(fig["x"]) == MAX_POINTS
    assert len(fig["title"]) == len(fig["xlabel"]) == len(fig["ylabel"]) == MAX_TEXT == 200


def test_sanitize_junk_is_dropped_without_crashing():
    class Evil:
        def __float__(self):
            raise RuntimeError("never called")

        def __str__(self):
            raise RuntimeError("boom")

    junk = ["0.5", b"1", None, {"a": 1}, [1, 2], object(), Evil(), 10 ** 400, complex(1, 2), np.array([1.0, 2.0]),
            np.array("x")]
    fig = sanitize_figure(Evil(), {"junk": junk, 3: "not a list", "arr": np.arange(3.0).reshape(3, 1),
                                   "gen": (v for v in range(3))}, xlabel=None, ylabel=12, x="0123")
    assert fig["title"] == "" and fig["xlabel"] == "" and fig["ylabel"] == "12"
    assert fig["x"] == []
    by = {s["label"]: s["values"] for s in fig["series"]}
    assert by["junk"] == [None] * len(junk)
    assert by["3"] == [] and by["gen"] == []
    assert by["arr"] == [0.0, 1.0, 2.0]  # numpy arrays are flattened
    for bad in (None, "abc", [1, 2, 3], 42):
        assert sanitize_figure("t", bad)["series"] == []
    render_svg(fig)  # and it still draws


def test_sanitize_text_drops_control_characters():
    fig = sanitize_figure("a\x00b\nc\x1b[31m\ud800", {"lab\x07el": [1.0, 2.0]})
    assert fig["title"] == "a b c [31m " and fig["series"][0]["label"] == "lab el"
    ET.fromstring(render_svg(fig))  # no character that XML forbids


def test_normalize_resanitizes_stored_figures():
    stored = {"title": "t", "series": [{"label": "a", "values": [1, "x", None, 1e999]}], "x": [0, 1, 2, 3]}
    assert normalize(stored)["series"] == [{"label": "a", "values": [1.0, None, None, None]}]
    assert normalize("nope") is None and normalize(None) is None


# ----------------------------------------------------------------------------- the SVG chart

def _parse(svg: str):
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    return root


def test_svg_is_well_formed_with_one_polyline_per_series_and_a_legend():
    root = _parse(render_svg(_fig()))
    groups = root.findall(f"{SVG}g[@class='series']")
    assert [g.get("data-label") for g in groups] == ["your costs", "reference"]
    assert all(len(g.findall(f"{SVG}polyline")) == 1 for g in groups)
    assert len(root.findall(f".//{SVG}polyline")) == 2
    colours = {g.find(f"{SVG}polyline").get("stroke") for g in groups}
    assert len(colours) == 2
    assert len(groups[0].find(f"{SVG}polyline").get("points").split()) == 4
    texts = {t.get("class"): t.text for t in root.iter(f"{SVG}text") if t.get("class") in ("title",)}
    assert texts["title"] == "cost every 100 iterations"
    assert root.find(f"{SVG}title").text == "cost every 100 iterations"
    legend = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "legend-label"]
    assert legend == ["your costs", "reference"]
    all_text = [t.text for t in root.iter(f"{SVG}text")]
    assert "iteration" in all_text and "cost" in all_text


def test_svg_ticks_3_to_5_per_axis_with_short_labels():
    for fig in (_fig(), _fig(x=list(range(0, 2000, 100)), series={"a": [0.69 * 0.9 ** i for i in range(20)]}),
                _fig(series={"flat": [3.0, 3.0, 3.0]}, x=None), _fig(series={"big": [1e7, 3e7, 2.5e7]}),
                _fig(series={"tiny": [1e-6, 1.2e-6]}), _fig(series={"neg": [-5.0, 0.0, 12.5]})):
        root = _parse(render_svg(fig))
        for axis in ("tick-x", "tick-y"):
            labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == axis]
            assert 3 <= len(labels) <= 5, (axis, labels)
            assert len(set(labels)) == len(labels)
            assert all(len(label) <= 8 for label in labels), labels
    assert [tick_label(v) for v in (0.0, 0.05, 0.2, 1500.0, 0.30000000000000004, -0.5, 2.5e7, 1.234e-6)] == [
        "0", "0.05", "0.2", "1500", "0.3", "-0.5", "2.5e+07", "1.2e-06"]


def test_svg_gaps_at_nulls():
    fig = sanitize_figure("gaps", {"a": [1.0, 2.0, None, 3.0, None, 4.0, 5.0, 6.0], "b": [None, None]})
    root = _parse(render_svg(fig))
    a, b = root.findall(f"{SVG}g[@class='series']")
    runs = [len(p.get("points").split()) for p in a.findall(f"{SVG}polyline")]
    assert runs == [2, 3]  # 1, 2 | 3 (a dot) | 4, 5, 6
    assert len(a.findall(f"{SVG}circle")) == 1
    assert b.findall(f"{SVG}polyline") == [] and b.findall(f"{SVG}circle") == []


def test_svg_points_without_x_are_not_drawn():
    fig = sanitize_figure("t", {"a": [1.0, 2.0, 3.0, 4.0]}, x=[0, 10])
    root = _parse(render_svg(fig))
    assert len(root.find(f"{SVG}g[@class='series']/{SVG}polyline").get("points").split()) == 2


def test_svg_escapes_every_text():
    evil = '<script>alert("x")</script> & </svg>'
    svg = render_svg(sanitize_figure(evil, {evil: [1, 2]}, xlabel=evil, ylabel=evil))
    assert "<script>" not in svg and "</svg>" not in svg[:-6]
    root = _parse(svg)
    assert root.find(f"{SVG}title").text == evil
    assert root.find(f"{SVG}g[@class='series']").get("data-label") == evil


def test_svg_of_an_empty_figure():
    for fig in (sanitize_figure("", {}), sanitize_figure("nothing", {"a": [None, None]}), {"junk": 1}, None):
        root = _parse(render_svg(fig))
        assert root.findall(f".//{SVG}polyline") == []


# ----------------------------------------------------------------------------- the reports

def test_html_report_inlines_the_svg_under_the_test():
    doc = render_html(_result(), "Title")
    assert doc.count("<svg ") == 2
    went_wrong, plots = doc.index("What went wrong"), doc.index("<h2>Plots</h2>")
    first = doc.index("<svg ")
    assert went_wrong < doc.index("test_curve — 0/4") < first < plots  # under the failing test's entry
    assert plots < doc.index("test_other — 2/2") < doc.index("<svg ", first + 1)
    for m in re.finditer(r"<svg .*?</svg>", doc, re.S):
        _parse(m.group(0))
    assert "test_plain — " not in doc  # a passing test without figures gets no entry


def test_markdown_links_figure_files():
    res = _result()
    md = render_markdown(res, "Title", figure_stem="alice")
    assert "![cost every 100 iterations](alice-1.svg)" in md
    assert "![accuracy per epoch](alice-2.svg)" in md
    assert md.index("## What went wrong") < md.index("alice-1.svg") < md.index("## Plots") < md.index("alice-2.svg")
    files = figure_files(res, "alice")
    assert sorted(files) == ["alice-1.svg", "alice-2.svg"]
    assert _parse(files["alice-1.svg"]).find(f"{SVG}title").text == "cost every 100 iterations"
    plain = render_markdown(res, "Title")  # existing callers: no files, the figures are named
    assert ".svg" not in plain and "cost every 100 iterations" in plain
    without = _result(tests=[dict(t, figures=[]) for t in _result()["tests"]])
    assert "Plots" not in render_markdown(without) and figure_files(without, "x") == {}
    assert "<svg" not in render_html(without)


def test_export_feedback_writes_and_links_svg_files(tmp_path):
    results = [_result("alice"), _result("bob/../x y", tests=[]), _result("carol")]
    files = exports.export_feedback(results, tmp_path / "fb", "Title")
    assert sorted(f.name for f in files) == ["alice.html", "alice.md", "bob_.._x_y.html", "bob_.._x_y.md",
                                             "carol.html", "carol.md"]
    svgs = sorted(p.name for p in (tmp_path / "fb").glob("*.svg"))
    assert svgs == ["alice-1.svg", "alice-2.svg", "carol-1.svg", "carol-2.svg"]
    md = (tmp_path / "fb" / "alice.md").read_text(encoding="utf-8")
    for name in ("alice-1.svg", "alice-2.svg"):
        assert f"]({name})" in md
        _parse((tmp_path / "fb" / name).read_text(encoding="utf-8"))
    assert "<svg " in (tmp_path / "fb" / "alice.html").read_text(encoding="utf-8")
    # the CSV and Gradescope exports leave figures out
    assert "cost every" not in exports.to_csv(results)
    gs = exports.gradescope_results(results[0])
    assert "figures" not in json.dumps(gs) and "cost every" not in json.dumps(gs)


# ----------------------------------------------------------------------------- the gradebook

def test_gradebook_round_trip_of_figures(tmp_path):
    res = _result()
    with Gradebook(tmp_path / "gb.sqlite") as gb:
        run, _ = gb.record("a04", res, source_path="/subs/alice", kind="folder", key=KEY)
        assert res["tests"][0]["figures"] == [_fig()]  # the caller's result is not changed
        stored = json.loads(gb.conn.execute("SELECT result_json FROM runs WHERE id = ?", (run,)).fetchone()[0])
        assert all("figures" not in t for t in stored["tests"])  # kept once, in test_results
        rows = dict(gb.conn.execute("SELECT test_id, figures FROM test_results WHERE run_id = ?", (run,)).fetchall())
        assert json.loads(rows["test_a.py::test_curve"]) == [_fig()] and rows["test_a.py::test_plain"] is None
        for back in (gb.current_results("a04")[0], gb.result(run)):
            by = {t["id"]: t for t in back["tests"]}
            assert by["test_a.py::test_curve"]["figures"] == res["tests"][0]["figures"]
            assert by["test_a.py::test_other"]["figures"] == res["tests"][1]["figures"]
            assert "figures" not in by["test_a.py::test_plain"]
        assert "<svg " in render_html(gb.current_results("a04")[0])


def _old_gradebook(path: Path) -> None:
    """A gradebook as dlgrade wrote it before test_results had a figures column."""
    old = gradebook._SCHEMA.replace("    figures    TEXT,\n", "")
    assert old != gradebook._SCHEMA
    res = _result(tests=[{k: v for k, v in t.items() if k != "figures"} for t in _result()["tests"]])
    with sqlite3.connect(path) as c:
        c.executescript(old)
        c.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        c.execute("INSERT INTO submissions VALUES (1, 'a04', 'alice', 'c1', '/subs/alice', 'folder', 'now')")
        c.execute("""INSERT INTO runs (id, submission_id, suite_hash, engine_version, engine_hash, options_hash,
                         status, score, max_score, percent, finished_at, result_json)
                     VALUES (1, 1, 'suite1', '0.1.0', 'engine1', 'opts1', 'graded', 3, 7, 42.86, 'now', ?)""",
                  (json.dumps(res),))
        for t in res["tests"]:
            c.execute("INSERT INTO test_results VALUES (1, ?, ?, '[]', ?, ?, ?, ?, ?)",
                      (t["id"], t["name"], t["points"], t["max_points"], t["status"], t["message"], t["duration"]))
        c.execute("INSERT INTO grades VALUES ('a04', 'alice', 1, 'now')")
        cols = {r[1] for r in c.execute("PRAGMA table_info(test_results)")}
    assert "figures" not in cols


def test_gradebook_without_the_figures_column_is_migrated(tmp_path):
    path = tmp_path / "old.sqlite"
    _old_gradebook(path)
    with Gradebook(path) as gb:
        assert gb.integrity_check() == "ok"
        assert "figures" in {r[1] for r in gb.conn.execute("PRAGMA table_info(test_results)")}
        old = gb.current_results("a04")[0]
        assert old["score"] == 3.0 and all("figures" not in t for t in old["tests"])
        assert "<svg" not in render_html(old)
        assert gb.find_good_run("a04", "alice", "c1", KEY) == 1
        new = dict(_result("bob"), content_hash="c2")
        gb.record("a04", new, source_path="/subs/bob", kind="folder", key=KEY)
    with Gradebook(path) as gb:  # reopening a migrated gradebook changes nothing
        by = {r["id"]: r for r in gb.current_results("a04")}
        assert by["bob"]["tests"][0]["figures"] == [_fig()]
        assert gb.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "1"


# ----------------------------------------------------------------------------- reference values

def test_reference_value_is_cached_per_reference_module():
    calls = []

    @reference_value
    def costs(ref):
        calls.append(ref.name)
        return [ref.name]

    r1, r2 = types.ModuleType("r1"), types.ModuleType("r2")
    r1.name, r2.name = "one", "two"
    assert costs(r1) == ["one"] and costs(r1) is costs(r1)
    assert costs(r2) == ["two"] and costs(r1) == ["one"]
    assert calls == ["one", "two"]
    assert costs.__name__ == "costs" and costs.dlgrade_reference_value


def _plugin_with(module, mode="hidden", ref=None):
    ctx = SimpleNamespace(mode=mode, assignment=SimpleNamespace(default_module="nn_basics", slug="x"))
    plugin = DlgradePlugin(ctx)
    loaded = []
    plugin.load_reference = lambda name: loaded.append(name) or ref
    items = [SimpleNamespace(module=module), SimpleNamespace(module=module), SimpleNamespace(module=None)]
    return plugin, SimpleNamespace(items=items), loaded


def test_reference_values_are_computed_after_collection():
    calls, failing = [], []
    mod = types.ModuleType("test_fake")
    ref = types.ModuleType("ref_fake")

    @reference_value
    def good(r):
        calls.append(r)
        return 42

    @reference_value
    def bad(r):
        failing.append(r)
        raise ValueError("the reference broke")

    mod.good, mod.bad, mod.plain = good, bad, lambda r: 1 / 0
    plugin, session, loaded = _plugin_with(mod, ref=ref)
    plugin.pytest_collection_finish(session)  # a raising function is swallowed here
    assert loaded == ["nn_basics"] and calls == [ref] and failing == [ref]
    assert good(ref) == 42 and calls == [ref]  # the test's call: cached
    with pytest.raises(ValueError, match="the reference broke"):  # ...and raises inside the test
        bad(ref)
    assert len(failing) == 2
    # public mode and test files without reference values load no reference
    plugin, session, loaded = _plugin_with(mod, mode="public", ref=ref)
    plugin.pytest_collection_finish(session)
    plugin, session, loaded = _plugin_with(types.ModuleType("test_none"), ref=ref)
    plugin.pytest_collection_finish(session)
    assert loaded == []


# ----------------------------------------------------------------------------- end to end (A04)

@pytest.mark.slow
def test_a04_breast_cancer_cost_curve_end_to_end(tmp_path):
    subs = tmp_path / "subs"
    for case in ("correct", "bug_missing_1_over_m", "bug_naive_sigmoid"):
        shutil.copytree(EX / case, subs / case)
    out, book = tmp_path / "out.json", tmp_path / "gb.sqlite"
    env = dict(os.environ, DLGRADE_ROOT=str(ROOT))
    cmd = [sys.executable, "-m", "grader.cli", "grade", "a04", str(subs), "--json", str(out), "--gradebook",
           str(book), "--secret", "figures", "--workers", "1", "-q"]
    run = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    doc = json.loads(out.read_text())
    by = {s["id"]: s for s in doc["submissions"]}
    assert by["correct"]["score"] == 100 and by["bug_missing_1_over_m"]["score"] < 100
    reference = None
    for sid, status in (("correct", "pass"), ("bug_missing_1_over_m", "fail"), ("bug_naive_sigmoid", None)):
        t = next(t for t in by[sid]["tests"] if t["id"].endswith("::test_breast_cancer_costs"))
        assert status is None or t["status"] == status, t
        [fig] = t["figures"]
        assert fig["title"] == "breast cancer: cost every 100 iterations"
        assert fig["x"] == [float(i) for i in range(0, 2000, 100)]
        yours, ref = fig["series"]
        assert (yours["label"], ref["label"]) == ("your costs", "reference")
        assert len(yours["values"]) == 20 and len(ref["values"]) == 20
        assert all(v is not None for v in ref["values"]) and abs(ref["values"][0] - math.log(2)) < 1e-12
        assert reference is None or ref["values"] == reference  # the same reference run for everyone
        reference = ref["values"]
        if sid == "correct":
            assert all(v is not None for v in yours["values"])
            assert max(abs(a - b) for a, b in zip(yours["values"], ref["values"])) < 1e-9
        if sid == "bug_missing_1_over_m":  # its costs overflow to NaN after the first: gaps
            assert yours["values"][0] is not None and None in yours["values"]
    # the gradebook keeps the figures, and the feedback export draws them
    with Gradebook(book) as gb:
        results = gb.current_results("a04")
    files = exports.export_feedback(results, tmp_path / "fb", "A04")
    assert len(files) == 6
    for sid in ("correct", "bug_missing_1_over_m"):
        html_doc = (tmp_path / "fb" / f"{sid}.html").read_text(encoding="utf-8")
        assert html_doc.count("<svg ") == 1
        svg = re.search(r"<svg .*?</svg>", html_doc, re.S).group(0)
        root = _parse(svg)
        assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "legend-label"] == [
            "your costs", "reference"]
        md = (tmp_path / "fb" / f"{sid}.md").read_text(encoding="utf-8")
        assert f"![breast cancer: cost every 100 iterations]({sid}-1.svg)" in md
        _parse((tmp_path / "fb" / f"{sid}-1.svg").read_text(encoding="utf-8"))
    bug_md = (tmp_path / "fb" / "bug_missing_1_over_m.md").read_text(encoding="utf-8")
    assert bug_md.index("## What went wrong") < bug_md.index("bug_missing_1_over_m-1.svg")  # failing: under its entry
