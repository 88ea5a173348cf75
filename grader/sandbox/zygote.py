"""The warm-start fork server: imports numpy (and torch) once, then forks one child per submission.

It runs inside the same bubblewrap sandbox a cold child would (uid nobody, no capabilities,
own PID/network/mount namespaces, the course hidden), with one writable *slot* folder into
which the grading process stages the current submission. It never imports or runs student
code itself. Between submissions it kills every other process of its PID namespace
(``kill(-1)``) and empties its /tmp, so nothing of one student's run can watch the next one.
It is not dumpable, so a student's process cannot ptrace it or read its memory.

Control protocol (a Unix socket; one request at a time, JSON line + optional fds):
    {"op": "spawn", "workdir": ..., "block": [...]} + fds (in, out) -> {"pid": n}
    {"op": "reset"} -> {"ok": true}   (kills every other process, cleans /tmp)
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
from typing import Any

from grader.sandbox import child as child_mod

PR_SET_DUMPABLE = 4


def _not_dumpable() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


EXITS: dict = {}  # pid -> exit code of reaped children, reported (and cleared) by reset


def _reap(block: bool = False) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        EXITS[pid] = os.waitstatus_to_exitcode(status)


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


def _spawn(request: dict, fds: list, control: socket.socket) -> int:
    fd_in, fd_out, fd_err = fds
    pid = os.fork()
    if pid == 0:
        try:
            control.close()
            os.dup2(fd_err, 2)  # this child's own stderr file: no other student's crash report
            os.close(fd_err)
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
    for fd in fds:
        os.close(fd)
    return pid


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--control", type=int, required=True)
    parser.add_argument("--slot", required=True)
    parser.add_argument("--preload", default="")
    opts = parser.parse_args(argv)
    import faulthandler

    faulthandler.enable()
    _not_dumpable()
    for name in filter(None, opts.preload.split(",")):
        importlib.import_module(name)
    child_mod.pin_threads()
    child_mod.warm_numpy()
    child_mod.warm_torch()
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
                reply: dict[str, Any] = {"pid": _spawn(request, fds, control)}
                fds = []
            elif request.get("op") == "reset":
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
