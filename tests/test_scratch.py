"""Temporary files: one folder per command, shared with its forks, swept once its process is gone."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from grader.grading import scratch


def test_forked_processes_share_the_run_folder_and_only_the_owner_removes_it(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(scratch, "_root", None)
    root = scratch.run_root()
    assert root.parent == tmp_path and root.name.startswith(f"dlgrade-run-{os.getpid()}-")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # a forked worker: same folder; its exit handlers must not remove it
        os.write(w, str(scratch.mkdtemp("x-").parent).encode())
        scratch._remove(root, os.getppid())  # what its inherited exit handler would do: a no-op here
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(r, 4096).decode() == str(root) and root.is_dir()
    scratch._remove(root, os.getpid())
    assert not root.exists()


def test_sweep_removes_the_folders_of_dead_processes_only(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid that no process has now (reuse within the test is vanishingly unlikely)
    stale = tmp_path / f"dlgrade-run-{dead.pid}-abc"
    (stale / "dlgrade-slot-1" / "submission").mkdir(parents=True)
    (stale / "dlgrade-slot-1" / "submission" / "nn_basics.py").write_text("x = 1\n")
    live = tmp_path / f"dlgrade-run-{os.getpid()}-def"
    live.mkdir()
    other = tmp_path / "dlgrade-bench"
    other.mkdir()
    link = tmp_path / f"dlgrade-run-{dead.pid}-lnk"
    link.symlink_to(other)
    assert scratch.sweep_stale(tmp_path) == 1
    assert not stale.exists() and live.is_dir() and other.is_dir() and link.is_symlink()
