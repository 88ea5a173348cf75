"""Runs in the student's Jupyter kernel (standard library only): otter's public tests run dlgrade's.

``dlgrade export otter`` ships this file as ``dlgrade_otter_public.py``, with ``dlgrade_public/``
(the assignment's public folder: handout, stub and ``tests/test_public.py``; no solutions, no
hidden tests), as otter-assign ``files``: they are in the student's folder and in the autograder.
Each otter public test (0 points) calls :func:`check` with the kernel's global environment
(otter passes it to a test parameter named ``env``) and the dlgrade public test ids of its
question. The code the kernel ran (IPython's raw input history: under ``otter check`` the
notebook's cells in order) becomes a notebook, which ``dlgrade check`` grades with the public
tests exactly as ``dlgrade check aNN notebook.ipynb`` does (its engine and sandbox); the result is
cached per distinct code. otter's own statements (``import otter``, ``grader.check(...)``, the cells
otter injects) and cells that do not parse are left out; a cell that raised when it ran stays in,
so after fixing one, restart the kernel and run all before ``grader.check``.
``$DLGRADE_OTTER_DLGRADE`` names the ``dlgrade`` executable (default: the one on PATH).
"""
import ast
import hashlib
import json
import os
import re
import subprocess
import tempfile

ASSIGNMENT = "{assignment}"
ISOLATION = "{isolation}"
COURSE = "dlgrade_public"
_MAGIC = re.compile(r"^(\s*)(%|!)")
_RESULTS: dict = {}


def _masked(cell: str) -> str:
    """The cell with IPython magics and shell lines as ``pass`` (same lines), for parsing only."""
    return "\n".join(_MAGIC.sub(r"\1pass  # ", line) for line in cell.split("\n"))


def _names(node: ast.AST) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _bound(node: ast.stmt) -> set:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _is_otter_import(node: ast.stmt) -> bool:
    if isinstance(node, ast.Import):
        return any(a.name.split(".")[0] == "otter" for a in node.names)
    return isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "otter"


def student_cells(history: list) -> list:
    """The cells of ``history`` (raw sources, in the order they ran) as dlgrade should see them:
    statements that import otter or use a name bound through it are dropped (line by line, the
    rest of the cell stays), cell magics and cells that do not parse are dropped."""
    tainted = {"otter"}
    cells = []
    for cell in history:
        if not isinstance(cell, str) or not cell.strip() or cell.lstrip().startswith("%%"):
            continue
        try:
            tree = ast.parse(_masked(cell))
        except SyntaxError:  # it never ran, so it defined nothing
            continue
        lines = cell.split("\n")
        drop: set = set()
        for node in tree.body:
            if _is_otter_import(node) or _names(node) & tainted:
                tainted |= _bound(node)
                drop.update(range(node.lineno - 1, (node.end_lineno or node.lineno)))
        kept = "\n".join(line for i, line in enumerate(lines) if i not in drop)
        if kept.strip():
            cells.append(kept)
    return cells


def _history(env: dict) -> list:
    get_ipython = env.get("get_ipython")
    shell = get_ipython() if callable(get_ipython) else None
    if shell is None or not hasattr(shell, "history_manager"):
        raise RuntimeError("dlgrade's public checks read the notebook's code from Jupyter: run them with "
                           "`otter check` or grader.check(...) in the notebook")
    return list(shell.history_manager.input_hist_raw)


def _grade(cells: list) -> dict:
    here = os.path.dirname(os.path.abspath(__file__))
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c}
                    for c in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    with tempfile.TemporaryDirectory(prefix="dlgrade-otter-check-") as work:
        path, out = os.path.join(work, "notebook.ipynb"), os.path.join(work, "public.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(nb, f)
        env = dict(os.environ, DLGRADE_ROOT=os.path.join(here, COURSE))
        proc = subprocess.run([os.environ.get("DLGRADE_OTTER_DLGRADE", "dlgrade"), "check", ASSIGNMENT, path,
                               "--json", out, "--isolation", ISOLATION], env=env, capture_output=True, text=True,
                              cwd=work)
        if not os.path.exists(out):
            raise RuntimeError(f"dlgrade check failed ({proc.returncode}): {(proc.stderr or proc.stdout)[-1500:]}")
        with open(out, encoding="utf-8") as f:
            return json.load(f)


def check(env: dict, test_ids: list) -> None:
    """Passes when every dlgrade public test in ``test_ids`` passed on the kernel's code; else fails
    with each failing test's message (dlgrade's own)."""
    cells = student_cells(_history(env))
    key = hashlib.sha256(json.dumps(cells).encode("utf-8")).hexdigest()
    if key not in _RESULTS:
        _RESULTS[key] = _grade(cells)
    result = _RESULTS[key]
    tests = {t["id"]: t for t in result.get("tests", [])}
    failed = []
    for test_id in test_ids:
        t = tests.get(test_id)
        if t is None:
            failed.append(f"{test_id}: not run ({result.get('error') or 'the notebook could not be checked'})")
        elif t["status"] != "pass":
            failed.append(f"{test_id.split('::')[-1]}: {t.get('message') or t['status']}")
    if failed:
        raise AssertionError("\n".join(failed))
