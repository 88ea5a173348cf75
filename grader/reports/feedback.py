"""Per-student feedback reports (Markdown and HTML) from a result document.

A report shows the score, every test with its points and, for each test that did not pass,
what went wrong in words: the engine's message for that test. It never shows a hidden
test's source (the engine's messages do not carry it: tests run with plain asserts and the
plugin records messages only), and it never shows an expected value: ``student_message``
withholds every value that the reference computed ("expected 0.1829...", "numerical ...",
"where ... was expected", "the reference reaches 0.97"), while keeping what the student's
code returned, shapes, dtypes and the hints.

A test may carry figures (line charts, see grader.reports.figures): the HTML report inlines each as
an ``<svg>`` under the test's entry; the Markdown report links ``<stem>-<n>.svg`` files that
the exporter writes beside it (:func:`figure_files`). A figure is drawn from the recorded
numbers; the chart shows no number beyond its 2-significant-digit axis ticks.
"""
from __future__ import annotations

import html
import re
from urllib.parse import quote

from grader.reports.figures import normalize, render_svg

WITHHELD = "[withheld]"

_NUM = r"[-+]?(?:\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+(?:[eE][-+]?\d+)?|nan|inf)"
_CALL = r"(?:np|numpy|torch)\.\w+\((?:[^()]|\([^()]*\))*\)"  # np.float64(0.18), np.int64(3)
_NPNAME = r"(?:np|numpy)\.(?:True_|False_|nan|inf)"
_ARRAY = r"(?:array|tensor)\((?:[^()]|\([^()]*\))*\)"
_LIST = r"\[[^\[\]\n]*\]"
_VALUE = rf"(?:{_CALL}|{_NPNAME}|{_ARRAY}|{_LIST}|True|False|{_NUM})"
_COUNT_WORDS = r"(?:items?|elements?|values?|keys?|dimensions?|dims?|columns?|rows?|arguments?|entries|calls?|times)"

_PATTERNS = [
    # "expected 0.18", "expected np.float64(0.18)", "expected array([...])"; not "expected (1, 4)" (a shape),
    # not "expected 3 items" (a count), not "expected a float"
    re.compile(rf"(\bexpected:?\s+)({_VALUE})(?![\w(])(?!\s+{_COUNT_WORDS}\b)"),
    re.compile(rf"(\bwhere\s+)({_VALUE})(\s+was\s+expected)"),
    re.compile(rf"(\bnumerical:?\s+)({_VALUE})(?![\w(])"),
    re.compile(rf"(\breference(?:'s)?(?:\s+[a-z]+){{0,4}}:?\s+)({_VALUE})(?![\w(])"),
    re.compile(rf"(\b(?:should be|must be|must equal|should equal)\s+)({_CALL}|{_NUM})(?![\w(])"),
]

STATUS_WORDS = {
    "pass": "passed",
    "fail": "failed: your code ran, but what it returned is not what the specification asks for",
    "error": "error: the test could not use what your code returned (or the test could not start)",
    "timeout": "timed out: the call did not finish within its time limit (an endless loop, or far too slow)",
    "crash": "crashed: the process running your code died (a segfault, a memory error or an exit call)",
    "skipped": "skipped: not run on this machine (no points earned or lost unless stated)",
}


def student_message(text: str) -> str:
    """The engine's message for a student, with every reference-computed value withheld."""
    if not text:
        return ""
    out = text
    for pat in _PATTERNS:
        out = pat.sub(lambda m: m.group(1) + WITHHELD + (m.group(3) if m.lastindex and m.lastindex >= 3 else ""), out)
    return out


def _test_title(t: dict) -> str:
    tid = t.get("id", "")
    return tid.split("::", 1)[-1] if "::" in tid else (t.get("name") or tid)


def _fmt(x) -> str:
    return f"{float(x):g}"


def _functions(t: dict) -> str:
    return ", ".join(f.split(".", 1)[-1] for f in t.get("functions", [])) or "—"


def _status_text(t: dict) -> str:
    return STATUS_WORDS.get(t.get("status", ""), t.get("status", ""))


def _problems(result: dict) -> list[str]:
    items = list(result.get("problems") or []) + list(result.get("static_findings") or [])
    err = result.get("error")
    if err and err not in items:
        if result.get("status") == "infra_error":
            items.append(f"the grader had an internal problem ({err}); this is not your fault and will be regraded")
        else:
            items.append(err)
    return [student_message(str(p)) for p in items]


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _figures(t: dict) -> list[dict]:
    figs = t.get("figures")
    if not isinstance(figs, list):
        return []
    return [f for f in (normalize(x) for x in figs) if f is not None]


def _numbered_figures(result: dict):
    """(test, [(n, figure), ...]) for every test with figures; n counts 1, 2, ... over the report."""
    n = 0
    for t in result.get("tests", []):
        figs = _figures(t)
        if figs:
            numbered = []
            for f in figs:
                n += 1
                numbered.append((n, f))
            yield t, numbered


def figure_file_name(stem: str, n: int) -> str:
    return f"{stem}-{n}.svg"


def figure_files(result: dict, stem: str) -> dict[str, str]:
    """The SVG files that ``render_markdown(result, title, figure_stem=stem)`` links: name -> SVG."""
    return {figure_file_name(stem, n): render_svg(f) for _, figs in _numbered_figures(result) for n, f in figs}


def _md_figures(numbered, stem: str | None) -> list[str]:
    lines = []
    for n, f in numbered:
        alt = re.sub(r"[\[\]\\`*_<>]", " ", f["title"] or f"figure {n}").strip()
        if stem is None:
            lines += [f"*Figure: {alt} (drawn in the HTML report).*", ""]
        else:
            lines += [f"![{alt}]({quote(figure_file_name(stem, n))})", ""]
    return lines


