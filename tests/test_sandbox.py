"""The sandbox child: calls, handles, failures and restarts, limits, isolation, hostile replies."""
from __future__ import annotations

import gc
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from grader.errors import SandboxCrash, SandboxError, SandboxTimeout, StudentError
from grader.sandbox.launcher import Sandbox, SandboxConfig
from grader.sandbox.proxy import Session, StudentModule
from grader.sandbox.staging import stage_submission


def test_calls_copy_values_both_ways(make_student):
    st = make_student("""
        import numpy as np
        def double(x):
            return x * 2
        def mutate(a):
            a[0] = 99.0
    """)
    x = np.arange(3.0)
    np.testing.assert_array_equal(st.double(x), 2 * x)
    value, args, kwargs = st.call_with_args("mutate", x.copy())
    assert value is None and args[0][0] == 99.0 and kwargs == {}
    assert x[0] == 0.0  # the grading process's copy is untouched
    assert st._session.calls == ["mod.double", "mod.mutate"]


def test_student_exception_carries_type_message_and_only_student_frames(make_student):
    st = make_student("""
        def helper(x):
            raise ValueError(f"bad activation {x!r}")
        def f(x):
            return helper(x)
    """)
    with pytest.raises(StudentError) as info:
        st.f("swish")
    err = info.value
    assert err.exc_type == "ValueError" and err.is_a(ValueError) and "swish" in err.message
    assert "mod.py" in err.traceback and "helper" in err.traceback
    assert "grader" not in err.traceback and "child.py" not in err.traceback


def test_wrong_signature_is_a_clear_student_error(make_student):
    st = make_student("def f(x):\n    return x\n")
    with pytest.raises(StudentError, match="TypeError"):
        st.f(1, 2)


def test_handles_call_methods_read_attributes_and_are_released(make_student):
    st = make_student("""
        class Model:
            def __init__(self, k):
                self.k = k
                self.training = True
            def __call__(self, x):
                return x + self.k
            def eval(self):
                self.training = False
                return self
        def combine(a, b):
            return a.k + b.k
    """)
    m = st.Model(3)
    assert m(1.5) == 4.5
    assert m.training is True and m.k == 3
    m.eval()
    assert m.training is False
    m.k = 10
    assert st.combine(m, st.Model(1)) == 11
    assert m != m.k and bool(m)
    before = st._session.stats()["handles"]
    del m
    gc.collect()
    st._session.stats()  # releases piggyback on the next request
    assert st._session.stats()["handles"] < before


def test_probe_runs_in_the_child_with_the_module(make_student):
    st = make_student("class Net:\n    def __init__(self):\n        self.w = [1, 2, 3]\n")

    def count_weights(module, net):
        return len(net.w) + len(module.__name__)

    assert st.probe(count_weights, st.Net()) == 3 + len("mod")


def test_timeout_kills_restarts_and_fails_fast_afterwards(make_student):
    st = make_student("""
        def spin():
            while True:
                pass
        def ok():
            return 1
    """, timeout=1.0)
    t0 = time.monotonic()
    with pytest.raises(SandboxTimeout, match="timed out"):
        st.spin()
    assert time.monotonic() - t0 < 5
    assert st.ok() == 1  # a fresh child
    t0 = time.monotonic()
    with pytest.raises(SandboxTimeout, match="not called again"):
        st.spin()
    assert time.monotonic() - t0 < 0.5


def test_exit_and_segfault_are_crashes_and_the_child_restarts(make_student):
    st = make_student("""
        import os, ctypes
        def leave():
            os._exit(0)
        def segv():
            ctypes.string_at(0)
        def ok():
            return "alive"
    """)
    with pytest.raises(SandboxCrash, match="exited with status 0"):
        st.leave()
    assert st.ok() == "alive"
    with pytest.raises(SandboxCrash, match="segmentation fault"):
        st.segv()
    assert st.ok() == "alive"


def test_stale_handle_after_restart_is_an_error(make_student):
    st = make_student("import os\nclass A:\n    pass\ndef die():\n    os._exit(3)\n")
    a = st.A()
    with pytest.raises(SandboxCrash):
        st.die()
    with pytest.raises(SandboxError, match="restarted"):
        st.probe(_identity, a)


