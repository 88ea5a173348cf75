"""An assignment as a Jupyter notebook (nbformat 4.5), from the same ``### BEGIN/END SOLUTION`` source.

Layout: the handout (markdown, formulas render), then the solution module cut at its top-level
statements: provided code (docstring, imports, helpers) in read-only cells, one code cell per
function to fill, and after the last function a public test needs, a cell that runs those public
tests with ``!dlgrade check aNN NOTEBOOK -k ...``. The check runs in dlgrade's sandbox on the saved
notebook, not in the kernel; intake drops ``!`` lines, so these cells never reach grading.

``kind`` picks the function bodies: ``"stub"`` (the student's notebook, same stubs as
``dlgrade sync``), ``"reference"`` (markers stripped) or ``"marked"`` (markers kept: the
source notebook of nbgrader and otter-assign).
"""
from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from grader.course.assignment import Assignment
from grader.course.sync import BEGIN, make_stub, strip_markers

KINDS = ("stub", "reference", "marked")


@dataclass
class Segment:
    """A run of top-level source lines: one function to fill, or provided code."""
    name: str  # the function's name, or "provided-N"
    source: str
    to_fill: bool
    public_tests: list[str] = field(default_factory=list)  # public tests to run after this cell


def solution_source(a: Assignment) -> tuple[Path, str]:
    path = a.solution_dir / a.submit[0]
    return path, path.read_text(encoding="utf-8")


def split_source(source: str) -> list[Segment]:
    """Cuts a module at its top-level statements; a function whose body holds a solution block is
    its own segment (with the comments above it), consecutive other statements are merged."""
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    segments: list[Segment] = []
    start = 0
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        last = end = node.end_lineno or node.lineno
        # indented comment lines after the last statement (### END SOLUTION) belong to the function
        while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t"):
            end += 1
        while end > last and not lines[end - 1].strip():
            end -= 1
        text_lines = lines[first:end]
        to_fill = isinstance(node, ast.FunctionDef) and any(BEGIN.match(ln) for ln in text_lines)
        chunk = "".join(lines[start:end])
        if to_fill and isinstance(node, ast.FunctionDef):
            lead = "".join(lines[start:first])  # the comments above the function (a part's header) go with it
            segments.append(Segment(node.name, lead.strip("\n") + ("\n\n" if lead.strip() else "")
                                    + "".join(text_lines), True))
        elif segments and not segments[-1].to_fill:
            segments[-1].source += chunk
        else:
            segments.append(Segment(f"provided-{len(segments) + 1}", chunk, False))
        start = end
    if start < len(lines) and "".join(lines[start:]).strip():
        segments.append(Segment(f"provided-{len(segments) + 1}", "".join(lines[start:]), False))
    for s in segments:
        s.source = s.source.strip("\n") + "\n"
    return segments


def public_test_map(a: Assignment, function_order: list[str]) -> dict[str, list[str]]:
    """For each function, the public tests whose last-defined student function it is."""
    out: dict[str, list[str]] = {f: [] for f in function_order}
    rank = {f: i for i, f in enumerate(function_order)}
    for path in sorted(a.public_tests_dir.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test_")):
                continue
            used = {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
                    and isinstance(n.value, ast.Name) and n.value.id == "student" and n.attr in rank}
            if used:
                out[max(used, key=rank.__getitem__)].append(node.name)
    return out


def notebook_name(a: Assignment) -> str:
    return f"{a.slug}.ipynb"


def _cell_id(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()[:12]


def markdown_cell(text: str, key: str, metadata: dict | None = None) -> dict:
    return {"cell_type": "markdown", "id": _cell_id("md", key), "metadata": metadata or {},
            "source": text.splitlines(keepends=True)}


def code_cell(text: str, key: str, metadata: dict | None = None) -> dict:
    return {"cell_type": "code", "id": _cell_id("code", key), "metadata": metadata or {}, "execution_count": None,
            "outputs": [], "source": text.rstrip("\n").splitlines(keepends=True)}


def new_notebook(cells: list[dict]) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "cells": cells,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                         "language_info": {"name": "python"}}}


def segments_for(a: Assignment, kind: str) -> list[Segment]:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    path, source = solution_source(a)
    marked = split_source(source)
    if kind == "stub":
        # each function's own text through the same stub maker as `dlgrade sync` (it names the function)
        segs = [Segment(s.name, make_stub(s.source, str(path)), s.to_fill) for s in marked]
    elif kind == "reference":
        segs = [Segment(s.name, strip_markers(s.source), s.to_fill) for s in marked]
    else:
        segs = marked
    tests = public_test_map(a, [s.name for s in segs if s.to_fill])
    for s in segs:
        s.public_tests = tests.get(s.name, []) if s.to_fill else []
    return segs


def check_command(a: Assignment, tests: list[str], nb_name: str) -> str:
    return f'!dlgrade check {a.id} {nb_name} -k "{" or ".join(tests)}"'


def build_notebook(a: Assignment, kind: str = "stub", nb_name: str | None = None) -> dict:
    """The assignment notebook (a JSON-ready dict in nbformat 4.5)."""
    nb_name = nb_name or notebook_name(a)
    handout = (a.student_dir / "README.md").read_text(encoding="utf-8")
    cells = [markdown_cell(handout, "handout", {"editable": False, "deletable": False}),
             markdown_cell(f"Fill in each function's cell below, **save the notebook**, then run the check cell "
                           f"after it (`dlgrade check {a.id} {nb_name}` runs the public tests on the saved "
                           "notebook, in the grader's sandbox). Submit this notebook.", "how")]
    for seg in segments_for(a, kind):
        meta = {} if seg.to_fill else {"editable": False, "deletable": False}
        cells.append(code_cell(seg.source, seg.name, meta))
        if seg.public_tests:
            cells.append(code_cell(f"# public tests of {seg.name} (save the notebook first)\n"
                                   + check_command(a, seg.public_tests, nb_name), f"check-{seg.name}",
                                   {"editable": False, "deletable": False}))
    return new_notebook(cells)


def write_notebook(nb: dict, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def build_release_notebook(a: Assignment, out_dir: Path) -> Path:
    """``OUT/aNN_slug.ipynb``: the student's notebook; refuses if a solution block slipped in."""
    nb = build_notebook(a, "stub")
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and any(BEGIN.match(ln) for ln in "".join(cell["source"]).splitlines()):
            raise RuntimeError("the student notebook still contains a solution block")
    return write_notebook(nb, Path(out_dir) / notebook_name(a))


def notebook_as_folder(a: Assignment, nb_path: Path) -> Path:
    """A temporary folder holding the notebook's code cells as the assignment's module (what intake
    grades), so ``dlgrade check aNN NOTEBOOK.ipynb`` runs the public tests on a saved notebook."""
    from grader.batch.intake import notebook_to_source
    from grader.grading import scratch

    folder = scratch.mkdtemp("dlgrade-notebook-")
    (folder / a.submit[0]).write_text(notebook_to_source(Path(nb_path).read_bytes(), Path(nb_path).name),
                                      encoding="utf-8")
    return folder
