"""The instructor's class report: one self-contained HTML page per assignment.

``dlgrade gradebook report aNN [--out DIR]`` writes ``DIR/<aNN>-class-report.html`` from the
gradebook's current grades:

1. the score histogram (percent, 10 bins) and summary statistics;
2. per-part (test file) and per-test pass rates, sorted, with each test's points;
3. for each of the most-failed tests, its failure messages grouped by kind: numbers, element
   positions and value lists are normalised away (:func:`message_kind`), so that the same mistake
   on each student's own random inputs is one group; count and one full example per group;
4. infrastructure errors, invalid submissions, suite time limits and tests that timed out or
   crashed, listed apart (they never count against a test's pass rate as "failed");
5. for tests that attached figures (end-to-end training runs), the class's curve: median and
   interquartile band per x, beside the reference's curve;
6. similar submissions (:mod:`grader.reports.similarity`): groups of identical programs after
   normalisation, flagged pairs with their scores and a side-by-side view of matching regions.

The page holds hidden-test names, raw messages (expected values included) and students' code:
it is for the instructor only and nothing of it goes into the student feedback exports.
Everything is inline (CSS, SVG; no script, no external URL), so it opens from a file offline.
"""
from __future__ import annotations

from typing import Any

import html
import math
import re
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path

from grader.reports import similarity as sim
from grader.reports.figures import _labels, _nice_ticks, normalize
from grader.grading.results import write_atomic

BINS = 10
MOST_FAILED = 8  # tests whose failure messages are grouped
MAX_GROUPS = 8  # message kinds shown per test
MAX_PAIRS = 200  # rows of the similar-pairs table
MAX_SIDE_BY_SIDE = 12  # pairs with a side-by-side view
MAX_REGIONS = 3  # matching regions shown per pair
MAX_REGION_LINES = 400
MAX_EXAMPLE_CHARS = 1500
NOT_SCORED = ("infra_error", "invalid")  # submissions kept out of every pass rate

e = html.escape


# ----------------------------------------------------------------------------- analysis

def _part(test_id: str) -> str:
    return test_id.split("::", 1)[0] if "::" in test_id else "(other)"


def _name(test_id: str) -> str:
    return test_id.split("::", 1)[-1]


_NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
_KIND_SUBS = [
    (re.compile(r"\b(?:np|numpy|torch)\.\w+\(([^()]*)\)"), r"\1"),  # np.float64(0.18) -> 0.18
    (re.compile(r"\[[^\[\]\n]{20,}\]"), "[…]"),  # long value lists
    (re.compile(r"\bline \d+"), "line #"),
    (re.compile(rf"(?<![\w.]){_NUMBER}(?![\w.])|\b(?:nan|inf)\b"), "#"),
    (re.compile(r"#(?:,\s*#)+"), "#, …"),  # positions (0, 2) and shapes (5, 1) of any rank
    (re.compile(r"[ \t]+"), " "),
]


def message_kind(message: str) -> str:
    """The kind of a failure message: its first line and its ``Hint:`` lines, with numbers,
    element positions, shapes and value lists replaced by placeholders, so that one mistake
    made on different random inputs gives one kind."""
    lines = [ln.strip() for ln in (message or "").splitlines() if ln.strip()]
    if not lines:
        return "(no message)"
    keep = [lines[0]] + [ln for ln in lines[1:] if ln.lower().startswith("hint")]
    text = " / ".join(keep)
    for pat, rep in _KIND_SUBS:
        text = pat.sub(rep, text)
    return text.strip()[:300]


_IMPORT_FAILURE = re.compile(r"^importing \S+ raised ")


def import_failure(result: dict) -> str | None:
    """The first line of the message when no test could import the submission (a syntax error,
    an exception or a forbidden import at module level), else None."""
    tests = [t for t in result.get("tests", []) if t.get("status") != "skipped"]
    msgs = [(t.get("message") or "") for t in tests]
    if not tests or any(t.get("status") == "pass" for t in tests):
        return None
    hits = [m for m in msgs if _IMPORT_FAILURE.match(m)]
    # nearly all: a test that calls importlib itself may word the same failure differently
    return hits[0].splitlines()[0] if len(hits) >= 0.9 * len(tests) else None