def _identity(module, x):
    return x


def test_memory_bomb_hits_the_address_space_limit(make_student):
    st = make_student("""
        def bomb():
            blocks = []
            while True:
                blocks.append(bytearray(50 * 2**20))
    """, memory_mb=512)
    with pytest.raises(SandboxCrash, match="memory"):
        st.bomb()


def test_import_errors_are_reported_once_and_not_retried(make_student):
    st = make_student("import numpy as np\ndef f(:\n    pass\n")
    with pytest.raises(StudentError, match="SyntaxError"):
        st.f()
    with pytest.raises(StudentError, match="SyntaxError"):
        st.f()


def test_blocked_modules_cannot_be_imported_even_lazily(make_student):
    st = make_student("def f():\n    import torch\n    return 1\n", block_modules=("torch",))
    with pytest.raises(StudentError, match="ImportError|ModuleNotFoundError"):
        st.f()


BACKDOORS = r"""
import base64, importlib, sys

def via_exec():
    # an encoded import, after removing the sys.modules blocker
    sys.modules.pop("torch", None)
    ns = {}
    exec(base64.b64decode(b"aW1wb3J0IHRvcmNo").decode(), ns)   # "import torch"
    return 1

def via_importlib():
    sys.modules.pop("torch", None)
    importlib.import_module("torch.nn.functional")
    return 1

def via_subprocess():
    import subprocess
    return subprocess.run([sys.executable, "-c", "import torch; print(1)"], capture_output=True).returncode

def via_system():
    import os
    return os.system("true")

def via_ctypes():
    import ctypes
    return ctypes.CDLL(None) is not None

def via_fork():
    import pty
    pty.spawn(["true"])
    return 1

def findings():
    from grader.sandbox import child
    return list(child.FINDINGS)

def honest():
    import numpy as np
    return float(np.tanh(0.5))
"""


@pytest.mark.parametrize("attempt, rule", [
    ("via_exec", "importing torch"), ("via_importlib", "importing torch"),
    ("via_subprocess", "starting a program (subprocess)"), ("via_system", "starting a program (os.system)"),
    ("via_ctypes", "loading native code (ctypes)"), ("via_fork", "forking the process"),
])
def test_runtime_guard_refuses_back_doors_around_the_import_block(make_student, attempt, rule):
    st = make_student(BACKDOORS, block_modules=("torch", "jax", "tensorflow", "autograd", "sklearn"))
    assert st.honest() == pytest.approx(0.46211715726000974)  # numpy itself still works
    with pytest.raises(StudentError, match="ImportError" if rule.startswith("importing") else "PermissionError") as info:
        getattr(st, attempt)()
    assert rule in str(info.value) and "numpy-only" in str(info.value)
    session = object.__getattribute__(st, "_session")
    assert any(rule in f for f in session.findings), session.findings  # reported to the grading process


def test_without_blocked_modules_there_is_no_guard(make_student):
    st = make_student(BACKDOORS)  # a torch assignment: subprocesses are the OS limits' business
    assert st.via_system() == 0


def test_a_forged_reply_is_a_protocol_violation(make_student):
    # The student's code knows the reply pipe (it is in sys.argv) and writes garbage to it.
    st = make_student("""
        import fcntl, os, struct
        def out_fd():
            for name in os.listdir("/proc/self/fd"):
                fd = int(name)
                try:
                    if fd > 2 and os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:") \\
                            and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                        return fd
                except OSError:
                    pass
        def forge():
            os.write(out_fd(), struct.pack(">I", 2**31 - 1) + b"{}")
        def forge_order():
            body = b'{"seq": 99999, "ok": true, "value": 1, "sizes": []}'
            os.write(out_fd(), struct.pack(">I", len(body)) + body)
        def forge_utf8():
            body = b'{"seq": 2, "ok": true, "value": "' + bytes([255, 254]) + b'"}'
            os.write(out_fd(), struct.pack(">I", len(body)) + body)
        def ok():
            return 1
    """)
    with pytest.raises(SandboxCrash, match="malformed"):
        st.forge()
    assert st.ok() == 1
    with pytest.raises(SandboxCrash, match="order|malformed"):
        st.forge_order()
    assert st.ok() == 1
    with pytest.raises(SandboxCrash):
        st.forge_utf8()


