"""The engine hash follows the folder rule of grader/batch/keys.py.

Editing grading code must change the hash (stored grades are then regraded); editing the CLI,
batch orchestration, reports, course tooling or the integrations must not. And the rule must stay
true: grading code may import from those folders only the modules the hash includes anyway.
"""
from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

import grader
from grader.batch import keys

PKG = Path(grader.__file__).resolve().parent


@pytest.fixture()
def pkg_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "grader"
    shutil.copytree(PKG, dst, ignore=shutil.ignore_patterns("__pycache__"))
    return dst


def _append(path: Path) -> None:
    path.write_text(path.read_text() + "\n# edited\n")


def test_the_hash_of_the_installed_package_is_the_engine_hash() -> None:
    assert keys.engine_hash_of(PKG) == keys.engine_hash()


@pytest.mark.parametrize("rel", ["sandbox/child.py", "grading/runner.py", "plugin.py",
                                 "checks.py", "course/assignment.py", "reports/figures.py"])
def test_editing_grading_code_changes_the_hash(pkg_copy: Path, rel: str) -> None:
    before = keys.engine_hash_of(pkg_copy)
    _append(pkg_copy / rel)
    assert keys.engine_hash_of(pkg_copy) != before


@pytest.mark.parametrize("rel", ["cli.py", "batch/coordinator.py", "reports/feedback.py",
                                 "course/validate.py", "integrations/gradescope.py"])
def test_editing_other_code_keeps_the_hash(pkg_copy: Path, rel: str) -> None:
    before = keys.engine_hash_of(pkg_copy)
    _append(pkg_copy / rel)
    assert keys.engine_hash_of(pkg_copy) == before


def test_a_new_module_is_grading_code_by_default(pkg_copy: Path) -> None:
    before = keys.engine_hash_of(pkg_copy)
    (pkg_copy / "sandbox" / "new_part.py").write_text("X = 1\n")
    assert keys.engine_hash_of(pkg_copy) != before


def _grader_imports(source: Path) -> set[str]:
    """The grader.* module names that `source` imports (absolute imports; the package uses no others)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("grader."):
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("grader."))
    return names


def test_grading_code_imports_only_hashed_modules() -> None:
    """A grading module importing e.g. grader.reports.feedback would make grades depend on code
    whose edits never regrade: add it to _ALSO_GRADING_CODE (or move it)."""
    outside: dict[str, set[str]] = {}
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG)
        is_grading = rel.parts[0] not in keys._NOT_GRADING_CODE or rel.as_posix() in keys._ALSO_GRADING_CODE
        if not is_grading:
            continue
        for module in _grader_imports(path):
            parts = module.split(".")[1:]
            target = "/".join(parts) + ".py"
            if parts and parts[0] in keys._NOT_GRADING_CODE and target not in keys._ALSO_GRADING_CODE:
                outside.setdefault(rel.as_posix(), set()).add(module)
    assert outside == {}, f"grading code imports modules outside the engine hash: {outside}"
    # The check looked at real imports: the known ones are seen.
    assert "grader.course.assignment" in _grader_imports(PKG / "plugin.py")
