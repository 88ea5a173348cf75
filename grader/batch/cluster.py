"""Running the batch's grading tasks on a Dask distributed cluster (``--scheduler tcp://host:port``).

Each task is ``grade_files``: it gets one submission's files as bytes (never a path on the
coordinator's disk), writes them to a private temp folder on the worker and grades them with
the same engine. The coordinator stays the only writer of the gradebook: results come back
as dicts and are committed there.

The workers need dlgrade installed and the course (assignments/, solutions/, datasets/) at
the coordinator's path or at ``$DLGRADE_ROOT`` on the worker; a worker whose hidden tests or
reference differ from the coordinator's (suite hash) refuses the task with an infrastructure
error instead of grading with the wrong suite. One thread per worker is recommended
(``dask worker tcp://... --nthreads 1 --nworkers N``): every grading forks a worker process
and starts its own sandbox, and BLAS is pinned to one thread.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import stat
from pathlib import Path

from grader.grading import scratch
from grader.sandbox.staging import MAX_FILE_BYTES, MAX_FILES, MAX_TOTAL_BYTES

try:  # optional dependency: pip install 'dlgrade[cluster]'
    import distributed  # noqa: F401
    HAVE_DASK = True
except ImportError:  # pragma: no cover - depends on the environment
    HAVE_DASK = False


def read_files(folder: Path) -> dict[str, bytes]:
    """The regular files of a submission folder (the same caps as staging), relative path -> bytes."""
    folder = Path(folder)
    files: dict[str, bytes] = {}
    total = 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
        for fn in sorted(filenames):
            p = Path(dirpath) / fn
            rel = p.relative_to(folder).as_posix()
            if fn.startswith(".") or fn.endswith(".pyc"):
                continue
            st = os.lstat(p)
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE_BYTES or total + st.st_size > MAX_TOTAL_BYTES:
                continue  # staging on the worker reports what is missing
            if len(files) >= MAX_FILES:
                return files
            files[rel] = p.read_bytes()
            total += st.st_size
    return files


def _course_root(coordinator_root: str) -> Path:
    env = os.environ.get("DLGRADE_ROOT")
    if env:
        return Path(env)
    return Path(coordinator_root)


def grade_files(course_root: str, slug: str, suite_hash: str, files: dict, student_id: str,
                options, source: str, notes: list) -> dict:
    """Runs on a Dask worker: grades one submission given its files' bytes."""
    from grader.course import assignment as assignment_mod
    from grader.batch.gradebook import now
    from grader.grading.runner import grade_submission

    started = now()
    a = assignment_mod.load(slug, _course_root(course_root))
    tests_dir = options.tests_dir or (a.public_tests_dir if options.mode == "public" else a.hidden_tests_dir)
    have = a.suite_hash(tests_dir)
    if have != suite_hash:
        raise RuntimeError(f"worker {socket.gethostname()} has a different version of {slug}'s hidden tests or "
                           f"reference (suite {have}, coordinator {suite_hash}); update the course there")
    tmp = scratch.mkdtemp("dlgrade-task-")
    os.chmod(tmp, 0o700)
    try:
        sub = tmp / "submission"
        sub.mkdir()
        for rel, data in files.items():
            target = (sub / rel).resolve()
            if sub.resolve() not in target.parents:
                continue  # read_files never sends such a name; refuse it anyway
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        opts = dataclasses.replace(options, hide=tuple(options.hide) + (str(tmp),))
        res = grade_submission(a, sub, student_id, opts)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    res["path"] = source
    if notes:
        res["problems"] = list(notes) + list(res.get("problems", []))
    res["_meta"] = {"started_at": started, "finished_at": now(), "worker": f"{socket.gethostname()}:{os.getpid()}"}
    return res


def grade_on_cluster(scheduler: str, assignment, options, gradable, suite_hash, commit, fail, reporter, report,
                     window: int | None = None) -> None:
    """Submits ``gradable`` [(index, Item)] to the cluster, at most ``window`` in flight."""
    if not HAVE_DASK:
        raise RuntimeError("--scheduler needs dask.distributed: pip install 'dlgrade[cluster]'")
    from distributed import Client, as_completed

    client = Client(scheduler, timeout="30s")
    try:
        nthreads = sum(client.nthreads().values()) or 1
        window = window or max(4, 2 * nthreads)
        reporter.message(f"Dask cluster {scheduler}: {len(client.nthreads())} workers, {nthreads} threads")
        items = list(gradable)
        futures = {}

        def submit(idx, item):
            fut = client.submit(grade_files, str(assignment.root), assignment.slug, suite_hash,
                                read_files(item.path), item.student_id, options, str(item.source),
                                list(item.notes), pure=False, retries=1,
                                key=f"dlgrade-{assignment.id}-{idx}-{os.urandom(4).hex()}")
            futures[fut] = (idx, item)
            return fut

        first = [submit(i, it) for i, it in items[:window]]
        rest = iter(items[window:])
        seq = as_completed(first)
        interrupted = False
        try:
            for fut in seq:
                idx, item = futures.pop(fut)
                try:
                    res = fut.result()
                except Exception as exc:  # noqa: BLE001 - a task's failure is that submission's infra error
                    fail(idx, item, f"on the Dask cluster: {type(exc).__name__}: {exc}")
                else:
                    commit(idx, item, res)
                if not interrupted:
                    nxt = next(rest, None)
                    if nxt is not None:
                        seq.add(submit(*nxt))
        except KeyboardInterrupt:
            report.interrupted = True
            client.cancel(list(futures))
            raise
    finally:
        client.close()
