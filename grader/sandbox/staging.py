"""Copies a submission into a private directory that the sandbox child may see.

Only regular files are copied (no links, devices or FIFOs), each size-capped; names that
would shadow the interpreter's or the grader's own modules are refused with a message.
"""
from __future__ import annotations

import os
import shutil
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from grader.grading import scratch

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 20 * 1024 * 1024
MAX_FILES = 200

# Modules that a file in the submission must never shadow: the interpreter's start-up hooks,
# the libraries the child imports, and pytest's configuration files.
RESERVED_MODULES = {
    "sitecustomize", "usercustomize", "conftest", "numpy", "torch", "grader", "pytest", "_pytest",
    "scipy", "sklearn", "typing_extensions", "pluggy", "jax", "tensorflow", "autograd",
}


@dataclass
class StagedSubmission:
    path: Path
    files: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # messages for the student
    missing: list = field(default_factory=list)
    owned: bool = True  # False: a warm-start slot that outlives this submission

    def cleanup(self) -> None:
        if self.owned:
            shutil.rmtree(self.path.parent, ignore_errors=True)
        else:
            empty_folder(self.path)


def empty_folder(path: Path) -> None:
    for entry in Path(path).iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def reserved_reason(relpath: str) -> str | None:
    name = os.path.basename(relpath)
    stem, ext = os.path.splitext(name)
    if ext == ".pth":
        return f"{relpath}: .pth files run code at interpreter start-up and are not accepted"
    if ext in (".py", ".pyc", ".so", "") and (stem in RESERVED_MODULES or stem in sys.stdlib_module_names):
        return f"{relpath}: the name '{stem}' would shadow the module '{stem}' and is not accepted; rename it"
    if name in ("pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml"):
        return f"{relpath}: test-runner configuration files are not accepted"
    return None


def stage_submission(source: Path, required: list[str], provided: dict[str, Path] | None = None,
                     only_required: bool = False, dest: Path | None = None) -> StagedSubmission:
    """Copies ``source`` into ``<private tmp>/submission``.

    Args:
        source: a submission folder.
        required: file names the assignment expects (e.g. ["nn_basics.py"]).
        provided: files the course ships next to the submission (copied last, so a student's
            own ``provided.py`` is replaced by the course's).
        only_required: copy the required files only (other files are ignored, not refused).
        dest: an existing folder to stage into (a warm-start slot); emptied first.
    """
    if dest is None:
        root = scratch.mkdtemp("dlgrade-sub-")
        dest = root / "submission"
        dest.mkdir()
        staged = StagedSubmission(path=dest)
    else:
        empty_folder(dest)
        staged = StagedSubmission(path=dest, owned=False)
    total = 0
    provided = provided or {}
    source = Path(source)
    candidates = []
    if source.is_file():  # a single-file submission, e.g. nn_basics.py itself
        candidates.append(source)
        source = source.parent
    elif source.is_dir():
        for dirpath, dirnames, filenames in os.walk(source, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__pycache__")))
            for fn in sorted(filenames):
                candidates.append(Path(dirpath) / fn)
    for path in candidates:
        rel = path.relative_to(source).as_posix()
        if rel.startswith(".") or "/." in rel or rel.endswith(".pyc"):
            continue
        if only_required and rel not in required:
            continue
        if rel in provided:
            continue
        if len(staged.files) >= MAX_FILES:
            staged.problems.append(f"more than {MAX_FILES} files: the rest were ignored")
            break
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            staged.problems.append(f"{rel}: not a regular file (link, device or pipe); ignored")
            continue
        reason = reserved_reason(rel)
        if reason:
            staged.problems.append(reason)
            continue
        if st.st_size > MAX_FILE_BYTES:
            staged.problems.append(f"{rel}: {st.st_size} bytes is over the {MAX_FILE_BYTES}-byte limit; ignored")
            continue
        if total + st.st_size > MAX_TOTAL_BYTES:
            staged.problems.append(f"{rel}: the submission exceeds {MAX_TOTAL_BYTES} bytes; ignored")
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "rb") as fsrc, open(target, "wb") as fdst:
            shutil.copyfileobj(fsrc, fdst)
        total += st.st_size
        staged.files.append(rel)
    for name, path in provided.items():
        shutil.copyfile(path, dest / name)
    staged.missing = [r for r in required if r not in staged.files]
    for r in staged.missing:
        staged.problems.append(f"{r}: required file is missing from the submission")
    return staged
