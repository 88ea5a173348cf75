"""Gradescope: ``dlgrade export gradescope aNN OUT`` builds ``OUT/autograder.zip``.

Gradescope unzips the archive into ``/autograder/source``, runs ``setup.sh`` once when it builds
the image, then ``/autograder/run_autograder`` (a copy of ours) for every submission, which must
write ``/autograder/results/results.json``. The zip holds:

    setup.sh, run_autograder      the two scripts Gradescope calls
    dlgrade-<version>-*.whl       the engine, installed by setup.sh (numpy etc. come from the index)
    course/                       assignments/aNN_slug (public tests, handout), solutions/aNN_slug
                                  (reference, hidden tests: never sent to students), assignments/CONVENTIONS.md
    dlgrade-autograder.json       {assignment, visibility, isolation, secret}

``run_autograder`` calls ``python3 -m grader.integrations.gradescope run``: it grades the one
submission in ``$ROOT/submission`` (the module, or a notebook) with dlgrade's engine, sandbox
included, and writes Gradescope's schema (``tests[]`` with name, score, max_score, output,
visibility; ``execution_time``; ``stdout_visibility``). ``$DLGRADE_AUTOGRADER_ROOT`` replaces
``/autograder`` (tests run it against a temporary root laid out the same way).
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from grader.course.assignment import Assignment

CONFIG = "dlgrade-autograder.json"
ROOT_ENV = "DLGRADE_AUTOGRADER_ROOT"

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once while building the autograder image (Ubuntu, as root).
set -euo pipefail
cd "${DLGRADE_AUTOGRADER_ROOT:-/autograder}/source"
apt-get install -y -q python3-pip python3-venv >/dev/null 2>&1 || true
# The engine from the wheel in this zip; its dependencies (numpy, pytest, click, rich, and torch
# capped below 2.14) from the package index. The CPU index keeps pip off the CUDA builds of torch.
python3 -m pip install --break-system-packages --extra-index-url https://download.pytorch.org/whl/cpu \\
    ./dlgrade-*.whl 2>/dev/null \\
  || python3 -m pip install --extra-index-url https://download.pytorch.org/whl/cpu ./dlgrade-*.whl
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade $ROOT/submission into $ROOT/results/results.json.
set -uo pipefail
ROOT="${DLGRADE_AUTOGRADER_ROOT:-/autograder}"
PYTHON="${DLGRADE_AUTOGRADER_PYTHON:-python3}"
export DLGRADE_AUTOGRADER_ROOT="$ROOT"
exec "$PYTHON" -m grader.integrations.gradescope run
"""


def build_wheel(repo: Path, out: Path) -> Path:
    """The engine's wheel (no dependencies bundled)."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(repo)], check=True, capture_output=True, text=True)
    wheels = sorted(out.glob("dlgrade-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one dlgrade wheel in {out}, found {[w.name for w in wheels]}")
    return wheels[0]


def _tree(folder: Path):
    for p in sorted(folder.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts:
            yield p


def build_autograder(a: Assignment, out_dir: Path, visibility: str = "after_published",
                     isolation: str = "auto", secret: str = "", wheel: Path | None = None) -> Path:
    """``OUT/autograder.zip`` for assignment ``a`` (see the module docstring)."""
    from grader.reports.exports import GRADESCOPE_VISIBILITY

    if visibility not in GRADESCOPE_VISIBILITY:
        raise ValueError(f"visibility must be one of {', '.join(GRADESCOPE_VISIBILITY)}")
    if not a.has_solutions:
        raise RuntimeError(f"{a.solution_dir} is missing: the autograder needs the hidden tests")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dlgrade-gs-") as tmp:
        wheel = wheel or build_wheel(a.root, Path(tmp))
        target = out_dir / "autograder.zip"
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, text in (("setup.sh", SETUP_SH), ("run_autograder", RUN_AUTOGRADER)):
                info = zipfile.ZipInfo(name)
                info.external_attr = 0o755 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, text)
            zf.write(wheel, wheel.name)
            cfg = {"assignment": a.id, "visibility": visibility, "isolation": isolation, "secret": secret}
            zf.writestr(CONFIG, json.dumps(cfg, indent=2) + "\n")
            for folder, rel in ((a.student_dir, f"assignments/{a.slug}"), (a.solution_dir, f"solutions/{a.slug}")):
                for p in _tree(folder):
                    zf.write(p, f"course/{rel}/{p.relative_to(folder).as_posix()}")
            conventions = a.root / "assignments" / "CONVENTIONS.md"
            if conventions.is_file():
                zf.write(conventions, "course/assignments/CONVENTIONS.md")
    return target


def _submission_folder(a: Assignment, sub: Path) -> Path:
    """The folder to grade: the submission itself, or a notebook's code cells as the module."""
    if any((sub / n).is_file() for n in a.submit):
        return sub
    notebooks = sorted(sub.rglob("*.ipynb"))
    modules = sorted(sub.rglob(a.submit[0]))
    if modules:
        return modules[0].parent
    if notebooks:
        from grader.integrations.notebook import notebook_as_folder

        return notebook_as_folder(a, notebooks[0])
    return sub  # graded as is: every test then fails with the engine's "file not found" message


