"""`--scheduler`: the same grading tasks on a Dask distributed cluster (a LocalCluster here).

Needs dask.distributed (the `test` and `cluster` extras install it).
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from grader.course import assignment as assignment_mod
from grader.batch.coordinator import BatchReport, grade_batch
from grader.batch.cluster import grade_files, read_files
from grader.batch.gradebook import Gradebook
from grader.grading.runner import GradeOptions

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples" / "submissions" / "a04"


def test_worker_refuses_a_different_suite(tmp_path):
    a = assignment_mod.load("a04", ROOT)
    with pytest.raises(RuntimeError, match="different version"):
        grade_files(str(ROOT), a.slug, "0000000000000000", {"nn_basics.py": b"x = 1\n"}, "alice", GradeOptions(),
                    "alice", [])


def test_read_files_skips_links_and_dotfiles(tmp_path):
    (tmp_path / "nn_basics.py").write_text("x = 1\n")
    (tmp_path / ".secret").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "data.txt").write_text("d")
    os.symlink("/etc/passwd", tmp_path / "link.py")
    assert read_files(tmp_path) == {"nn_basics.py": b"x = 1\n", "sub/data.txt": b"d"}


@pytest.mark.slow  # starts a local Dask cluster
def test_grading_on_a_local_dask_cluster(tmp_path):
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed "
                                                            "(pip install -e '.[test]' or '.[cluster]')")
    a = assignment_mod.load("a04", ROOT)
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice").mkdir()
    (subs / "alice" / "nn_basics.py").write_bytes((EX / "correct" / "nn_basics.py").read_bytes())
    with zipfile.ZipFile(subs / "bob.zip", "w") as z:
        z.writestr("nn_basics.py", (EX / "bug_transpose" / "nn_basics.py").read_bytes())
    (subs / "carl.zip").write_bytes(b"not a zip")
    book = tmp_path / "gb.sqlite"
    opts = GradeOptions(secret="dask-test", hide=(str(subs),))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None) as cluster:
        worker_pids = {w.pid for w in cluster.workers.values() if getattr(w, "pid", None)}
        report = BatchReport()
        results = grade_batch(a, subs, opts, gradebook=book, scheduler=cluster.scheduler_address, report=report)
    by = {r["id"]: r for r in results}
    assert (report.graded, report.invalid, report.infra_errors) == (2, 1, 0), [r.get("error") for r in results]
    assert by["alice"]["status"] == "graded" and by["alice"]["score"] == 100
    assert 0 < by["bob"]["score"] < 100 and by["bob"]["path"].endswith("bob.zip")
    assert by["carl"]["status"] == "invalid"
    assert all("_meta" not in r for r in results)
    with Gradebook(book) as gb:  # the coordinator wrote everything; the runs name the Dask worker
        workers = [r[0] for r in gb.conn.execute("SELECT worker FROM runs WHERE status = 'graded'")]
        assert len(workers) == 2 and all(not w.endswith(f":{os.getpid()}") for w in workers)
        if worker_pids:
            assert {int(w.rsplit(":", 1)[1]) for w in workers} <= worker_pids
        assert gb.conn.execute("SELECT scheduler FROM batches").fetchone()[0] == cluster.scheduler_address
