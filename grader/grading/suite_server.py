"""Collect the hidden suite once, then fork one grading worker per submission.

Starting pytest and collecting a suite costs about 0.2 s of CPU, as much as running the A04
suite itself. A ``SuiteServer`` is a process forked from the warm grading process that runs
``pytest.main`` once: at ``pytest_runtestloop`` it does not run the tests but waits for jobs,
and for each submission forks a worker that runs the already-collected items against that
submission's sandbox, then exits. Every submission still gets a fresh process (no state
leaks from one to the next), and nothing in the server ever touches student code.

Jobs and events are JSON lines on two pipes::

    caller -> server   {"workdir", "id", "secret", "lines", "meta"}
    server -> caller   {"started": pid}, then {"done": pid, "signal": n | null}
"""
from __future__ import annotations

import gc
import json
import logging
import os
import select
import signal
import time
from pathlib import Path


class ServerGone(Exception):
    """The server process is not there any more; the caller grades the slow way."""


class SuiteServer:
    zygote = None  # the warm-start server its workers' children fork from (set by the runner)
    key: tuple = ()  # the runner's cache key for this server

    def __init__(self, pytest_args: list, ctx, plugin_factory):
        jobs_r, self._jobs_w = os.pipe()
        self._events_r, events_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            try:
                from grader.grading.lifetime import die_with_parent

                die_with_parent()
                os.close(self._jobs_w)
                os.close(self._events_r)
                _serve(pytest_args, ctx, plugin_factory, jobs_r, events_w)
            finally:
                os._exit(0)
        os.close(jobs_r)
        os.close(events_w)
        self._buf = b""

    def run(self, job: dict, timeout_s: float, meanwhile=None) -> str | None:
        """Grades one submission; returns an error text (time limit, killed worker) or None.

        ``meanwhile()``, if given, runs in this process while the worker grades (the static
        scan: the two overlap on a second core); whatever it raises is raised once the
        worker is done, so the server is never left with an unread job."""
        try:
            os.write(self._jobs_w, json.dumps(job).encode() + b"\n")
        except OSError:
            raise ServerGone("the suite server is gone") from None
        deadline = time.monotonic() + timeout_s
        failure = _call(meanwhile)
        try:
            return self._finish(deadline, timeout_s)
        finally:
            if failure is not None:
                raise failure

    def _finish(self, deadline: float, timeout_s: float) -> str | None:
        started = self._event(deadline=time.monotonic() + 60)
        worker = started.get("started")
        error = None
        try:
            done = self._event(deadline)
        except TimeoutError:
            if worker is not None:
                os.kill(worker, signal.SIGKILL)
            self._event(deadline=time.monotonic() + 30)
            return f"the suite's time limit of {timeout_s:g} s was reached; unfinished tests earn nothing"
        if done.get("signal"):
            error = f"the grading worker died with signal {done['signal']}"
        return error

    def _event(self, deadline: float) -> dict:
        while b"\n" not in self._buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self._events_r], [], [], remaining)
            if not ready:
                raise TimeoutError
            chunk = os.read(self._events_r, 4096)
            if not chunk:
                raise ServerGone("the suite server is gone")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def close(self) -> None:
        for fd in (self._jobs_w, self._events_r):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def _call(fn) -> BaseException | None:
    """Runs ``fn`` (if any); what it raised, or None."""
    if fn is None:
        return None
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - re-raised by the caller once the job is finished
        return exc
    return None


def _serve(pytest_args, ctx, plugin_factory, jobs_r, events_w) -> None:
    import pytest

    devnull = os.open(os.devnull, os.O_WRONLY)
    if not logging.getLogger("dlgrade").isEnabledFor(logging.DEBUG):  # --verbose keeps pytest's output
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    plugin = plugin_factory(ctx)

    class Loop:
        @pytest.hookimpl(tryfirst=True)
        def pytest_runtestloop(self, session):
            items = session.items
            for item in items:
                item.location  # noqa: B018 - a cached property pytest computes per test: once here, not in every worker
            # Everything up to here (pytest, the suite, the reference) is shared with every
            # forked worker; frozen objects are never scanned by a worker's garbage collector,
            # whose scans would otherwise write to (and so copy) most of the shared pages.
            gc.freeze()
            for line in _lines(jobs_r):
                job = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    try:
                        from grader.grading.lifetime import die_with_parent

                        die_with_parent()
                        os.close(jobs_r)
                        os.close(events_w)
                        _run_items(items, plugin, ctx, job)
                    finally:
                        os._exit(0)
                os.write(events_w, json.dumps({"started": pid}).encode() + b"\n")
                _, status = os.waitpid(pid, 0)
                sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
                os.write(events_w, json.dumps({"done": pid, "signal": sig}).encode() + b"\n")
            return True

    pytest.main(pytest_args, plugins=[plugin, Loop()])


def _lines(fd):
    buf = b""
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield line


def _run_items(items, plugin, ctx, job) -> None:
    ctx.workdir = Path(job["workdir"])
    ctx.student_id = job["id"]
    ctx.secret = job["secret"]
    ctx.results_path = Path(job["lines"])
    ctx.results = []
    plugin.session = None
    for i, item in enumerate(items):
        nextitem = items[i + 1] if i + 1 < len(items) else None
        item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
    meta = {**ctx.run_meta(plugin.session), "exit": 0}
    if plugin.session is not None:
        plugin.session.close()
    with open(job["meta"], "w", encoding="utf-8") as f:
        json.dump(meta, f)
