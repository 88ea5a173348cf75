"""Where the grader keeps its temporary files: one folder per grading command.

Every temporary file of a command (the zygote's slot, staged submissions, a test run's
result lines, a child's stderr, unpacked zips) lives under
``<tmp>/dlgrade-run-<pid>-<random>/``, where ``pid`` is the process that made the folder;
processes it forks (pool workers, grading workers) use the same folder. A normal exit
removes it. A killed batch (SIGKILL, out of memory, a reboot) cannot, so every new command
first removes the run folders whose process is gone (:func:`sweep_stale`). Nothing in here
is a result: results live only in the gradebook and the ``--json`` document.
"""
from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from pathlib import Path

PREFIX = "dlgrade-run-"
_NAME = re.compile(rf"{PREFIX}(\d+)-")
_root: Path | None = None


def run_root() -> Path:
    """This command's scratch folder, made on first use (and again if someone removed it)."""
    global _root
    if _root is None or not _root.is_dir():
        _root = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
        atexit.register(_remove, _root, os.getpid())
    return _root


def _remove(root: Path, owner: int) -> None:
    if os.getpid() == owner:  # a forked process that runs atexit handlers must not remove it
        shutil.rmtree(root, ignore_errors=True)


def mkdtemp(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix, dir=run_root()))


def mkstemp(prefix: str, suffix: str = "") -> tuple[int, str]:
    return tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=run_root())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def sweep_stale(base: Path | None = None) -> int:
    """Removes the run folders (in ``base``, default the temp dir) whose process is gone;
    returns how many. A folder whose pid was reused by a live process is left alone."""
    base = Path(base or tempfile.gettempdir())
    removed = 0
    try:
        entries = list(os.scandir(base))
    except OSError:
        return 0
    for entry in entries:
        m = _NAME.match(entry.name)
        if m is None or not entry.is_dir(follow_symlinks=False) or _alive(int(m.group(1))):
            continue
        if entry.stat(follow_symlinks=False).st_uid != os.getuid():
            continue  # not ours to remove
        shutil.rmtree(entry.path, ignore_errors=True)
        removed += 1
    return removed
