"""Render A04 (reference or a student's version) into each tool's format.

* ``Module``: a Python module split into top-level segments (exact text), so that single
  functions can be swapped (mutants) and the module can be cut into notebook cells.
* nbgrader: a source notebook (solution cells with ``### BEGIN SOLUTION`` markers,
  autograded test cells with points and ``### BEGIN HIDDEN TESTS``) and the student
  notebook that ``nbgrader generate_assignment`` would release, filled with a student's
  functions.
* dlgrade: a hidden-test module (one pytest test per check, ``@pytest.mark.points``, the
  student's functions from the ``student`` fixture) and a course root for ``DLGRADE_ROOT``
  that grades a04 with it.
* otter-grader: an otter-assign master notebook (``# ASSIGNMENT CONFIG`` raw cell,
  ``# BEGIN QUESTION``/``# BEGIN SOLUTION``/``# BEGIN TESTS`` raw boundary cells,
  exception-based hidden tests) and a filled student notebook with the cells that
  ``otter assign`` releases.

Notebooks are written as plain nbformat-4.5 JSON (no nbformat needed in the project venv).

CLI: ``python benchmarks/equivalent/build.py`` re-renders the committed source/master
notebooks from the A04 reference (solutions/a04_nn_basics/nn_basics.py, else the
placeholder beside this file).
"""
from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
import checks  # noqa: E402

REAL_REFERENCE = REPO / "solutions" / "a04_nn_basics" / "nn_basics.py"
PLACEHOLDER = HERE / "nn_basics_placeholder.py"
ASSIGNMENT = "a04"
NOTEBOOK = "nn_basics.ipynb"


def reference_path() -> Path:
    """The real course solution if it exists and defines the nine functions, else ours."""
    if REAL_REFERENCE.exists():
        try:
            names = {n.name for n in ast.parse(REAL_REFERENCE.read_text()).body
                     if isinstance(n, ast.FunctionDef)}
            if set(checks.FUNCTIONS) <= names:
                return REAL_REFERENCE
        except SyntaxError:
            pass
    return PLACEHOLDER


# --------------------------------------------------------------------------- modules

@dataclass
class Segment:
    kind: str          # "func" or "code"
    name: str          # function name ("" for code)
    text: str


@dataclass
class Module:
    segments: list[Segment]
    extra: str = ""    # module-level code a student added after the imports
    header: str = ""   # a comment line that makes each submission's content unique

    @classmethod
    def parse(cls, text: str) -> "Module":
        lines = text.splitlines(keepends=True)
        tree = ast.parse(text)
        segs: list[Segment] = []
        pos = 0  # next unassigned line index
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            end = node.end_lineno
            # Indented comments after the last statement (``### END SOLUTION``) belong to
            # the function, not to the gap after it.
            while end < len(lines) and re.match(r"[ \t]+#", lines[end]):
                end += 1
            if start > pos:
                segs.append(Segment("code", "", "".join(lines[pos:start])))
            segs.append(Segment("func", node.name, "".join(lines[start:end])))
            pos = end
        if pos < len(lines):
            segs.append(Segment("code", "", "".join(lines[pos:])))
        return cls(segs)

    def copy(self) -> "Module":
        return Module([Segment(s.kind, s.name, s.text) for s in self.segments], self.extra, self.header)

    def func(self, name: str) -> str:
        return next(s.text for s in self.segments if s.kind == "func" and s.name == name)

    def replace(self, name: str, text: str) -> None:
        for s in self.segments:
            if s.kind == "func" and s.name == name:
                s.text = text.rstrip("\n") + "\n"
                return
        raise KeyError(name)

    def func_names(self) -> list[str]:
        return [s.name for s in self.segments if s.kind == "func"]

    def imports(self) -> str:
        """The import lines of the module's code segments (read line by line, so that a
        student's syntax error elsewhere does not matter)."""
        out = []
        for s in self.segments:
            if s.kind == "code":
                out += [l for l in s.text.splitlines() if re.match(r"(import|from)\s+\w", l)]
        return "\n".join(out) + "\n"

    def module_text(self) -> str:
        text = "".join(s.text for s in self.segments)
        if self.extra:
            # after the last import line of the first code segment
            lines = text.splitlines(keepends=True)
            last_import = max((i for i, l in enumerate(lines) if re.match(r"(import|from)\s+\w", l)), default=-1)
            lines.insert(last_import + 1, "\n" + self.extra.rstrip("\n") + "\n")
            text = "".join(lines)
        return (self.header + text) if self.header else text

    def setup_cell(self) -> str:
        """The notebook's first code cell: imports, private helpers, a student's extra code."""
        parts = [self.imports()]
        parts += [s.text for s in self.segments if s.kind == "func" and s.name.startswith("_")]
        if self.extra:
            parts.append(self.extra.rstrip("\n") + "\n")
        return "\n\n\n".join(p.rstrip("\n") for p in parts) + "\n"