def test_isolation_hides_the_course_and_blocks_writes_and_network(make_student, isolation, tmp_path):
    if not isolation.startswith("namespaces"):
        pytest.skip("only the namespace level hides files and the network")
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "secret.txt").write_text("expected values")
    st = make_student("""
        import os, socket
        def read(path):
            try:
                return open(path).read()
            except OSError as exc:
                return type(exc).__name__
        def write(path):
            try:
                open(path, "w").write("x")
                return "written"
            except OSError as exc:
                return type(exc).__name__
        def connect():
            try:
                socket.create_connection(("1.1.1.1", 53), timeout=1)
                return "connected"
            except OSError as exc:
                return type(exc).__name__
        def uid():
            return os.getuid()
    """)
    assert st.read(str(hidden / "secret.txt")) != "expected values"
    st.write(str(tmp_path / "escape.txt"))  # lands, at most, in the sandbox's own throw-away tmpfs
    assert not (tmp_path / "escape.txt").exists()
    assert st.write("/usr/escape.txt") != "written"  # the system is read-only
    assert st.connect() != "connected"
    assert st.uid() == 65534


def test_nothing_outlives_the_child(make_student, isolation, tmp_path):
    if not isolation.startswith("namespaces"):
        pytest.skip("a setsid'd grandchild escapes process-level isolation; namespaces are required")
    st = make_student("""
        import subprocess
        def spawn():
            p = subprocess.Popen(["sleep", "30"], start_new_session=True)
            return p.pid
        def alive(pid):
            import os
            return os.path.exists(f"/proc/{pid}")
    """)
    pid = st.spawn()
    session = st._session
    deadline = time.monotonic() + 3
    while not _sleepers() and time.monotonic() < deadline:
        time.sleep(0.05)
    host_before = _sleepers()
    assert host_before, f"the background process should be running (alive inside: {st.alive(pid)})"
    session.close()
    deadline = time.monotonic() + 5
    while _sleepers() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _sleepers()


def _sleepers():
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if f.read().split(b"\0")[:2] == [b"sleep", b"30"]:
                        found.append(pid)
            except OSError:
                pass
    return found


def test_staging_refuses_reserved_names_links_and_missing_files(tmp_path):
    sub = tmp_path / "s"
    sub.mkdir()
    (sub / "nn_basics.py").write_text("x = 1\n")
    for name in ("numpy.py", "conftest.py", "sitecustomize.py", "evil.pth", "json.py"):
        (sub / name).write_text("print('pwned')\n")
    os.symlink("/etc/passwd", sub / "link.py")
    staged = stage_submission(sub, ["nn_basics.py", "other.py"])
    try:
        assert staged.files == ["nn_basics.py"]
        text = "\n".join(staged.problems)
        for name in ("numpy.py", "conftest.py", "sitecustomize.py", "evil.pth", "json.py", "link.py", "other.py"):
            assert name in text
        assert staged.missing == ["other.py"]
    finally:
        staged.cleanup()


def test_warm_start_leaves_nothing_for_the_next_submission(tmp_path):
    from grader.sandbox.launcher import Sandbox, SandboxConfig, Zygote, bwrap_works
    from grader.sandbox.proxy import Session, StudentModule

    if not bwrap_works():
        pytest.skip("warm start runs inside bubblewrap namespaces")
    slot = tmp_path / "slot"
    slot.mkdir()
    (slot / "mod.py").write_text(
        "import os, subprocess\n"
        "def plant():\n"
        "    open('/tmp/left_behind', 'w').write('answer key')\n"
        "    return subprocess.Popen(['sleep', '33'], start_new_session=True).pid\n"
        "def look():\n"
        "    return os.path.exists('/tmp/left_behind'), sorted(os.listdir('/proc'))\n")
    cfg = SandboxConfig(workdir=slot, hide=(str(tmp_path / "x"),))
    zygote = Zygote(cfg)
    zygote.start()
    try:
        first = Session(Sandbox(cfg, zygote=zygote), "mod")
        StudentModule(first, "mod").plant()
        assert first.sandbox.zchild is not None  # it really was forked warm
        first.close()
        second = Session(Sandbox(cfg, zygote=zygote), "mod")
        exists, procs = StudentModule(second, "mod").look()
        second.close()
        assert not exists
        assert not any(_cmdline(pid) == [b"sleep", b"33"] for pid in _sleepers_any())
    finally:
        zygote.stop()


