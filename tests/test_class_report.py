"""The instructor's class report (grader/reports/class_report.py, grader/reports/similarity.py) on a known gradebook,
in-process and rendered by headless Chromium.

The gradebook is built here, so every number the page must show is known: four scored students
(100, 60, 60, 40 %), one invalid upload, one infrastructure error; test T1 failed twice with the
same mistake on different numbers, T2 failed once, T3 timed out once; the source files are a
hand-written A04 solution (examples/.../correct_loops), a disguised copy of it (renamed, reordered,
comments removed), the reference-derived example ``correct`` and ``half_finished``.
"""
from __future__ import annotations

import html.parser
import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.course import assignment as assignment_mod
from grader.reports import class_report as cr
from grader.reports import similarity as sim
from grader.batch.gradebook import Gradebook, GradingKey
from grader.grading.runner import content_hash

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import similarity_variants as variants  # noqa: E402

EXAMPLES = ROOT / "examples" / "submissions" / "a04"
KEY = GradingKey("suite", "engine", "options")
MSG_1 = ("logistic_backward(X, A, Y)['dW']: 4 of 4 elements differ beyond rtol=1e-12\n"
         "  first at (0, 1): got np.float64(0.7012), expected np.float64(0.1753)\n"
         "Hint: every element is 4 times the expected value (a constant factor is wrong)")
MSG_2 = ("logistic_backward(X, A, Y)['dW']: 3 of 3 elements differ beyond rtol=1e-12\n"
         "  first at (0, 2): got np.float64(2.4668), expected np.float64(0.1897)\n"
         "Hint: every element is 13 times the expected value (a constant factor is wrong)")
FIG_REF = [1.0, 0.5, 0.25]


def _test(tid, pts, mx, status="pass", message="", figures=None):
    t = {"id": tid, "name": tid.split("::")[-1], "functions": [], "points": pts, "max_points": mx,
         "status": status, "message": message, "duration": 0.01}
    if figures is not None:
        t["figures"] = [{"title": "cost", "xlabel": "iteration", "ylabel": "cost", "x": [0, 100, 200],
                         "series": [{"label": "your costs", "values": figures},
                                    {"label": "reference", "values": FIG_REF}]}]
    return t


def _result(sid, tests, status="graded", error=None):
    score = sum(t["points"] for t in tests)
    return {"id": sid, "assignment": "a04", "status": status, "score": score, "max_score": 10.0,
            "percent": 10.0 * score, "isolation": "process", "error": error, "problems": [],
            "static_findings": [], "tests": tests}


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    """(gradebook path, folders): the known gradebook described in the module docstring."""
    tmp = tmp_path_factory.mktemp("class-report")
    loops = (EXAMPLES / "correct_loops" / "nn_basics.py").read_text()
    sources = {"alice": loops, "bob": variants.disguise(loops, 7),
               "carol": (EXAMPLES / "correct" / "nn_basics.py").read_text(),
               "dave": (EXAMPLES / "half_finished" / "nn_basics.py").read_text(),
               "erin": loops}
    folders = {}
    for sid, text in sources.items():
        folders[sid] = tmp / "subs" / sid
        folders[sid].mkdir(parents=True)
        (folders[sid] / "nn_basics.py").write_text(text)
    (tmp / "subs" / "frank.zip").write_bytes(b"not a zip")
    T1, T2, T3 = "test_p1.py::test_one", "test_p1.py::test_two", "test_p2.py::test_three"
    results = {
        "alice": _result("alice", [_test(T1, 4, 4), _test(T2, 2, 2), _test(T3, 4, 4, figures=FIG_REF)]),
        "bob": _result("bob", [_test(T1, 0, 4, "fail", MSG_1), _test(T2, 2, 2),
                               _test(T3, 4, 4, figures=[1.0, 0.7, 0.45])]),
        "carol": _result("carol", [_test(T1, 0, 4, "fail", MSG_2), _test(T2, 2, 2),
                                   _test(T3, 4, 4, figures=[1.0, 0.6, None])]),
        "dave": _result("dave", [_test(T1, 4, 4), _test(T2, 0, 2, "fail", "dW: shape is (3, 1), expected (1, 3)"),
                                 _test(T3, 0, 4, "timeout", "the call did not return within 2 s")]),
        "erin": _result("erin", [], status="infra_error", error="pool worker died"),
        "frank": _result("frank", [], status="invalid", error="frank.zip is not a zip file"),
    }
    book_path = tmp / "gradebook.sqlite"
    with Gradebook(book_path) as book:
        for sid, res in results.items():
            if sid == "frank":
                path, kind, chash = tmp / "subs" / "frank.zip", "zip", "raw-x"
            else:
                path, kind, chash = folders[sid], "folder", content_hash(folders[sid])
            res.update(path=str(path), content_hash=chash)
            book.record("a04", res, source_path=str(path), kind=kind, key=KEY)
    return book_path, folders