def load_reference() -> Module:
    return Module.parse(reference_path().read_text())


SOLUTION_RE = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n", re.M | re.S)


def stub(func_text: str) -> str:
    """What ``dlgrade sync`` / nbgrader release: the solution region becomes a stub."""
    return SOLUTION_RE.sub(lambda m: f"{m.group(1)}# YOUR CODE HERE\n{m.group(1)}raise NotImplementedError()\n",
                           func_text)


def strip_markers(func_text: str) -> str:
    return re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION\n", "", func_text, flags=re.M)


# --------------------------------------------------------------------------- notebooks

class _Cells:
    def __init__(self):
        self.cells = []

    def add(self, cell_type: str, source: str, metadata: dict | None = None, cid: str | None = None):
        cell = {"cell_type": cell_type, "id": cid or f"cell-{len(self.cells):03d}",
                "metadata": metadata or {}, "source": source.rstrip("\n")}
        if cell_type == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        self.cells.append(cell)

    def notebook(self) -> dict:
        return {
            "cells": self.cells,
            "metadata": {
                "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                "language_info": {"name": "python"},
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }


def write_notebook(nb: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


_PROMPTS: dict[str, str] = {}


def _prompt(name: str) -> str:
    """The markdown prompt above a function's cell: from the reference's docstring (never
    from a student's version, which may have another docstring or none)."""
    if not _PROMPTS:
        ref = load_reference()
        _PROMPTS.update({n: _summary(ref.func(n), n) for n in checks.FUNCTIONS})
    return _PROMPTS[name]


def _summary(func_text: str, name: str) -> str:
    try:
        node = ast.parse(strip_markers(func_text)).body[0]
        doc = ast.get_docstring(node) or ""
    except SyntaxError:
        doc = ""
    first = doc.strip().splitlines()[0] if doc.strip() else ""
    return f"### `{name}`\n\n{first}"


def _checks_for(question: str):
    return [(c, p) for q, c, p in checks.CHECKS if q == question]


def _nbg(grade_id: str, *, solution=False, grade=False, locked=False, points=None,
         release=False, cell_type="code") -> dict:
    md = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
          "solution": solution, "task": False}
    if points is not None:
        md["points"] = points
    if not release:
        return {"nbgrader": md}
    # what generate_assignment adds to the released copy (checksums aside)
    out = {"deletable": False}
    if locked:
        out["editable"] = False
    out["nbgrader"] = {"cell_type": cell_type, **md}
    return out


INTRO = ("# A04: Perceptron and logistic regression (benchmark edition)\n\n"
         "Columns are examples: X is (n_x, m), Y is (1, m), W is (1, n_x), b is (1, 1). "
         "Only numpy may be imported.")


def nbgrader_notebook(mod: Module, *, release: bool) -> dict:
    """release=False: the instructor's source notebook (solutions + hidden tests).
    release=True: the student's notebook as released and then filled with ``mod``'s code
    (hidden tests stripped, as ``generate_assignment`` does)."""
    c = _Cells()
    c.add("markdown", INTRO, _nbg("intro", locked=True, release=release, cell_type="markdown"), "intro")
    c.add("code", mod.setup_cell(), {}, "setup")
    for name in checks.FUNCTIONS:
        c.add("markdown", _prompt(name),
              _nbg(f"{name}-prompt", locked=True, release=release, cell_type="markdown"), f"{name}-prompt")
        c.add("code", mod.func(name), _nbg(name, solution=True, release=release), name)
        for check, points in _checks_for(name):
            if release:
                src = ""
            else:
                src = ("### BEGIN HIDDEN TESTS\n" + checks.check_source(check)
                       + checks.call_source(check) + "### END HIDDEN TESTS\n")
            c.add("code", src, _nbg(check.__name__, grade=True, locked=True, points=points, release=release),
                  check.__name__)
    return c.notebook()


OTTER_CONFIG = """# ASSIGNMENT CONFIG
name: a04
init_cell: false
check_all_cell: false
export_cell: false
run_tests: true
solutions_pdf: false
generate: true
tests:
  ok_format: false
  files: false
"""


def _otter_solution(func_text: str) -> str:
    return func_text.replace("### BEGIN SOLUTION", "# BEGIN SOLUTION").replace("### END SOLUTION", "# END SOLUTION")


def otter_master_notebook(mod: Module) -> dict:
    c = _Cells()
    c.add("raw", OTTER_CONFIG)
    c.add("markdown", INTRO)
    c.add("code", mod.setup_cell())
    for name in checks.FUNCTIONS:
        c.add("raw", f"# BEGIN QUESTION\nname: {name}\n")
        c.add("markdown", _prompt(name))
        c.add("raw", "# BEGIN SOLUTION\n")
        c.add("code", _otter_solution(mod.func(name)))
        c.add("raw", "# END SOLUTION\n")
        c.add("raw", "# BEGIN TESTS\n")
        for check, points in _checks_for(name):
            c.add("code", f'""" # BEGIN TEST CONFIG\npoints: {points}\nhidden: true\n""" # END TEST CONFIG\n'
                  + checks.check_source(check) + "\n" + checks.call_source(check))
        c.add("raw", "# END TESTS\n")
        c.add("raw", "# END QUESTION\n")
    return c.notebook()


def otter_student_notebook(mod: Module) -> dict:
    """The student notebook ``otter assign`` releases for the master above (init/check/export
    cells off, all tests hidden, so no grader.check cells and empty public test files in the
    metadata), filled with ``mod``'s code."""
    c = _Cells()
    c.add("markdown", INTRO)
    c.add("code", mod.setup_cell())
    for name in checks.FUNCTIONS:
        c.add("markdown", _prompt(name), {"deletable": False, "editable": False})
        c.add("code", strip_markers(mod.func(name)), {"otter": {"tests": [name]}, "tags": ["otter_answer_cell"]})
    nb = c.notebook()
    nb["metadata"]["otter"] = {
        "OK_FORMAT": False,
        "assignment_name": ASSIGNMENT,
        "tests": {name: ("from otter.test_files import test_case\n\nOK_FORMAT = False\n\n"
                         f'name = "{name}"\npoints = None\n\n')
                  for name in sorted(checks.FUNCTIONS)},
    }
    return nb


NBGRADER_CONFIG = '''c = get_config()  # noqa: F821 - injected by nbgrader

c.CourseDirectory.course_id = "dlgrade-bench"
# A hung cell (the benchmark's hostile submission) is interrupted after this many seconds.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}
'''


# --------------------------------------------------------------------------- dlgrade

DLGRADE_TEST = "test_equivalent.py"

DLGRADE_HEADER = '''"""The equivalent A04 checks in dlgrade's format (GENERATED by benchmarks/equivalent/build.py
from benchmarks/equivalent/checks.py; do not edit).

One pytest test per check, worth the check's points. Each check is copied verbatim (renamed
``check_*``, so that pytest does not collect it) and called in the trusted grading process
with ``np`` and the student's functions from the ``student`` fixture, which run in the
sandbox child. The benchmark installs this file as the hidden suite of a04 in a temporary
course root (``solutions/a04_nn_basics/tests/test_equivalent.py``).

``_function`` makes a sandboxed function behave like the notebook's, where the checks share
the student's interpreter:

* the arguments go to the child and back (``call_with_args``), and an argument array that
  the student changed in place is changed in the caller too, so ``check_optimize``'s "did
  not modify W" assertion means what it means in the nbgrader and otter notebooks;
* a call made inside ``np.errstate(...)`` (``check_sigmoid``'s overflow check) runs under
  the same ``np.errstate`` in the child, through a probe, as the course's own hidden tests
  do: the grading process's error state does not reach the sandbox by itself.
"""
import numpy as np
import pytest

_NUMPY_DEFAULT_ERR = np.geterr()


def _call_under_errstate(module, name, err, args, kwargs):
    import numpy as np

    with np.errstate(**err):
        value = getattr(module, name)(*args, **kwargs)
    return value, args, kwargs


def _write_back(sent, after):
    if (isinstance(sent, np.ndarray) and isinstance(after, np.ndarray) and sent.flags.writeable
            and sent.shape == after.shape and sent.dtype == after.dtype):
        np.copyto(sent, after)


def _function(student, name):
    def call(*args, **kwargs):
        err = np.geterr()
        if err != _NUMPY_DEFAULT_ERR:
            value, args_after, kwargs_after = student.probe(_call_under_errstate, name, err, list(args), kwargs)
        else:
            value, args_after, kwargs_after = student.call_with_args(name, *args, **kwargs)
        for sent, after in zip(args, args_after):
            _write_back(sent, after)
        for key, sent in kwargs.items():
            _write_back(sent, kwargs_after.get(key))
        return value
    call.__name__ = name
    return call
'''


def dlgrade_tests() -> str:
    """The hidden-test module that runs ``checks.CHECKS`` under dlgrade."""
    parts = [DLGRADE_HEADER]
    for _, check, points in checks.CHECKS:
        name = check.__name__
        helper = "check_" + name.removeprefix("test_")
        src = checks.check_source(check).replace(f"def {name}(", f"def {helper}(", 1)
        params = checks.check_params(check)
        args = ", ".join("np=np" if p == "np" else f"{p}=_function(student, {p!r})" for p in params)
        parts.append(src)
        parts.append(f"@pytest.mark.points({points})\ndef {name}(student):\n    {helper}({args})\n")
    return "\n\n".join(p.rstrip("\n") + "\n" for p in parts)


def write_course(root: Path, tests: str | None = None) -> Path:
    """A course root for ``DLGRADE_ROOT`` whose a04 runs ``tests`` (default: the equivalent
    checks) as its hidden suite: assignments/a04_nn_basics (config, stub, handout) copied
    from the repository, the reference and tests/test_equivalent.py under solutions/."""
    import shutil

    tests = dlgrade_tests() if tests is None else tests
    shutil.rmtree(root, ignore_errors=True)
    src = REPO / "assignments" / "a04_nn_basics"
    dst = root / "assignments" / "a04_nn_basics"
    dst.mkdir(parents=True)
    for name in ("assignment.toml", "nn_basics.py", "README.md"):
        if (src / name).exists():
            shutil.copy(src / name, dst / name)
    toml = (dst / "assignment.toml").read_text()
    (dst / "assignment.toml").write_text(re.sub(r"(?m)^total_points\s*=.*$", f"total_points = {checks.MAX_SCORE}", toml))
    sol = root / "solutions" / "a04_nn_basics"
    (sol / "tests").mkdir(parents=True)
    (sol / "nn_basics.py").write_text(reference_path().read_text())
    (sol / "tests" / DLGRADE_TEST).write_text(tests)
    return root


def write_committed(ref: Module | None = None) -> list[Path]:
    ref = ref or load_reference()
    out = [
        HERE / "nbgrader" / "source" / ASSIGNMENT / NOTEBOOK,
        HERE / "nbgrader" / "nbgrader_config.py",
        HERE / "otter" / NOTEBOOK,
        HERE / "dlgrade" / DLGRADE_TEST,
    ]
    write_notebook(nbgrader_notebook(ref, release=False), out[0])
    out[1].write_text(NBGRADER_CONFIG)
    write_notebook(otter_master_notebook(ref), out[2])
    out[3].parent.mkdir(parents=True, exist_ok=True)
    out[3].write_text(dlgrade_tests())
    return out


if __name__ == "__main__":
    print(f"reference: {reference_path().relative_to(REPO)}")
    for p in write_committed():
        print(f"wrote {p.relative_to(REPO)}")