def test_warm_children_do_not_share_the_zygotes_random_state(tmp_path):
    """A forked child inherits its parent's memory: without a reseed, every submission's
    unseeded np.random / random would draw the zygote's numbers (identical for all students)."""
    from grader.sandbox.launcher import Sandbox, SandboxConfig, Zygote, bwrap_works
    from grader.sandbox.proxy import Session, StudentModule

    if not bwrap_works():
        pytest.skip("warm start runs inside bubblewrap namespaces")
    slot = tmp_path / "slot"
    slot.mkdir()
    (slot / "mod.py").write_text("import random\nimport numpy as np\n"
                                 "def draw():\n    return [float(x) for x in np.random.rand(4)] + [random.random()]\n")
    cfg = SandboxConfig(workdir=slot, hide=(str(tmp_path / "x"),))
    zygote = Zygote(cfg)
    zygote.start()
    try:
        draws = []
        for _ in range(3):
            session = Session(Sandbox(cfg, zygote=zygote), "mod")
            draws.append(StudentModule(session, "mod").draw())
            assert session.sandbox.zchild is not None
            session.close()
        assert len({tuple(d[:4]) for d in draws}) == 3, draws
        assert len({d[4] for d in draws}) == 3, draws
    finally:
        zygote.stop()


def _sleepers_any():
    return [p for p in os.listdir("/proc") if p.isdigit()]


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")[:2]
    except OSError:
        return []


def test_student_rng_is_a_generator_living_in_the_child(make_student):
    st = make_student("def draw(rng):\n    return rng.standard_normal(3)\n")
    import numpy as np

    got = st.draw(st.rng(7))
    np.testing.assert_array_equal(got, np.random.default_rng(7).standard_normal(3))


def test_only_system_folders_are_visible_not_other_copies_of_the_course(make_student, isolation):
    # Another checkout of the course elsewhere on the machine (e.g. /work/main beside a CI
    # clone) must be as invisible as this one: the sandbox shows only what it whitelists.
    if not isolation.startswith("namespaces"):
        pytest.skip("only the namespace level hides files")
    import tempfile

    try:
        elsewhere = tempfile.mkdtemp(prefix="dlgrade-elsewhere-", dir="/opt")
    except OSError:
        pytest.skip("cannot write to /opt here")
    try:
        with open(os.path.join(elsewhere, "nn_basics.py"), "w") as f:
            f.write("### BEGIN SOLUTION\n")
        st = make_student("import os\ndef look(p):\n    return os.path.exists(p)\n")
        assert not st.look(os.path.join(elsewhere, "nn_basics.py"))
        assert not st.look("/opt")
        assert st.look("/usr/bin")
    finally:
        import shutil

        shutil.rmtree(elsewhere, ignore_errors=True)


def _alive(pid: int, wait_s: float = 3.0) -> bool:
    """Whether ``pid`` still runs after up to ``wait_s`` (a killed orphan is reaped by init a
    little later; until then it is a zombie, which runs nothing)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        if state in ("Z", "X"):
            return False
        time.sleep(0.05)
    return True


PROCESS_PROBE = """
import os, tempfile
def who():
    return {"uid": os.getuid(), "cwd": os.getcwd(), "tmp": tempfile.gettempdir(), "home": os.environ.get("HOME")}
def detach():
    import subprocess
    return subprocess.Popen(["sleep", "60"], start_new_session=True).pid
def read(path):
    try:
        return open(path).read()
    except OSError as exc:
        return type(exc).__name__
