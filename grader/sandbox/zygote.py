"""The warm-start fork server: imports numpy (and torch) once, then forks one child per submission.

It runs inside the same bubblewrap sandbox a cold child would (uid nobody, no capabilities,
own PID/network/mount namespaces, the course hidden), with one writable *slot* folder into
which the grading process stages the current submission. It never imports or runs student
code itself. Between submissions it kills every other process of its PID namespace
(``kill(-1)``) and empties its /tmp, so nothing of one student's run can watch the next one.
It is not dumpable, so a student's process cannot ptrace it or read its memory.

At the ``process`` level (``--isolation process``: no namespaces, e.g. a container without user
namespaces) the server runs outside any sandbox as the grader's own user, root, because each child
must get a uid of its own: right after the fork, before any student code, the child applies the
resource limits, drops to the uid the grading process chose for it (``"uid"``), moves to its
private copy of the submission and its private home (both owned by that uid) and only then
serves. The server never imports or runs student code; its children cannot signal, ptrace or
read it (another uid), and a uid per child lets the grading process kill every process a child
left behind. There ``reset`` kills and reaps the server's own children only (never ``kill(-1)``,
which as root would hit the whole machine).

Control protocol (a Unix socket; one request at a time, JSON line + optional fds):
    {"op": "spawn", "workdir": ..., "block": [...]} + fds (in, out, err) -> {"pid": n}
        process level adds "uid", "home", "limits" ({memory_mb, cpu_s, file_size_mb, open_files,
        nproc})
    {"op": "reset"} -> {"ok": true, "exits": {pid: code}}
        namespaces: kills every other process of the namespace, cleans /tmp;
        process: kills and reaps every child of the server
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import importlib
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
from typing import Any

from grader.sandbox import child as child_mod

PR_SET_DUMPABLE = 4


def _not_dumpable() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


EXITS: dict = {}  # pid -> exit code of reaped children, reported (and cleared) by reset
CHILDREN: set = set()  # process level: pids of the children forked and not yet reaped


def _reap(block: bool = False) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        EXITS[pid] = os.waitstatus_to_exitcode(status)
        CHILDREN.discard(pid)


def _reset_children() -> None:
    """Process level: kills every child of the server (and its process group) and reaps it."""
    for pid in list(CHILDREN):
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    _reap(block=True)
    CHILDREN.clear()


def _reset(keep: str) -> None:
    try:
        os.kill(-1, signal.SIGKILL)  # every process of this namespace we may signal, but not us
    except ProcessLookupError:
        pass
    _reap(block=True)
    for entry in os.listdir("/tmp"):
        path = os.path.join("/tmp", entry)
        if os.path.realpath(path) == os.path.realpath(keep):
            continue
        _remove(path)


def _remove(path: str) -> None:
    def fix(func, p, _exc):
        try:
            os.chmod(os.path.dirname(p), 0o700)
            os.chmod(p, 0o700)
            func(p)
        except OSError:
            pass

    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, onerror=fix)
    else:
        try:
            os.unlink(path)
        except OSError:
            pass


def _fresh_random_state() -> None:
    """Reseeds, from the OS, the global generators the zygote imported: a forked child would
    otherwise inherit the zygote's state, so every submission's unseeded ``np.random`` (and
    ``random``) would draw the same numbers, unlike in a freshly started process."""
    if "numpy.random" in sys.modules:
        sys.modules["numpy.random"].seed()
    if "random" in sys.modules:
        sys.modules["random"].seed()


def _drop_privileges(request: dict) -> None:
    """Process level, in the forked child: limits, then the child's own uid and private folders."""
    from grader.sandbox.launcher import SandboxConfig, _limits

    lim = request["limits"]
    cfg = SandboxConfig(workdir=request["workdir"], memory_mb=int(lim["memory_mb"]), cpu_s=int(lim["cpu_s"]),
                        file_size_mb=int(lim["file_size_mb"]), open_files=int(lim["open_files"]))
    _limits(cfg, int(lim["nproc"]), True, int(request["uid"]))()  # setsid, rlimits, setgroups/setgid/setuid
    if os.getuid() == 0 or os.geteuid() == 0:
        os._exit(70)  # never serve a submission as root
    os.environ.update(HOME=request["home"], TMPDIR=request["home"])
    tempfile.tempdir = None  # recomputed from TMPDIR on next use


def _spawn(request: dict, fds: list, control: socket.socket, process_level: bool) -> int:
    fd_in, fd_out, fd_err = fds
    pid = os.fork()
    if pid == 0:
        try:
            control.close()
            os.dup2(fd_err, 2)  # this child's own stderr file: no other student's crash report
            os.close(fd_err)
            if process_level:
                _drop_privileges(request)
            else:
                os.setsid()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _fresh_random_state()
            child_mod.block_modules(request.get("block", []))
            workdir = request["workdir"]
            os.chdir(workdir)
            sys.path.insert(0, workdir)
            child_mod.serve(fd_in, fd_out, child_mod.ChildServer(workdir))
        finally:
            os._exit(0)
    CHILDREN.add(pid)
    for fd in fds:
        os.close(fd)
    return pid


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--control", type=int, required=True)
    parser.add_argument("--slot", required=True)
    parser.add_argument("--preload", default="")
    parser.add_argument("--isolation", choices=("namespaces", "process"), default="namespaces")
    opts = parser.parse_args(argv)
    import faulthandler

    faulthandler.enable()
    _not_dumpable()
    for name in filter(None, opts.preload.split(",")):
        importlib.import_module(name)
    child_mod.pin_threads()
    child_mod.warm_numpy()
    child_mod.warm_torch()
    if opts.isolation == "process":
        import grader.sandbox.launcher  # noqa: F401 - imported once here, not in every child
    sys.dont_write_bytecode = True
    gc.freeze()  # numpy/torch as imported: children's collections leave these shared pages alone
    control = socket.socket(fileno=opts.control)
    buf = b""
    while True:
        try:
            data, fds, _flags, _addr = socket.recv_fds(control, 1 << 16, 4)
        except OSError:
            return
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            request = json.loads(line)
            _reap()
            if request.get("op") == "spawn" and len(fds) == 3:
                reply: dict[str, Any] = {"pid": _spawn(request, fds, control, opts.isolation == "process")}
                fds = []
            elif request.get("op") == "reset":
                if opts.isolation == "process":
                    _reset_children()
                else:
                    _reset(opts.slot)
                reply = {"ok": True, "exits": {str(k): v for k, v in EXITS.items()}}
                EXITS.clear()
            else:
                for fd in fds:
                    os.close(fd)
                fds = []
                reply = {"error": "bad request"}
            control.sendall(json.dumps(reply).encode() + b"\n")


if __name__ == "__main__":
    main()