# ----------------------------------------------------------------------------- in-process

def test_message_kind_ignores_numbers_positions_and_shapes():
    assert cr.message_kind(MSG_1) == cr.message_kind(MSG_2)
    assert "Hint: every element is # times" in cr.message_kind(MSG_1)
    assert cr.message_kind("shape is (3, 1), expected (1, 3)") == cr.message_kind("shape is (5, 1, 2), expected (1, 5)")
    # a different hint (a different mistake) is a different kind
    other = MSG_1.replace("a constant factor is wrong", "transposed?")
    assert cr.message_kind(other) != cr.message_kind(MSG_1)
    assert cr.message_kind("") == "(no message)"


def test_analysis_of_the_known_gradebook(known):
    book_path, _ = known
    with Gradebook(book_path) as book:
        a = cr.analyse(book.current_results("a04"))
    assert a["hist"] == [0, 0, 0, 0, 1, 0, 2, 0, 0, 1]
    st = a["stats"]
    assert (st["submissions"], st["scored"], st["full_marks"]) == (6, 4, 1)
    assert st["mean"] == pytest.approx(65.0) and st["median"] == pytest.approx(60.0)
    tests = {t["id"]: t for t in a["tests"]}
    assert [t["id"] for t in a["tests"]] == ["test_p1.py::test_one", "test_p2.py::test_three", "test_p1.py::test_two"]
    assert tests["test_p1.py::test_one"]["pass_rate"] == pytest.approx(0.5)
    assert tests["test_p2.py::test_three"]["status"]["timeout"] == 1
    assert tests["test_p2.py::test_three"]["status"]["fail"] == 0  # a timeout is not counted as a failure
    one = next(f for f in a["failures"] if f["test"]["id"] == "test_p1.py::test_one")
    assert [(g["count"], sorted(g["students"])) for g in one["groups"]] == [(2, ["bob", "carol"])]
    assert one["groups"][0]["example"] in (MSG_1, MSG_2)
    ap = a["apart"]
    assert ap["infra_error"] == [("erin", "pool worker died")]
    assert [sid for sid, _ in ap["invalid"]] == ["frank"]
    assert dict(ap["timeout"]) == {"test_p2.py::test_three": ["dave"]}
    parts = {p["part"]: p for p in a["parts"]}
    assert parts["test_p1.py"]["mean_points"] == pytest.approx((6 + 2 + 2 + 4) / 4)
    (curve,) = a["curves"]
    assert curve["n_students"] == 3 and curve["reference"] == FIG_REF
    assert curve["median"] == pytest.approx([1.0, 0.6, 0.35])


