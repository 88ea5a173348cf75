"""Exports of the gradebook's current grades: CSV, Gradescope ``results.json``, feedback, JSON.

Figures attached to tests appear only in the feedback reports: the CSV has one number per
test, and Gradescope's ``results.json`` has no place for them. The JSON document keeps them.

All files are written atomically (temp file, fsync, rename).
"""
from __future__ import annotations

from typing import Any

import csv
import io
import json
import math
import re
from pathlib import Path

from grader.reports.feedback import figure_files, render_html, render_markdown, student_message
from grader.grading.results import results_document, write_atomic, write_json_atomic

GRADESCOPE_VISIBILITY = ("hidden", "after_due_date", "after_published", "visible")


def safe_name(student_id: str) -> str:
    """A file name for a student id (ids come from file names or the roster)."""
    name = re.sub(r"[^\w.@~+-]", "_", student_id).strip(".")
    return name or "_"


def test_columns(results: list[dict]) -> list[str]:
    """Every test id that occurs, in the order of the first result that has it."""
    seen: dict[str, None] = {}
    for res in sorted(results, key=lambda r: -len(r.get("tests", []))):
        for t in res.get("tests", []):
            seen.setdefault(t["id"], None)
    return list(seen)


def to_csv(results: list[dict]) -> str:
    """One row per student: total, status and the points of every test."""
    cols = test_columns(results)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student_id", "score", "max_score", "percent", "status", "content_hash", "graded_at", "error", *cols])
    for res in results:
        pts = {t["id"]: t["points"] for t in res.get("tests", [])}
        w.writerow([res["id"], f"{res['score']:g}", f"{res['max_score']:g}", f"{res['percent']:g}", res["status"],
                    res.get("content_hash", ""), res.get("graded_at", ""), (res.get("error") or "").replace("\n", " "),
                    *[f"{pts[c]:g}" if c in pts else "" for c in cols]])
    return buf.getvalue()


def gradescope_results(result: dict, visibility: str = "after_published", seconds: float | None = None) -> dict:
    """One submission in Gradescope's autograder format (``/autograder/results/results.json``):
    ``score``, ``execution_time``, ``output``, ``visibility`` and ``tests`` [{name, score,
    max_score, status, output, visibility, tags}]. Messages are the student-facing ones.

    ``execution_time`` is ``seconds`` (the autograder run's wall time, when the caller has it) or
    else the submission's ``duration_s``, in whole seconds rounded up: a sub-second grading is 1 s,
    never 0."""
    if visibility not in GRADESCOPE_VISIBILITY:
        raise ValueError(f"visibility must be one of {', '.join(GRADESCOPE_VISIBILITY)}")
    tests = []
    for i, t in enumerate(result.get("tests", []), 1):
        tid = t["id"].split("::", 1)[-1]
        funcs = ", ".join(f.split(".", 1)[-1] for f in t.get("functions", []))
        entry = {
            "name": tid + (f" ({funcs})" if funcs else ""),
            "number": str(i),
            "score": float(t["points"]),
            "max_score": float(t["max_points"]),
            "status": "passed" if t["status"] == "pass" else "failed",
            "output": student_message(t.get("message", "")) if t["status"] != "pass" else "",
            "visibility": visibility,
            "tags": [f.split(".", 1)[-1] for f in t.get("functions", [])],
        }
        tests.append(entry)
    notes = [student_message(str(p)) for p in (result.get("problems") or []) + (result.get("static_findings") or [])]
    if result.get("error") and result["error"] not in notes:
        notes.append(student_message(result["error"]))
    return {
        "score": float(result.get("score", 0.0)),
        "execution_time": math.ceil(seconds if seconds is not None else (result.get("duration_s") or 0)),
        "output": "\n".join(notes),
        "visibility": visibility,
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"student_id": result["id"], "status": result.get("status"),
                       "content_hash": result.get("content_hash"), "max_score": result.get("max_score")},
    }


def export_csv(results: list[dict], path: Path) -> Path:
    write_atomic(Path(path), to_csv(results).encode("utf-8"))
    return Path(path)


def export_json(assignment_id: str, results: list[dict], path: Path) -> Path:
    write_json_atomic(Path(path), results_document(assignment_id, results))
    return Path(path)


def export_gradescope(results: list[dict], out_dir: Path, visibility: str = "after_published") -> list[Path]:
    """``OUT/<student>/results.json`` for every student."""
    written = []
    for res in results:
        p = Path(out_dir) / safe_name(res["id"]) / "results.json"
        write_json_atomic(p, gradescope_results(res, visibility))
        written.append(p)
    return written


def export_feedback(results: list[dict], out_dir: Path, title: str = "", formats=("md", "html")) -> list[Path]:
    """``OUT/<student>.md`` and ``OUT/<student>.html`` for every student; returns these reports.

    The figures of a student's tests are inlined in the HTML report; for the Markdown report
    they are written beside it as ``OUT/<student>-<n>.svg`` (n = 1, 2, ...) and linked."""
    written = []
    for res in results:
        base = Path(out_dir) / safe_name(res["id"])
        if "md" in formats:
            p = base.with_name(base.name + ".md")
            for name, svg in figure_files(res, base.name).items():
                write_atomic(base.with_name(name), svg.encode("utf-8"))
            write_atomic(p, render_markdown(res, title, figure_stem=base.name).encode("utf-8"))
            written.append(p)
        if "html" in formats:
            p = base.with_name(base.name + ".html")
            write_atomic(p, render_html(res, title).encode("utf-8"))
            written.append(p)
    return written


def summary(results: list[dict]) -> dict:
    scores = sorted(r["score"] for r in results if r["status"] in ("graded", "invalid"))
    out: dict[str, Any] = {"students": len(results), "graded": len(scores)}
    if scores:
        out.update(mean=sum(scores) / len(scores), median=scores[len(scores) // 2], min=scores[0], max=scores[-1])
    out["statuses"] = {}
    for r in results:
        out["statuses"][r["status"]] = out["statuses"].get(r["status"], 0) + 1
    return out


def dumps(obj) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False)
