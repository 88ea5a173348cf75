"""What A04's hostile examples try to do outside their sandbox, recorded on the host around the grading run.

hostile_background_process starts a shell that, 3 s later, writes marker files tagged ``BG_TAG``;
hostile_fake_results writes fake results files tagged ``FAKE_TAG`` wherever a grader might read them.
``host_watch`` snapshots those places (and the trees under examples/ and solutions/) before the run and
fills its dict after it; tests/test_a04_examples.py asserts that nothing escaped.
"""
from __future__ import annotations

import hashlib
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "submissions" / "a04"
SOLUTIONS = ROOT / "solutions" / "a04_nn_basics"

BG_TAG = "dlgrade-a04-bg-marker"          # hostile_background_process
FAKE_TAG = "FAKE-A04-RESULTS"             # hostile_fake_results
FAKE_NAMES = ("results.json", "results_a04.json", "gradebook.sqlite", "gradebook.csv", "a04.json")


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def _ancestors(d: Path) -> list[Path]:
    out = [d]
    while d.parent != d:
        d = d.parent
        out.append(d)
    return out


def fake_result_dirs(cwd: Path) -> list[Path]:
    """Every host directory hostile_fake_results aims at that the test can see."""
    return [Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"), Path.home(), Path("/autograder/results"),
            ROOT, ROOT / "out", cwd, *_ancestors(EXAMPLES / "hostile_fake_results")]


def snapshot(paths: list[Path]) -> dict[str, tuple | None]:
    snap: dict[str, tuple | None] = {}
    for p in paths:
        try:
            st = p.stat()
            snap[str(p)] = (st.st_size, st.st_mtime_ns)
        except OSError:
            snap[str(p)] = None
    return snap


def tagged_processes() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if BG_TAG.encode() in cmd:
            found.append(int(entry))
    return found


def marker_paths() -> list[Path]:
    return [Path("/tmp") / BG_TAG, Path("/var/tmp") / BG_TAG, Path.home() / BG_TAG,
            *(d / BG_TAG for d in _ancestors(EXAMPLES / "hostile_background_process"))]


@contextmanager
def host_watch(cwd: Path) -> Iterator[dict[str, Any]]:
    """Yields a dict that, once the block (the grading run, with working folder ``cwd``) is over, holds:
    leftover_pids, markers (marker files that exist), fake_files / fake_before / fake_after (stat of
    every fake results file), examples_before/after and solutions_before/after (file digests)."""
    for p in marker_paths():
        if p.exists():
            p.unlink()          # a leftover of an earlier (broken) run would make the check meaningless
    fake_files = [d / n for d in fake_result_dirs(cwd) for n in FAKE_NAMES]
    watch: dict[str, Any] = {"fake_files": fake_files, "fake_before": snapshot(fake_files),
                             "examples_before": tree_digest(EXAMPLES), "solutions_before": tree_digest(SOLUTIONS)}
    yield watch
    # the background shell sleeps 3 s before it writes its markers: give it time to (fail to) do so
    time.sleep(5)
    leftovers = tagged_processes()
    for pid in leftovers:       # clean up before failing, so a broken sandbox leaves nothing behind
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    watch.update(leftover_pids=leftovers, markers=[str(p) for p in marker_paths() if p.exists()],
                 fake_after=snapshot(fake_files), examples_after=tree_digest(EXAMPLES),
                 solutions_after=tree_digest(SOLUTIONS))
