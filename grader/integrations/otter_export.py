"""otter-grader: ``dlgrade export otter aNN OUT`` writes an otter-assign master notebook.

``OUT/aNN.ipynb`` (otter-assign's v1 format: raw ``# BEGIN QUESTION`` / ``# BEGIN SOLUTION`` /
``# BEGIN TESTS`` delimiter cells) has one question per function to fill, whose solution cell is
the reference with otter's ``# BEGIN/END SOLUTION`` line markers, and one hidden test per dlgrade
hidden test (its points) that only calls ``dlgrade_otter.check(test_id)``: the test runs in
dlgrade's engine and sandbox, never in the notebook's kernel. ``OUT/dlgrade_otter.py`` and
``OUT/dlgrade_course/`` (the assignment with its solutions) are ``autograder_files``: they go into
the autograder zip only, not the student's notebook folder. ``OUT/tests/<question>.py`` are
otter test files (exception format) of the assignment's PUBLIC tests, one case per dlgrade public
test (its points) calling ``dlgrade_otter_public.check(env, [test_id])``; with
``OUT/dlgrade_otter_public.py`` and ``OUT/dlgrade_public/`` (the assignment's public folder, no
solutions) they are otter-assign ``files``: in the student's folder, where ``otter check`` and
``grader.check`` read ``tests/``, and inert under ``files/`` in the autograder, whose otter tests
stay the hidden ones only (otter's total is dlgrade's hidden grade). They are not otter tests of
the master notebook because otter assign resolves their points over the whole question: 0 there
would leave ``otter check`` 0 possible points (it divides by that). ``otter assign aNN.ipynb dist``
then builds the student notebook and the autograder zip.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from grader.course.assignment import Assignment
from grader.integrations import notebook as nbmod
from grader.integrations.tests_list import hidden_tests, public_tests, safe_id


def raw_cell(text: str, key: str) -> dict:
    return {"cell_type": "raw", "id": nbmod._cell_id("raw", key), "metadata": {}, "source": text.splitlines(True)}


def _otter_markers(source: str) -> str:
    return source.replace("### BEGIN SOLUTION", "# BEGIN SOLUTION").replace("### END SOLUTION", "# END SOLUTION")


def _by_question(tests: list[dict], names: list[str]) -> dict[str, list[dict]]:
    """Each test goes with the last function it calls (that question's cell defines it)."""
    rank = {n: i for i, n in enumerate(names)}
    by_fn: dict[str, list[dict]] = {n: [] for n in names}
    for t in tests:
        used = [f.split(".")[-1].split("(")[0] for f in t["functions"]]
        used = [u for u in used if u in rank] or [n for n in names if n in t["id"].split("::")[-1]]
        by_fn[max(used, key=rank.__getitem__) if used else names[-1]].append(t)
    return by_fn


def _test_case(t: dict, hidden: bool) -> str:
    """One otter exception-based test case (its code cell in the master notebook, or its lines in a
    test file) delegating dlgrade test ``t`` to dlgrade: hidden tests to the grading helper, public
    ones to the check helper, which receives the kernel's globals (otter's ``env`` parameter)."""
    fn = "test_" + safe_id(t["id"]).replace("-", "_")
    if hidden:
        return (f'""" # BEGIN TEST CONFIG\npoints: {t["max_points"]:g}\nhidden: true\n""" # END TEST CONFIG\n'
                f"def {fn}():\n    import dlgrade_otter  # grades with dlgrade's engine, in its sandbox\n"
                f"    dlgrade_otter.check({json.dumps(t['id'])})\n")
    return (f"@test_case(points={t['max_points']:g}, hidden=False)\n"
            f"def {fn}(env):\n    import dlgrade_otter_public  # dlgrade check's public test, on this kernel's code\n"
            f"    dlgrade_otter_public.check(env, [{json.dumps(t['id'])}])\n")


def public_test_files(a: Assignment, public: list[dict]) -> dict[str, str]:
    """{question: otter test file text} of the public tests (questions without one get no file)."""
    names = [s.name for s in nbmod.segments_for(a, "marked") if s.to_fill]
    files = {}
    for q, tests in _by_question(public, names).items():
        if tests:
            cases = "\n\n".join(_test_case(t, hidden=False) for t in tests)
            files[q] = (f"from otter.test_files import test_case\n\nOK_FORMAT = False\n\nname = {json.dumps(q)}\n"
                        f"points = None\n\n{cases}")
    return files


def master_notebook(a: Assignment, tests: list[dict]) -> dict:
    config = "\n".join([
        "# ASSIGNMENT CONFIG", f"name: {a.id}", "init_cell: false", "check_all_cell: false", "export_cell: false",
        "run_tests: false", "solutions_pdf: false", "generate: true",
        "files:", "  - dlgrade_otter_public.py", "  - dlgrade_public", "  - tests",
        "autograder_files:", "  - dlgrade_otter.py", "  - dlgrade_course",
        "tests:", "  ok_format: false", "  files: false"])
    handout = (a.student_dir / "README.md").read_text(encoding="utf-8")
    cells = [raw_cell(config, "config"), nbmod.markdown_cell(handout, "handout")]
    segs = nbmod.segments_for(a, "marked")
    names = [s.name for s in segs if s.to_fill]
    by_fn = _by_question(tests, names)
    for seg in segs:
        if not seg.to_fill:
            cells.append(nbmod.code_cell(seg.source, seg.name))
            continue
        cells.append(raw_cell(f"# BEGIN QUESTION\nname: {seg.name}", f"q-{seg.name}"))
        cells.append(raw_cell("# BEGIN SOLUTION", f"s-{seg.name}"))
        cells.append(nbmod.code_cell(_otter_markers(seg.source), seg.name))
        cells.append(raw_cell("# END SOLUTION", f"es-{seg.name}"))
        if by_fn[seg.name]:
            cells.append(raw_cell("# BEGIN TESTS", f"t-{seg.name}"))
            for t in by_fn[seg.name]:
                cells.append(nbmod.code_cell(_test_case(t, hidden=True), f"test-{t['id']}"))
            cells.append(raw_cell("# END TESTS", f"et-{seg.name}"))
        cells.append(raw_cell("# END QUESTION", f"eq-{seg.name}"))
    return nbmod.new_notebook(cells)


def export_otter(a: Assignment, out_dir: Path, isolation: str = "auto", secret: str = "") -> Path:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tests, public = hidden_tests(a, isolation), public_tests(a, isolation)
    path = nbmod.write_notebook(master_notebook(a, tests), out_dir / f"{a.id}.ipynb")
    shutil.rmtree(out_dir / "tests", ignore_errors=True)
    (out_dir / "tests").mkdir()
    for q, text in public_test_files(a, public).items():
        (out_dir / "tests" / f"{q}.py").write_text(text, encoding="utf-8")
    for src, dest in (("otter_hidden.py", "dlgrade_otter.py"), ("otter_public.py", "dlgrade_otter_public.py")):
        helper = Path(__file__).with_name(src).read_text(encoding="utf-8")
        helper = (helper.replace('"{assignment}"', json.dumps(a.id)).replace('"{isolation}"', json.dumps(isolation))
                  .replace('"{secret}"', json.dumps(secret)))
        (out_dir / dest).write_text(helper, encoding="utf-8")
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc")
    for name, with_solutions in (("dlgrade_course", True), ("dlgrade_public", False)):
        course = out_dir / name
        shutil.rmtree(course, ignore_errors=True)
        shutil.copytree(a.student_dir, course / "assignments" / a.slug, ignore=ignore)  # public: handout, stub, tests
        if with_solutions:  # the autograder's copy only: hidden tests and the reference
            shutil.copytree(a.solution_dir, course / "solutions" / a.slug, ignore=ignore)
        conventions = a.root / "assignments" / "CONVENTIONS.md"
        if conventions.is_file():
            shutil.copy(conventions, course / "assignments" / "CONVENTIONS.md")
    return path