def test_similarity_finds_disguised_copies_not_independent_solutions():
    a = assignment_mod.load("a04", ROOT)
    ignore = sim.stub_fingerprints({"nn_basics.py": (a.student_dir / "nn_basics.py").read_text()})
    loops = (EXAMPLES / "correct_loops" / "nn_basics.py").read_text()
    ref = (EXAMPLES / "correct" / "nn_basics.py").read_text()
    stub = (a.student_dir / "nn_basics.py").read_text()
    progs = [sim.fingerprint("loops", {"nn_basics.py": loops}, ignore),
             sim.fingerprint("renamed", {"nn_basics.py": variants.rename_locals(loops, 1)}, ignore),
             sim.fingerprint("reordered", {"nn_basics.py": variants.reorder_functions(loops, 2)}, ignore),
             sim.fingerprint("ref", {"nn_basics.py": ref}, ignore),
             sim.fingerprint("stub1", {"nn_basics.py": stub}, ignore),
             sim.fingerprint("stub2", {"nn_basics.py": stub.replace("# YOUR CODE HERE", "# todo")}, ignore)]
    res = sim.compare(progs)
    assert ["loops", "renamed"] in [sorted(g) for g in res.groups]  # renaming changes no fingerprint
    flagged = {frozenset((p.a.id, p.b.id)): p for p in res.pairs}
    pair = flagged[frozenset(("loops", "reordered"))]
    assert sim.THRESHOLD <= pair.score < 1.0  # the functions' boundaries changed, their bodies did not
    assert not any("ref" in k for k in flagged)  # independently written: not flagged
    # the stub is ignored: an untouched stub has no fingerprints left, and is compared with nothing
    assert {sid for sid, _ in res.skipped} == {"stub1", "stub2"}
    regs = sim.regions(pair.a, pair.b)
    assert regs and sum(r["count"] for r in regs) >= pair.shared  # every shared fingerprint is in a region


