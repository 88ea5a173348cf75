"""``dlgrade release aNN``: the student bundle of one assignment.

The zip holds the assignment folder (generated stub, handout, public tests, provided files),
the public engine (the ``grader`` package: students run ``dlgrade check`` with the same
engine), the course data and a minimal ``pyproject.toml``. It never holds ``solutions/``:
the build refuses to finish if any file with a solution marker or from solutions/ slipped in.
"""
from __future__ import annotations

import json
import tomllib
import zipfile
from pathlib import Path

from grader.course.assignment import Assignment
from grader.course.sync import BEGIN, sync

EXCLUDE_PARTS = {"__pycache__", ".pytest_cache"}


def _files(folder: Path):
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not (EXCLUDE_PARTS & set(p.parts)) and not p.name.endswith(".pyc"):
            yield p


def build_release(a: Assignment, out_dir: Path) -> Path:
    stale = sync(a.root, [a.slug], check=True)
    if stale:
        raise RuntimeError(f"stubs are out of sync with the solutions ({'; '.join(stale)}); run `dlgrade sync`")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{a.slug}.zip"
    prefix = a.slug
    entries: list[tuple[Path, str]] = []
    for p in _files(a.student_dir):
        entries.append((p, f"{prefix}/assignments/{a.slug}/{p.relative_to(a.student_dir).as_posix()}"))
    conventions = a.root / "assignments" / "CONVENTIONS.md"  # what the stubs cite as "CONVENTIONS §n"
    if conventions.is_file():
        entries.append((conventions, f"{prefix}/assignments/CONVENTIONS.md"))
    grader_dir = a.root / "grader"
    for p in _files(grader_dir):
        entries.append((p, f"{prefix}/grader/{p.relative_to(grader_dir).as_posix()}"))
    for p in _files(a.root / "datasets"):
        entries.append((p, f"{prefix}/datasets/{p.relative_to(a.root / 'datasets').as_posix()}"))
    solutions = (a.root / "solutions").resolve()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path, name in entries:
            if solutions in path.resolve().parents:
                raise RuntimeError(f"{path} is part of solutions/ and must not be released")
            data = path.read_bytes()
            if path.suffix in (".py", ".ipynb") and any(BEGIN.match(line) for line in
                                                        data.decode("utf-8", "replace").splitlines()):
                raise RuntimeError(f"{path} still contains a solution block")
            zf.writestr(name, data)
        zf.writestr(f"{prefix}/README.md", _readme(a))
        zf.writestr(f"{prefix}/pyproject.toml", student_pyproject(a))
    return target


def _readme(a: Assignment) -> str:
    return (f"# {a.title}\n\nInstall once: `python3 -m venv .venv && . .venv/bin/activate && pip install -e .`\n\n"
            f"Then edit `assignments/{a.slug}/{a.submit[0]}` and run `dlgrade check {a.id}` until every public "
            f"test passes. The handout is `assignments/{a.slug}/README.md`. Submit: {', '.join(a.submit)}.\n")


def _needs_torch(a: Assignment) -> bool:
    return not a.numpy_only or "torch" in a.allowed_imports


def student_pyproject(a: Assignment) -> str:
    """The bundle's ``pyproject.toml``: the course's, with only what this assignment needs.

    A numpy-only assignment does not install torch (hundreds of MB for nothing), and the
    course's optional extras (cluster, nbgrader, otter, tests) stay out of the bundle.
    """
    course = tomllib.loads((a.root / "pyproject.toml").read_text(encoding="utf-8"))
    project = course["project"]
    deps = [d for d in project["dependencies"] if _needs_torch(a) or not d.replace(" ", "").startswith("torch")]
    version = project.get("version")
    if version is None:
        from grader import __version__ as version
    dep_lines = "".join(f"    {json.dumps(d)},\n" for d in deps)
    return (f'[build-system]\nrequires = {json.dumps(course["build-system"]["requires"])}\n'
            + 'build-backend = "setuptools.build_meta"\n\n'
            + f'[project]\nname = "dlgrade-{a.slug.replace("_", "-")}"\nversion = "{version}"\n'
            + f'description = "{a.title} — student bundle"\nrequires-python = "{project["requires-python"]}"\n'
            + f"dependencies = [\n{dep_lines}]\n\n"
            + '[project.scripts]\ndlgrade = "grader.cli:main"\n\n'
            + '[tool.setuptools.packages.find]\ninclude = ["grader*"]\n\n'
            + '[tool.setuptools.package-data]\n"grader.grading" = ["*.ini"]\n')