def write(path):
    try:
        open(path, "w").write("x")
        return "written"
    except OSError as exc:
        return type(exc).__name__
"""


def test_process_level_child_drops_to_nobody_in_its_own_folder(tmp_path):
    """At the process level (no namespaces) a root grader's child runs as uid nobody, in its own
    0700 folder with its own temp and home, and can neither read the grader's private files nor
    write into the grader's folders. Needs a root grader and an interpreter uid nobody can run
    (a venv outside a 0700 home); elsewhere the child keeps the grader's uid (docs/SECURITY.md)."""
    from grader.sandbox.launcher import nobody_can_run_python

    if os.geteuid() != 0 or not nobody_can_run_python():
        pytest.skip("the uid drop needs a root grader and an interpreter readable by uid nobody "
                    "(this one lives under a private home)")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "mod.py").write_text(PROCESS_PROBE)
    secret = tmp_path / "grader-private.txt"
    secret.write_text("expected values")
    os.chmod(tmp_path, 0o755)   # even where the grader's folder is readable, the file is not
    os.chmod(secret, 0o600)
    session = Session(Sandbox(SandboxConfig(workdir=sub, isolation="process")), "mod", 5.0)
    try:
        st = StudentModule(session, "mod")
        me = st.who()
        assert 61000 <= me["uid"] < 65000  # a uid of its own (as unprivileged as nobody)
        assert me["cwd"] != str(sub) and me["cwd"].startswith(tempfile.gettempdir())
        assert me["tmp"] == me["home"] and me["tmp"] != tempfile.gettempdir()
        assert st.read(str(secret)) == "PermissionError"
        assert st.write(str(sub / "forged.json")) == "PermissionError"
        assert st.write(str(tmp_path / "results.json")) == "PermissionError"
        base = Path(me["cwd"]).parent
        detached = st.detach()
        assert os.path.exists(f"/proc/{detached}")
    finally:
        session.close()
    assert not base.exists(), "the child's private folder must be removed when it stops"
    deadline = time.monotonic() + 3
    while os.path.exists(f"/proc/{detached}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{detached}"), "a detached process of the child outlived it"


def test_process_level_warm_start_gives_every_child_its_own_uid_and_folder(tmp_path):
    """Warm start at the process level: the fork server runs as root and never runs student code;
    each child it forks drops to a uid of its own, in its own copy of the submission, before
    serving; when a child stops, every process of its uid (a detached one too) and its folder are
    gone, and the next child gets another uid. Needs a root grader (the uid drop); it does not
    need an interpreter other uids can read, because a forked child imports nothing new here."""
    if os.geteuid() != 0:
        pytest.skip("the uid drop needs a root grader")
    from grader.sandbox.launcher import Zygote

    slot = tmp_path / "slot"
    slot.mkdir()
    (slot / "mod.py").write_text(PROCESS_PROBE)
    cfg = SandboxConfig(workdir=slot, isolation="process")
    zygote = Zygote(cfg)
    zygote.start()
    seen = []
    try:
        for _ in range(2):
            sandbox = Sandbox(cfg, zygote=zygote)
            session = Session(sandbox, "mod", 5.0)
            try:
                st = StudentModule(session, "mod")
                me = st.who()
                assert sandbox.start_kind == "warm"
                assert 61000 <= me["uid"] < 65000 and me["uid"] not in [s["uid"] for s in seen]
                assert me["cwd"] != str(slot) and me["tmp"] == me["home"] != tempfile.gettempdir()
                assert st.write(str(slot / "forged.json")) == "PermissionError"
                me["detached"] = st.detach()
                assert os.path.exists(f"/proc/{me['detached']}")
            finally:
                session.close()
            assert not Path(me["cwd"]).parent.exists(), "the child's private folder must be removed when it stops"
            assert not _alive(me["detached"]), "a detached process of the child outlived it"
            seen.append(me)
        assert zygote.alive and zygote.proc is not None
        assert os.stat(f"/proc/{zygote.proc.pid}").st_uid == 0  # the server keeps root's uid, the children not
    finally:
        zygote.stop()