def test_cli_writes_one_self_contained_page(known, tmp_path):
    from grader.cli import main

    book_path, _ = known
    r = CliRunner().invoke(main, ["gradebook", "--gradebook", str(book_path), "report", "a04", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    page = (tmp_path / "a04-class-report.html").read_text()
    low = page.lower()
    for forbidden in ("<script", "<link", "<iframe", "src=", "https://", "url("):
        assert forbidden not in low, forbidden
    assert "http://" not in low.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="histogram"' in page and 'class="curve"' in page


def test_nothing_of_the_report_reaches_student_feedback(known, tmp_path):
    from grader.reports.exports import export_feedback

    book_path, _ = known
    with Gradebook(book_path) as book:
        results = book.current_results("a04")
    export_feedback(results, tmp_path)
    for f in tmp_path.iterdir():
        text = f.read_text()
        me = f.stem
        assert "Similar submissions" not in text and "class report" not in text
        assert not [o for o in ("alice", "bob", "carol", "dave") if o != me and o in text], f.name


# ----------------------------------------------------------------------------- browser

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WINDOW = (1200, 2400)


def _browser() -> str:
    for name in BROWSERS:
        exe = shutil.which(name)
        if exe:
            return exe
    if os.environ.get("CI", "").lower() == "true" or os.environ.get("DLGRADE_REQUIRE_BROWSER") == "1":
        pytest.fail("headless Chromium is required here (CI) but not installed: apt-get install -y chromium")
    pytest.skip("headless Chromium is not installed (apt-get install -y chromium; .ci/run installs it)")


def _chromium(exe: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", f"--window-size={WINDOW[0]},{WINDOW[1]}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


class _Dom(html.parser.HTMLParser):
    """Start tags with their attributes, and the text of every table row."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.rows: list[tuple[dict, list[str]]] = []
        self._row = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "tr":
            self._row = (attrs, [])
            self.rows.append(self._row)

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._row is not None and data.strip():
            self._row[1].append(data.strip())


def _png_size_and_ink(path: Path) -> tuple[int, int, float]:
    """Width, height and the share of non-zero filtered bytes (0 for a blank white page)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    w, h = struct.unpack(">II", data[16:24])
    pos, idat = 8, b""
    while pos < len(data):
        n = struct.unpack(">I", data[pos:pos + 4])[0]
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompress(idat)
    return w, h, sum(1 for b in raw[::7] if b) / max(1, len(raw[::7]))


def test_page_in_headless_chromium(known, tmp_path):
    exe = _browser()
    book_path, _ = known
    a = assignment_mod.load("a04", ROOT)
    with Gradebook(book_path) as book:
        page, _ = cr.build_report(book, a, tmp_path)
        s = cr.similarity_for(a, cr.submission_sources(book, "a04"))
    url = page.resolve().as_uri()
    shot = tmp_path / "page.png"
    r = _chromium(exe, tmp_path / "profile1", f"--screenshot={shot}", url)
    assert shot.is_file(), r.stderr[-2000:]
    w, h, ink = _png_size_and_ink(shot)
    assert (w, h) == WINDOW
    assert ink > 0.01, f"the screenshot is blank ({ink:.4f})"
    r = _chromium(exe, tmp_path / "profile2", "--dump-dom", url)
    assert r.returncode == 0 and "</html>" in r.stdout, r.stderr[-2000:]
    dom = _Dom()
    dom.feed(r.stdout)

    # the histogram: ten bars with the known counts
    bars = [t for tag, t in dom.tags if tag == "rect" and t.get("class") == "bar"]
    assert [int(b["data-count"]) for b in bars] == [0, 0, 0, 0, 1, 0, 2, 0, 0, 1]
    heights = [float(b["height"]) for b in bars]
    assert heights[4] > 0 and heights[6] == pytest.approx(2 * heights[4]) and heights[9] == pytest.approx(heights[4])
    summary = {t["data-key"]: t for tag, t in dom.tags if tag == "td" and "data-key" in t}
    assert {"submissions", "scored", "mean", "median"} <= set(summary)
    rows = {" ".join(txt[:1]): txt for attrs, txt in dom.rows if txt}
    assert rows["scored"][1] == "4" and rows["mean"][1] == "65.0 %" and rows["median"][1] == "60.0 %"

    # the per-test table: most failed first, with points, pass counts and the timeout apart
    trs = [(attrs, txt) for attrs, txt in dom.rows if attrs.get("class") == "test"]
    assert [a_["data-test"] for a_, _ in trs] == ["test_p1.py::test_one", "test_p2.py::test_three",
                                                  "test_p1.py::test_two"]
    cells = {a_["data-test"]: txt for a_, txt in trs}
    # test, part, points, pass rate, passed, failed, error, timeout, crash, skipped
    assert cells["test_p1.py::test_one"] == ["test_one", "test_p1.py", "4", "50.0 %", "2", "2", "0", "0", "0", "0"]
    assert cells["test_p2.py::test_three"] == ["test_three", "test_p2.py", "4", "75.0 %", "3", "0", "0", "1", "0", "0"]
    assert cells["test_p1.py::test_two"] == ["test_two", "test_p1.py", "2", "75.0 %", "3", "1", "0", "0", "0", "0"]
    groups = [txt for attrs, txt in dom.rows if txt and txt[0] == "2" and "bob, carol" in " ".join(txt)]
    assert groups, "the two dW mistakes are one group of 2"

    # the similarity table: the disguised copy is flagged with the score computed in-process,
    # the independent solutions (alice vs carol, the reference's lineage) are not
    pairs = [attrs for attrs, _ in dom.rows if attrs.get("class") == "pair"]
    got = {frozenset((p["data-a"], p["data-b"])): p for p in pairs}
    expected = {frozenset((p.a.id, p.b.id)): p for p in s.pairs}
    assert set(got) == set(expected) and frozenset(("alice", "bob")) in got
    ab = got[frozenset(("alice", "bob"))]
    assert float(ab["data-score"]) == pytest.approx(expected[frozenset(("alice", "bob"))].score, abs=1e-3)
    assert float(ab["data-score"]) >= sim.THRESHOLD
    assert not [k for k in got if "alice" in k and ({"carol", "dave", sim.REFERENCE_ID} & k)]
    assert any(tag == "details" and t.get("id") == "pair-1" for tag, t in dom.tags)  # side-by-side view
    apart = {t["data-kind"]: t for tag, t in dom.tags if tag == "span" and "data-kind" in t}
    assert {"infra_error", "invalid", "timeout"} <= set(apart)
