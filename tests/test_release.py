"""The student bundle holds the stub, handout, public tests, engine and data, and no solution."""
from __future__ import annotations

import zipfile
from pathlib import Path

from grader.course import assignment as assignment_mod
from grader.course.release import build_release

ROOT = Path(__file__).resolve().parent.parent


def test_release_bundle_has_no_solutions(tmp_path):
    a = assignment_mod.load("a04", ROOT)
    path = build_release(a, tmp_path)
    names = zipfile.ZipFile(path).namelist()
    assert "a04_nn_basics/assignments/a04_nn_basics/nn_basics.py" in names
    assert "a04_nn_basics/assignments/a04_nn_basics/tests/test_public.py" in names
    assert "a04_nn_basics/grader/sandbox/child.py" in names
    assert any(n.startswith("a04_nn_basics/datasets/") for n in names)
    assert not any("solutions" in n or "/mutants/" in n for n in names)
    assert "a04_nn_basics/assignments/CONVENTIONS.md" in names
    stub = zipfile.ZipFile(path).read("a04_nn_basics/assignments/a04_nn_basics/nn_basics.py").decode()
    reference = (ROOT / "solutions/a04_nn_basics/nn_basics.py").read_text()
    assert "raise NotImplementedError" in stub and stub != reference


def test_bundle_installs_only_what_its_assignment_needs(tmp_path):
    import tomllib

    def deps(key):
        a = assignment_mod.load(key, ROOT)
        text = zipfile.ZipFile(build_release(a, tmp_path / key)).read(f"{a.slug}/pyproject.toml").decode()
        return [d.split(">")[0].split("<")[0].split("=")[0].split(";")[0].strip()
                for d in tomllib.loads(text)["project"]["dependencies"]]

    numpy_only = deps("a04")
    assert "numpy" in numpy_only and "pytest" in numpy_only and "torch" not in numpy_only
    assert "torch" in deps("a07")  # TorchAdam is written with torch


def test_student_material_cites_only_what_the_bundle_holds():
    """Stubs and handouts cite the course conventions shipped in the bundle, never the
    instructors' specification or design notes, which students do not get."""
    offenders = []
    for p in sorted((ROOT / "assignments").rglob("*")):
        if p.is_file() and p.suffix in (".py", ".md", ".toml") and "__pycache__" not in p.parts:
            text = p.read_text(encoding="utf-8")
            for word in ("CURRICULUM", "DESIGN.md", "shared/"):
                if word in text:
                    offenders.append(f"{p.relative_to(ROOT)}: {word}")
    assert not offenders, "\n".join(offenders)