def _quantile(sorted_vals: list[float], q: float) -> float:
    if not sorted_vals:
        return float("nan")
    pos = (len(sorted_vals) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (pos - lo)


def analyse(results: list[dict]) -> dict:
    """Everything the page shows except similarity, as plain data (tested on its own)."""
    scored = [r for r in results if r.get("status") not in NOT_SCORED]
    pct = sorted(float(r.get("percent", 0.0)) for r in scored)
    hist = [0] * BINS
    for p in pct:
        hist[min(BINS - 1, max(0, int(p // (100 / BINS))))] += 1
    stats = {"submissions": len(results), "scored": len(scored),
             "statuses": dict(Counter(r.get("status", "?") for r in results))}
    if pct:
        stats.update(mean=statistics.fmean(pct), median=statistics.median(pct),
                     stdev=statistics.pstdev(pct), min=pct[0], max=pct[-1],
                     q1=_quantile(pct, 0.25), q3=_quantile(pct, 0.75),
                     full_marks=sum(1 for p in pct if p >= 100.0 - 1e-9),
                     zero=sum(1 for p in pct if p <= 1e-9))
    not_imported = {r["id"]: msg for r in scored if (msg := import_failure(r))}
    # per test
    tests: dict[str, dict] = {}
    for r in scored:
        for t in r.get("tests", []):
            row = tests.setdefault(t["id"], {"id": t["id"], "name": _name(t["id"]), "part": _part(t["id"]),
                                             "max_points": 0.0, "n": 0, "earned": 0.0,
                                             "status": Counter(), "messages": defaultdict(list)})
            row["max_points"] = max(row["max_points"], float(t.get("max_points", 0.0)))
            row["n"] += 1
            row["earned"] += float(t.get("points", 0.0))
            st = t.get("status", "error")
            row["status"][st] += 1
            if st in ("fail", "error") and r["id"] not in not_imported:
                row["messages"][message_kind(t.get("message", ""))].append((r["id"], t.get("message", "")))
    for row in tests.values():
        ran = row["n"] - row["status"]["skipped"]
        row["passed"] = row["status"]["pass"]
        row["pass_rate"] = row["passed"] / ran if ran else float("nan")
        row["mean_points"] = row["earned"] / row["n"] if row["n"] else 0.0
    order = sorted(tests.values(), key=lambda x: (1.0 if math.isnan(x["pass_rate"]) else x["pass_rate"],
                                                  -x["max_points"], x["id"]))
    # per part (test file)
    parts: dict[str, dict] = {}
    for r in scored:
        per: dict[str, list] = defaultdict(lambda: [0.0, 0.0])
        for t in r.get("tests", []):
            per[_part(t["id"])][0] += float(t.get("points", 0.0))
            per[_part(t["id"])][1] += float(t.get("max_points", 0.0))
        for name, (got, mx) in per.items():
            part = parts.setdefault(name, {"part": name, "n": 0, "earned": 0.0, "max_points": 0.0, "full": 0,
                                           "tests": 0})
            part["n"] += 1
            part["earned"] += got
            part["max_points"] = max(part["max_points"], mx)
            part["full"] += int(got >= mx - 1e-9)
    for part in parts.values():
        part["tests"] = sum(1 for t in tests.values() if t["part"] == part["part"])
        part["mean_points"] = part["earned"] / part["n"] if part["n"] else 0.0
        part["full_rate"] = part["full"] / part["n"] if part["n"] else float("nan")
    part_order = sorted(parts.values(), key=lambda p: (p["mean_points"] / p["max_points"] if p["max_points"] else 1,
                                                       p["part"]))
    # most failed: message kinds
    failed = [t for t in order if t["messages"]][:MOST_FAILED]
    failures = []
    for t in failed:
        groups = sorted(t["messages"].items(), key=lambda kv: (-len(kv[1]), kv[0]))
        failures.append({"test": t, "groups": [{"kind": k, "count": len(v), "students": [s for s, _ in v],
                                                 "example": v[0][1], "example_student": v[0][0]}
                                                for k, v in groups[:MAX_GROUPS]],
                         "more_groups": max(0, len(groups) - MAX_GROUPS)})
    # apart: infrastructure, invalid, suite limits, timeouts and crashes
    apart: dict[str, Any] = {
        "infra_error": [(r["id"], r.get("error") or "") for r in results if r.get("status") == "infra_error"],
        "invalid": [(r["id"], r.get("error") or "; ".join(r.get("problems") or [])) for r in results
                    if r.get("status") == "invalid"],
        "suite_error": [(r["id"], r.get("error")) for r in scored if r.get("error")],
        "not_imported": sorted(not_imported.items()),
        "timeout": defaultdict(list), "crash": defaultdict(list),
    }
    for r in scored:
        for t in r.get("tests", []):
            if t.get("status") in ("timeout", "crash"):
                apart[t["status"]][t["id"]].append(r["id"])
    isolation = Counter(r.get("isolation") or "?" for r in results)
    return {"stats": stats, "hist": hist, "tests": order, "parts": part_order, "failures": failures,
            "apart": apart, "curves": class_curves(scored), "isolation": dict(isolation)}


def _is_reference(label: str) -> bool:
    return "reference" in (label or "").lower()


def class_curves(scored: list[dict]) -> list[dict]:
    """Per (test, figure title): the students' curves summarised per point (median, quartiles,
    10/90 % quantiles, how many values) and the reference's curve."""
    found: dict[tuple, dict] = {}
    for r in scored:
        for t in r.get("tests", []):
            for fig in t.get("figures") or []:
                f = normalize(fig)
                if f is None:
                    continue
                key = (t["id"], f["title"])
                c = found.setdefault(key, {"test": t["id"], "title": f["title"], "xlabel": f["xlabel"],
                                           "ylabel": f["ylabel"], "x": f["x"], "reference": None, "students": []})
                own = [s["values"] for s in f["series"] if not _is_reference(s["label"])]
                ref = [s["values"] for s in f["series"] if _is_reference(s["label"])]
                if own:
                    c["students"].append(own[0])  # one curve per submission: the first of its own
                if ref and c["reference"] is None:
                    c["reference"] = ref[0]
    out = []
    for c in found.values():
        n = max([len(v) for v in c["students"]] + [len(c["reference"] or [])] + [0])
        med: list[float | None] = []
        q1: list[float | None] = []
        q3: list[float | None] = []
        p10: list[float | None] = []
        p90: list[float | None] = []
        count: list[int] = []
        for i in range(n):
            vals = sorted(v[i] for v in c["students"] if i < len(v) and v[i] is not None)
            count.append(len(vals))
            for lst, q in ((med, 0.5), (q1, 0.25), (q3, 0.75), (p10, 0.1), (p90, 0.9)):
                lst.append(_quantile(vals, q) if vals else None)
        c.update(n_students=len(c["students"]), median=med, q1=q1, q3=q3, p10=p10, p90=p90, count=count)
        del c["students"]
        out.append(c)
    return out


# ----------------------------------------------------------------------------- similarity

def submission_sources(book, assignment_id: str) -> list[dict]:
    """Per current grade: student id, source path, kind and content hash (from the gradebook)."""
    rows = book.conn.execute(
        """SELECT g.student_id, s.source_path, s.kind, s.content_hash, r.status
           FROM grades g JOIN runs r ON r.id = g.run_id JOIN submissions s ON s.id = r.submission_id
           WHERE g.assignment = ? ORDER BY g.student_id""", (assignment_id,)).fetchall()
    return [dict(student_id=r[0], source_path=r[1], kind=r[2], content_hash=r[3], status=r[4]) for r in rows]


def _read_submission(src: dict, submit: list[str], workdir: Path, index: int) -> tuple[dict, str | None]:
    """(file name -> text, problem): the graded files of one submission, read again from where
    they were received; refused when the content changed since grading."""
    from grader.batch import intake

    entry = Path(src["source_path"])
    if not entry.exists():
        return {}, f"{entry} is gone"
    if src["kind"] not in ("folder", "zip", "py", "ipynb"):
        return {}, f"kind {src['kind']} is not read"
    item = intake._prepare(src["student_id"], entry, src["kind"], submit, workdir, index)
    if not item.ok:
        return {}, item.error
    if src["content_hash"] and item.content_hash != src["content_hash"]:
        return {}, "changed since it was graded"
    assert item.path is not None  # an item that is ok has its folder
    return sim.read_sources(item.path, submit), None


def similarity_for(assignment, sources: list[dict], with_reference: bool = True) -> sim.Similarity:
    """Reads every graded submission's files and compares them (stub fingerprints ignored)."""
    from grader.grading import scratch

    course = {}
    for name in list(assignment.submit) + list(assignment.provided_files()):
        p = assignment.student_dir / name
        if p.is_file():
            course[name] = p.read_text(encoding="utf-8", errors="replace")
    ignore = sim.stub_fingerprints(course)
    programs, unread = [], []
    workdir = scratch.mkdtemp("dlgrade-report-")
    try:
        for i, src in enumerate(sources):
            if src["status"] == "infra_error" and not src["content_hash"]:
                continue
            files, problem = _read_submission(src, assignment.submit, workdir, i)
            if problem:
                unread.append((src["student_id"], problem))
                continue
            programs.append(sim.fingerprint(src["student_id"], files, ignore))
    finally:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    if with_reference and assignment.solution_dir.is_dir():
        ref = sim.read_sources(assignment.solution_dir, assignment.submit)
        if ref:
            programs.append(sim.fingerprint(sim.REFERENCE_ID, ref, ignore))
    result = sim.compare(programs)
    result.skipped = unread + result.skipped
    return result


# ----------------------------------------------------------------------------- drawing

def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def histogram_svg(hist: list[int], width: int = 560, height: int = 260) -> str:
    left, right, top, bottom = 44, width - 12, 16, height - 40
    ymax = max(hist + [1])
    ticks = list(range(ymax + 1)) if ymax <= 4 else [t for t in _nice_ticks(0, ymax) if t >= 0]  # whole counts
    y1 = max(ticks[-1], ymax)
    bw = (right - left) / len(hist)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" id="histogram" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="score histogram" '
           f'font-family="system-ui, sans-serif" font-size="11"><title>score histogram</title>']
    for v, lab in zip(ticks, _labels([float(x) for x in ticks])):
        y = bottom - v / y1 * (bottom - top)
        out.append(f'<line x1="{left}" y1="{_f(y)}" x2="{right}" y2="{_f(y)}" stroke="#e5e5e5"/>'
                   f'<text x="{left - 6}" y="{_f(y)}" text-anchor="end" dominant-baseline="middle">{lab}</text>')
    step = 100 / len(hist)
    for i, c in enumerate(hist):
        lo, hi = i * step, (i + 1) * step
        h = c / y1 * (bottom - top)
        x = left + i * bw
        label = f"{lo:g}–{hi:g} %" + (" (100 included)" if i == len(hist) - 1 else "")
        out.append(f'<rect class="bar" data-lo="{lo:g}" data-hi="{hi:g}" data-count="{c}" x="{_f(x + 2)}" '
                   f'y="{_f(bottom - h)}" width="{_f(bw - 4)}" height="{_f(h)}" fill="#1f6feb">'
                   f'<title>{label}: {c}</title></rect>')
        if c:
            out.append(f'<text class="bar-count" x="{_f(x + bw / 2)}" y="{_f(bottom - h - 4)}" '
                       f'text-anchor="middle">{c}</text>')
        out.append(f'<text x="{_f(x + bw / 2)}" y="{bottom + 14}" text-anchor="middle">{lo:g}–{hi:g}</text>')
    out.append(f'<path d="M{left},{top} V{bottom} H{right}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{(left + right) / 2:g}" y="{height - 6}" text-anchor="middle">score (%), '
               f'bins of {step:g} points</text></svg>')
    return "".join(out)


def curve_svg(c: dict, width: int = 560, height: int = 300) -> str:
    """Median line and interquartile band of the class, with the reference's curve dashed."""
    n = len(c["median"])
    xs = c["x"] if c["x"] and len(c["x"]) >= n else list(range(n))
    ys = [v for key in ("p10", "p90", "median") for v in c[key] if v is not None]
    ys += [v for v in c["reference"] or [] if v is not None]
    xv = [x for x in xs[:n] if x is not None]
    xt = _nice_ticks(min(xv), max(xv)) if xv else _nice_ticks(0, 1)
    yt = _nice_ticks(min(ys), max(ys)) if ys else _nice_ticks(0, 1)
    left, right, top, bottom = 60, width - 16, 28, height - 46

    def px(v):
        return left + (v - xt[0]) / (xt[-1] - xt[0]) * (right - left)

    def py(v):
        return bottom - (v - yt[0]) / (yt[-1] - yt[0]) * (bottom - top)

    title = c["title"] or c["test"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="curve" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{e(title)}" '
           f'font-family="system-ui, sans-serif" font-size="11"><title>{e(title)}</title>',
           f'<text x="{width / 2:g}" y="16" text-anchor="middle" font-weight="bold">{e(title)}</text>']
    for v, lab in zip(yt, _labels(yt)):
        out.append(f'<line x1="{left}" y1="{_f(py(v))}" x2="{right}" y2="{_f(py(v))}" stroke="#e5e5e5"/>'
                   f'<text x="{left - 6}" y="{_f(py(v))}" text-anchor="end" dominant-baseline="middle">{lab}</text>')
    for v, lab in zip(xt, _labels(xt)):
        out.append(f'<text x="{_f(px(v))}" y="{bottom + 16}" text-anchor="middle">{lab}</text>')
    out.append(f'<path d="M{left},{top} V{bottom} H{right}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{(left + right) / 2:g}" y="{height - 8}" text-anchor="middle">{e(c["xlabel"])}</text>')

    def band(lo_key, hi_key, colour, cls):
        idx = [i for i in range(n) if xs[i] is not None and c[lo_key][i] is not None]
        if len(idx) < 2:
            return
        pts = [f"{_f(px(xs[i]))},{_f(py(c[hi_key][i]))}" for i in idx]
        pts += [f"{_f(px(xs[i]))},{_f(py(c[lo_key][i]))}" for i in reversed(idx)]
        out.append(f'<polygon class="{cls}" points="{" ".join(pts)}" fill="{colour}" stroke="none"/>')

    def line(values, colour, cls, dash=""):
        pts = [f"{_f(px(xs[i]))},{_f(py(v))}" for i, v in enumerate(values[:n]) if v is not None and xs[i] is not None]
        if pts:
            d = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(f'<polyline class="{cls}" points="{" ".join(pts)}" fill="none" stroke="{colour}" '
                       f'stroke-width="2"{d}/>')

    band("p10", "p90", "#cfe0fb", "band-10-90")
    band("q1", "q3", "#8fb6f5", "band-iqr")
    line(c["median"], "#1f4fbf", "median")
    if c["reference"]:
        line(c["reference"], "#d1242f", "reference", "6 4")
    lx, ly = right - 190, top + 8
    out.append(f'<rect x="{lx - 6}" y="{ly - 8}" width="196" height="52" fill="#fff" fill-opacity="0.9" '
               f'stroke="#ccc"/>')
    for k, (label, colour, kind) in enumerate((("class median", "#1f4fbf", "line"),
                                               ("class quartiles / 10–90 %", "#8fb6f5", "box"),
                                               ("reference", "#d1242f", "dash"))):
        y = ly + 16 * k
        if kind == "box":
            out.append(f'<rect x="{lx}" y="{y - 5}" width="22" height="10" fill="{colour}"/>')
        else:
            d = ' stroke-dasharray="6 4"' if kind == "dash" else ""
            out.append(f'<line x1="{lx}" y1="{y}" x2="{lx + 22}" y2="{y}" stroke="{colour}" stroke-width="2"{d}/>')
        out.append(f'<text x="{lx + 28}" y="{y}" dominant-baseline="middle">{label}</text>')
    out.append("</svg>")
    return "".join(out)


# ----------------------------------------------------------------------------- page

_CSS = """body{font-family:system-ui,sans-serif;max-width:72rem;margin:1.5rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #ccc;padding:.2rem .45rem;text-align:left;vertical-align:top;font-size:.9rem}
td.n,th.n{text-align:right;white-space:nowrap}.bar-cell{width:8rem}.rate{background:#1a7f37;height:.7rem}
.rate.low{background:#cf222e}.rate.mid{background:#d4a72c}pre{background:#f6f8fa;padding:.4rem;white-space:pre-wrap;
font-size:.8rem;margin:.2rem 0;max-height:16rem;overflow:auto}.note{color:#555;font-size:.9rem}
.sbs{display:grid;grid-template-columns:1fr 1fr;gap:.6rem}.sbs pre{max-height:24rem}mark{background:#fff1a8}
code{font-size:.85rem}.kind{font-family:ui-monospace,monospace;font-size:.85rem}details{margin:.4rem 0}
.stats td{min-width:5rem}.warn{color:#9a6700}"""


def _pct(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f} %"


def _rate_bar(rate: float) -> str:
    if rate is None or math.isnan(rate):
        return ""
    cls = "low" if rate < 0.5 else "mid" if rate < 0.8 else ""
    return f'<div class="rate {cls}" style="width:{_f(100 * rate)}%"></div>'


def _code_block(text: str, first: int, last: int, marked: set, context: int = 2) -> str:
    """Lines first..last of ``text`` (plus context, at most MAX_REGION_LINES), the ``marked``
    ones (covered by shared fingerprints) highlighted."""
    lines = text.splitlines()
    lo, hi = max(1, first - context), min(len(lines), last + context)
    cut = hi - lo + 1 > MAX_REGION_LINES
    hi = min(hi, lo + MAX_REGION_LINES - 1)
    out = []
    for i in range(lo, hi + 1):
        row = f"{i:4d}  {e(lines[i - 1])}"
        out.append(f"<mark>{row}</mark>" if i in marked else row)
    if cut:
        out.append(f"      … (to line {last})")
    return "<pre>" + "\n".join(out) + "</pre>"


def _similarity_html(s: sim.Similarity | None, students: int) -> list[str]:
    p = ["<h2 id=\"similarity\">Similar submissions</h2>"]
    if s is None:
        return p + ['<p class="note">Not computed (--no-similarity).</p>']
    compared = len(s.programs)
    p.append(f'<p class="note">{compared} programs compared (the course reference included as '
             f'<code>{e(sim.REFERENCE_ID)}</code> where it exists), after normalising names, literals, comments '
             f"and layout (AST tokens, k = {sim.K}, winnowing window {sim.W}); fingerprints of the stub and the "
             f"provided files are ignored" + (f", and so are those shared by more than {s.cutoff} distinct "
                                                f"programs ({s.common_dropped})" if s.common_dropped else "")
             + f". A pair is flagged when at least {_f(100 * sim.THRESHOLD)} % of the smaller "
             f"program's fingerprints are in the other (and at least {sim.MIN_SHARED}). Similar code is a "
             f"reason to look, not proof: read the matching regions.</p>")
    p.append(f'<p id="similarity-summary">flagged pairs: <b class="flagged-count">{s.flagged_total}</b>; '
             f'groups of identical programs: <b class="group-count">{len(s.groups)}</b>; '
             f"pairs below the threshold but above half of it: {s.near_misses}</p>")
    if s.skipped:
        n = len(s.skipped)
        p.append("<details><summary>" + f"{n} submission{'s' if n != 1 else ''} not compared</summary><ul>"
                 + "".join(f"<li>{e(a)}: {e(b)}</li>" for a, b in s.skipped) + "</ul></details>")
    if s.clusters:
        p.append('<h3>Clusters</h3><p class="note">Submissions linked by flagged pairs or identity, directly or '
                 'through others.</p><table id="similarity-clusters"><tr><th class="n">size</th>'
                 "<th>submissions</th></tr>")
        for c in s.clusters:
            p.append(f'<tr><td class="n">{len(c)}</td><td>{e(", ".join(c))}</td></tr>')
        p.append("</table>")
    if s.groups:
        p.append('<h3>Identical after normalisation</h3><table id="similarity-groups"><tr><th class="n">size</th>'
                 "<th>submissions</th></tr>")
        for g in sorted(s.groups, key=lambda g: (-len(g), g)):
            p.append(f'<tr><td class="n">{len(g)}</td><td>{e(", ".join(g))}</td></tr>')
        p.append("</table>")
    p.append('<h3>Flagged pairs</h3><table id="similarity-pairs"><tr><th>#</th><th>submission A</th>'
             '<th>submission B</th><th class="n">score</th><th class="n">shared fingerprints</th>'
             '<th class="n">of A</th><th class="n">of B</th></tr>')
    def label(pid):
        more = s.duplicates(pid)
        return e(pid) + (f' <span class="note" title="{e(", ".join(more))}">(= {len(more)} identical)</span>'
                         if more else "")

    for i, pr in enumerate(s.pairs[:MAX_PAIRS], 1):
        link = f'<a href="#pair-{i}">{i}</a>' if i <= MAX_SIDE_BY_SIDE else str(i)
        p.append(f'<tr class="pair" data-a="{e(pr.a.id)}" data-b="{e(pr.b.id)}" data-score="{pr.score:.3f}" '
                 f'data-shared="{pr.shared}"><td>{link}</td><td>{label(pr.a.id)}</td><td>{label(pr.b.id)}</td>'
                 f'<td class="n">{_pct(pr.score)}</td><td class="n">{pr.shared}</td><td class="n">{_pct(pr.cover_a)}'
                 f'</td><td class="n">{_pct(pr.cover_b)}</td></tr>')
    p.append("</table>")
    if s.flagged_total > MAX_PAIRS:
        p.append(f'<p class="note">… and {s.flagged_total - MAX_PAIRS} more flagged pairs (see the clusters).</p>')
    for i, pr in enumerate(s.pairs[:MAX_SIDE_BY_SIDE], 1):
        regs = sim.regions(pr.a, pr.b)
        p.append(f'<details id="pair-{i}"{" open" if i == 1 else ""}><summary>pair {i}: {e(pr.a.id)} ↔ '
                 f"{e(pr.b.id)}, {_pct(pr.score)}, {len(regs)} matching regions</summary>")
        for r in regs[:MAX_REGIONS]:
            p.append(f'<div class="sbs"><div><b>{e(pr.a.id)}</b> <code>{e(r["file_a"])}</code> lines '
                     f'{r["a0"]}–{r["a1"]}{_code_block(pr.a.files.get(r["file_a"], ""), r["a0"], r["a1"], r["lines_a"])}'
                     f'</div><div><b>{e(pr.b.id)}</b> <code>{e(r["file_b"])}</code> lines {r["b0"]}–{r["b1"]}'
                     f'{_code_block(pr.b.files.get(r["file_b"], ""), r["b0"], r["b1"], r["lines_b"])}</div></div>')
        if len(regs) > MAX_REGIONS:
            p.append(f'<p class="note">… {len(regs) - MAX_REGIONS} smaller regions.</p>')
        p.append("</details>")
    return p


def render(assignment_id: str, title: str, a: dict, s: sim.Similarity | None, generated: str = "") -> str:
    st = a["stats"]
    head = f"{assignment_id.upper()} {title} — class report".replace("  ", " ")
    p = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
         f"<title>{e(head)}</title><style>{_CSS}</style></head><body>", f"<h1>{e(head)}</h1>",
         '<p class="note">For the instructor only: hidden-test names, raw messages with expected values and '
         "students' code. Never share this page with students.</p>"]
    if generated:
        p.append(f'<p class="note">{e(generated)}</p>')
    # 1. scores
    p.append('<h2 id="scores">Scores</h2>')
    p.append(histogram_svg(a["hist"]))
    rows = [("submissions", st["submissions"]), ("scored", st["scored"])]
    if st.get("scored"):
        rows += [("mean", f"{st['mean']:.1f} %"), ("median", f"{st['median']:.1f} %"),
                 ("std. dev.", f"{st['stdev']:.1f}"), ("min", f"{st['min']:g} %"), ("max", f"{st['max']:g} %"),
                 ("quartiles", f"{st['q1']:.1f} % / {st['q3']:.1f} %"), ("full marks", st["full_marks"]),
                 ("zero", st["zero"])]
    rows += [(f"status {k}", v) for k, v in sorted(st["statuses"].items())]
    rows += [(f"isolation {k}", v) for k, v in sorted(a["isolation"].items())]
    p.append('<table class="stats" id="summary">' + "".join(
        f'<tr><th>{e(str(k))}</th><td class="n" data-key="{e(str(k))}">{e(str(v))}</td></tr>' for k, v in rows)
        + "</table>")
    # 2. parts and tests
    p.append('<h2 id="parts">Parts</h2><table id="part-table"><tr><th>part (test file)</th><th class="n">tests</th>'
             '<th class="n">points</th><th class="n">mean points</th><th class="n">full marks</th><th></th></tr>')
    for q in a["parts"]:
        rate = q["mean_points"] / q["max_points"] if q["max_points"] else float("nan")
        p.append(f'<tr><td>{e(q["part"])}</td><td class="n">{q["tests"]}</td><td class="n">{q["max_points"]:g}</td>'
                 f'<td class="n">{q["mean_points"]:.1f} ({_pct(rate)})</td><td class="n">{_pct(q["full_rate"])}</td>'
                 f'<td class="bar-cell">{_rate_bar(rate)}</td></tr>')
    p.append("</table>")
    p.append('<h2 id="tests">Tests, most failed first</h2><p class="note">Pass rate over the scored submissions '
             "that ran the test (skipped cases left out); timeouts and crashes are counted apart from failures.</p>"
             '<table id="test-table"><tr><th>test</th><th>part</th><th class="n">points</th><th class="n">pass rate'
             '</th><th class="n">passed</th><th class="n">failed</th><th class="n">error</th><th class="n">timeout'
             '</th><th class="n">crash</th><th class="n">skipped</th><th></th></tr>')
    for t in a["tests"]:
        c = t["status"]
        p.append(f'<tr class="test" data-test="{e(t["id"])}" data-points="{t["max_points"]:g}" '
                 f'data-passed="{t["passed"]}" data-n="{t["n"]}"><td>{e(t["name"])}</td><td>{e(t["part"])}</td>'
                 f'<td class="n">{t["max_points"]:g}</td><td class="n pass-rate">{_pct(t["pass_rate"])}</td>'
                 + "".join(f'<td class="n">{c[k]}</td>' for k in ("pass", "fail", "error", "timeout", "crash",
                                                                   "skipped"))
                 + f'<td class="bar-cell">{_rate_bar(t["pass_rate"])}</td></tr>')
    p.append("</table>")
    # 3. failure kinds
    p.append('<h2 id="mistakes">Common mistakes in the most-failed tests</h2><p class="note">Messages of failed '
             "and errored runs, grouped after replacing numbers, positions, shapes and value lists; one example "
             "each (the raw message, expected values included). Submissions that did not import are left out here "
             f"({len(a['apart']['not_imported'])}, listed in the next section).</p>")
    for f in a["failures"]:
        t = f["test"]
        p.append(f'<h3>{e(t["name"])} <span class="note">({t["max_points"]:g} points, {_pct(t["pass_rate"])} '
                 f"pass)</span></h3><table class=\"failure-groups\" data-test=\"{e(t['id'])}\"><tr>"
                 '<th class="n">count</th><th>kind</th><th>example</th></tr>')
        for g in f["groups"]:
            ex = g["example"] if len(g["example"]) <= MAX_EXAMPLE_CHARS else g["example"][:MAX_EXAMPLE_CHARS] + " …"
            who = ", ".join(g["students"][:8]) + (" …" if len(g["students"]) > 8 else "")
            p.append(f'<tr><td class="n">{g["count"]}</td><td class="kind">{e(g["kind"])}<br>'
                     f'<span class="note">{e(who)}</span></td><td><span class="note">{e(g["example_student"])}'
                     f"</span><pre>{e(ex)}</pre></td></tr>")
        p.append("</table>")
        if f["more_groups"]:
            p.append(f'<p class="note">… {f["more_groups"]} more kinds.</p>')
    # 4. apart
    ap = a["apart"]
    p.append('<h2 id="apart">Infrastructure errors, invalid submissions, time limits, crashes</h2>'
             '<p class="note">Listed apart: a broken machine or an unreadable upload is not a hard test.</p>')
    for key, label in (("infra_error", "infrastructure errors (regrade these)"),
                       ("invalid", "invalid submissions (unreadable input, score 0)"),
                       ("suite_error", "submissions whose whole run hit a limit"),
                       ("not_imported", "submissions that did not import (no test could run their code)")):
        items = ap[key]
        p.append(f'<h3>{label}: <span class="apart-count" data-kind="{key}">{len(items)}</span></h3>')
        if items:
            p.append("<table>" + "".join(f"<tr><td>{e(sid)}</td><td>{e(str(msg))}</td></tr>" for sid, msg in items)
                     + "</table>")
    for key, label in (("timeout", "tests that timed out"), ("crash", "tests whose process crashed")):
        items = ap[key]
        total = sum(len(v) for v in items.values())
        p.append(f'<h3>{label}: <span class="apart-count" data-kind="{key}">{total}</span></h3>')
        if items:
            p.append("<table>" + "".join(
                f'<tr><td>{e(_name(tid))}</td><td class="n">{len(who)}</td><td>{e(", ".join(who[:30]))}'
                f'{" …" if len(who) > 30 else ""}</td></tr>' for tid, who in sorted(items.items())) + "</table>")
    # 5. curves
    p.append('<h2 id="curves">Training curves</h2>')
    if not a["curves"]:
        p.append('<p class="note">No test of this assignment attached figures.</p>')
    for c in a["curves"]:
        p.append(f'<h3>{e(_name(c["test"]))}</h3><p class="note">{c["n_students"]} submissions; per point the '
                 "median, the quartiles and the 10–90 % range of the values they recorded (missing or non-finite "
                 "values left out).</p>" + curve_svg(c))
    # 6. similarity
    p += _similarity_html(s, st["submissions"])
    p.append("</body></html>")
    return "\n".join(p) + "\n"


def build_report(book, assignment, out_dir: Path, *, with_similarity: bool = True) -> tuple[Path, dict]:
    """Writes ``out_dir/<id>-class-report.html``; returns its path and timings (s) of each step."""
    timings = {}
    t0 = time.perf_counter()
    results = book.current_results(assignment.id)
    timings["load"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    a = analyse(results)
    timings["analyse"] = time.perf_counter() - t1
    s = None
    if with_similarity:
        t2 = time.perf_counter()
        s = similarity_for(assignment, submission_sources(book, assignment.id))
        timings["similarity"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    from grader.batch.gradebook import now

    page = render(assignment.id, assignment.title, a, s, generated=f"generated {now()} from {book.path}")
    path = Path(out_dir) / f"{assignment.id}-class-report.html"
    write_atomic(path, page.encode("utf-8"))
    timings["render"] = time.perf_counter() - t3
    timings["total"] = time.perf_counter() - t0
    return path, timings