def render_markdown(result: dict, title: str = "", figure_stem: str | None = None) -> str:
    """The Markdown report. A test's figures are linked as ``<figure_stem>-<n>.svg`` (write
    them with :func:`figure_files`); without ``figure_stem`` they are only named."""
    sid = result.get("id", "")
    lines = [f"# {result.get('assignment', '').upper()} {title} — feedback for {sid}".replace("  ", " "), ""]
    lines.append(f"**Score: {_fmt(result.get('score', 0))} / {_fmt(result.get('max_score', 0))}** "
                 f"({_fmt(result.get('percent', 0))} %)")
    meta = [f"submission `{result.get('content_hash', '')}`"]
    if result.get("graded_at"):
        meta.append(f"graded {result['graded_at']}")
    lines += ["", " · ".join(meta), ""]
    probs = _problems(result)
    if probs:
        lines += ["## About your submission", ""] + [f"- {p}" for p in probs] + [""]
    tests = result.get("tests", [])
    numbered = {id(t): figs for t, figs in _numbered_figures(result)}
    if tests:
        lines += ["## Tests", "", "| test | checks | points | result |", "|---|---|---:|---|"]
        for t in tests:
            lines.append(f"| {_md_cell(_test_title(t))} | {_md_cell(_functions(t))} | "
                         f"{_fmt(t['points'])}/{_fmt(t['max_points'])} | {t['status']} |")
        lines.append("")
        bad = [t for t in tests if t.get("status") != "pass"]
        if bad:
            lines += ["## What went wrong", "",
                      "Inputs are generated for you alone, so exact expected values are not shown; "
                      "the messages say what differs and how.", ""]
            for t in bad:
                lines += [f"### {_test_title(t)} — {_fmt(t['points'])}/{_fmt(t['max_points'])}", "",
                          f"Checks: {_functions(t)}. Result: {_status_text(t)}.", ""]
                msg = student_message(t.get("message", "")).strip()
                if msg:
                    fence = _fence(msg)
                    lines += [f"{fence}text", msg, fence, ""]
                lines += _md_figures(numbered.get(id(t), []), figure_stem)
        else:
            lines += ["All tests passed.", ""]
        good = [t for t in tests if t.get("status") == "pass" and id(t) in numbered]
        if good:
            lines += ["## Plots", ""]
            for t in good:
                lines += [f"### {_test_title(t)} — {_fmt(t['points'])}/{_fmt(t['max_points'])}", ""]
                lines += _md_figures(numbered[id(t)], figure_stem)
    return "\n".join(lines).rstrip() + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_CSS = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}
td.pts{text-align:right;white-space:nowrap}.pass{color:#1a7f37}.fail,.error{color:#cf222e}
.timeout,.crash{color:#8250df}.skipped{color:#9a6700}pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;
white-space:pre-wrap}.score{font-size:1.4rem}figure.plot{margin:.6rem 0}figure.plot svg{max-width:100%;height:auto}"""


def _html_figures(numbered) -> list[str]:
    return [f'<figure class="plot">{render_svg(f)}</figure>' for _, f in numbered]


def render_html(result: dict, title: str = "") -> str:
    e = html.escape
    sid = result.get("id", "")
    head = f"{result.get('assignment', '').upper()} {title} — feedback for {sid}"
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(head)}</title><style>{_CSS}</style></head><body>", f"<h1>{e(head)}</h1>",
             f'<p class="score"><b>Score: {_fmt(result.get("score", 0))} / {_fmt(result.get("max_score", 0))}</b> '
             f"({_fmt(result.get('percent', 0))} %)</p>",
             f"<p>submission <code>{e(str(result.get('content_hash', '')))}</code>"
             + (f" · graded {e(str(result['graded_at']))}" if result.get("graded_at") else "") + "</p>"]
    probs = _problems(result)
    if probs:
        parts.append("<h2>About your submission</h2><ul>" + "".join(f"<li>{e(p)}</li>" for p in probs) + "</ul>")
    tests = result.get("tests", [])
    numbered = {id(t): figs for t, figs in _numbered_figures(result)}
    if tests:
        parts.append("<h2>Tests</h2><table><tr><th>test</th><th>checks</th><th>points</th><th>result</th></tr>")
        for t in tests:
            st = t.get("status", "")
            parts.append(f"<tr><td>{e(_test_title(t))}</td><td>{e(_functions(t))}</td>"
                         f'<td class="pts">{_fmt(t["points"])}/{_fmt(t["max_points"])}</td>'
                         f'<td class="{e(st)}">{e(st)}</td></tr>')
        parts.append("</table>")
        bad = [t for t in tests if t.get("status") != "pass"]
        if bad:
            parts.append("<h2>What went wrong</h2><p>Inputs are generated for you alone, so exact expected values "
                         "are not shown; the messages say what differs and how.</p>")
            for t in bad:
                parts.append(f"<h3>{e(_test_title(t))} — {_fmt(t['points'])}/{_fmt(t['max_points'])}</h3>"
                             f"<p>Checks: {e(_functions(t))}. Result: {e(_status_text(t))}.</p>")
                msg = student_message(t.get("message", "")).strip()
                if msg:
                    parts.append(f"<pre>{e(msg)}</pre>")
                parts += _html_figures(numbered.get(id(t), []))
        else:
            parts.append("<p>All tests passed.</p>")
        good = [t for t in tests if t.get("status") == "pass" and id(t) in numbered]
        if good:
            parts.append("<h2>Plots</h2>")
            for t in good:
                parts.append(f"<h3>{e(_test_title(t))} — {_fmt(t['points'])}/{_fmt(t['max_points'])}</h3>")
                parts += _html_figures(numbered[id(t)])
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