def _student_id(root: Path) -> str:
    try:
        meta = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
        users = meta.get("users") or []
        return str(users[0].get("email") or users[0].get("name") or meta.get("id") or "submission")
    except (OSError, ValueError, AttributeError, IndexError, TypeError):
        return "submission"


def run(root: Path) -> dict:
    """Grades ``root/submission`` and writes ``root/results/results.json``; returns that document.

    ``execution_time`` is this run's wall time in whole seconds, rounded up (start-up, staging and
    the sandbox included: what Gradescope's timeout counts), not the child's share alone."""
    started = time.monotonic()
    from grader.course import assignment as assignment_mod
    from grader.grading.runner import GradeOptions
    from grader.reports.exports import gradescope_results

    source = root / "source"
    cfg = json.loads((source / CONFIG).read_text(encoding="utf-8"))
    results_path = root / "results" / "results.json"
    results_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        a = assignment_mod.load(cfg["assignment"], source / "course")
        from grader.batch.coordinator import grade_batch

        folder = _submission_folder(a, root / "submission")
        with tempfile.TemporaryDirectory(prefix="dlgrade-gs-book-") as tmp:
            opts = GradeOptions(secret=cfg.get("secret") or "gradescope", isolation=cfg.get("isolation", "auto"),
                                hide=(str(source), str(root / "results")))
            results = grade_batch(a, folder, opts, workers=1, gradebook=Path(tmp) / "book.sqlite")
        if len(results) != 1:
            raise RuntimeError(f"expected one submission, found {len(results)}")
        result = dict(results[0], id=_student_id(root))
        doc = gradescope_results(result, cfg.get("visibility", "after_published"), seconds=time.monotonic() - started)
        if result.get("status") == "infra_error":  # never a silent 0: Gradescope shows it to staff
            doc["output"] = "infrastructure error (not the student's fault): " + str(result.get("error"))
    except Exception as exc:  # noqa: BLE001 - Gradescope needs a results file whatever happened
        doc = {"score": 0.0, "execution_time": math.ceil(time.monotonic() - started), "visibility": "visible",
               "stdout_visibility": "hidden",
               "output": f"the autograder failed (not the student's fault; staff have been told): "
                         f"{type(exc).__name__}: {exc}", "tests": []}
    tmp_path = results_path.with_suffix(".tmp")
    tmp_path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp_path, results_path)
    return doc


def main(argv: list[str]) -> int:
    if argv[:1] != ["run"]:
        print("usage: python -m grader.integrations.gradescope run   (root: $DLGRADE_AUTOGRADER_ROOT or /autograder)",
              file=sys.stderr)
        return 2
    doc = run(Path(os.environ.get(ROOT_ENV, "/autograder")))
    print(f"score {doc['score']:g}; {len(doc['tests'])} tests")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


__all__ = ["build_autograder", "run"]
