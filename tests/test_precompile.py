"""The grader compiles a staged submission's modules for the sandbox child (off its critical
path), and only from the sources it staged: a submission's own bytecode never reaches the child."""
from __future__ import annotations

import importlib.util
import marshal
import subprocess
import sys

from grader.grading.runner import precompile
from grader.sandbox.staging import stage_submission


def _run_in_fresh_interpreter(folder, code: str) -> str:
    """What ``code`` prints in ``python -I`` that does not write bytecode, as the child runs."""
    return subprocess.run([sys.executable, "-I", "-B", "-c", f"import sys; sys.path.insert(0, {str(folder)!r}); {code}"],
                          capture_output=True, text=True, timeout=60, check=True).stdout.strip()


def test_precompiled_bytecode_is_what_the_child_imports(tmp_path):
    (tmp_path / "m.py").write_text("X = 'from the source'\n")
    precompile(tmp_path, ["m.py"])
    cached = importlib.util.cache_from_source(str(tmp_path / "m.py"))
    data = open(cached, "rb").read()
    assert marshal.loads(data[16:]).co_consts[0] == "from the source"
    # Swap the code inside the cache (header kept): an import that prints the swapped value
    # proves the child reads the cache instead of compiling the source again.
    with open(cached, "wb") as f:
        f.write(data[:16] + marshal.dumps(compile("X = 'from the cache'", "m.py", "exec")))
    assert _run_in_fresh_interpreter(tmp_path, "import m; print(m.X)") == "from the cache"


def test_a_source_changed_after_precompiling_is_imported_from_the_source(tmp_path):
    (tmp_path / "m.py").write_text("X = 1\n")
    precompile(tmp_path, ["m.py"])
    (tmp_path / "m.py").write_text("X = 22  # another size: the cache no longer matches\n")
    assert _run_in_fresh_interpreter(tmp_path, "import m; print(m.X)") == "22"


def test_a_broken_module_is_left_to_the_child(tmp_path):
    (tmp_path / "m.py").write_text("def f(:\n")
    precompile(tmp_path, ["m.py", "missing.py"])  # neither raises
    assert not (tmp_path / "__pycache__").exists() or not list((tmp_path / "__pycache__").iterdir())


def test_a_submissions_own_bytecode_is_never_staged(tmp_path):
    sub = tmp_path / "sub"
    (sub / "__pycache__").mkdir(parents=True)
    (sub / "m.py").write_text("X = 'honest'\n")
    forged = importlib.util.cache_from_source(str(sub / "m.py"))
    with open(forged, "wb") as f:
        f.write(b"forged bytecode")
    (sub / "n.pyc").write_bytes(b"forged too")
    staged = stage_submission(sub, ["m.py"])
    try:
        assert staged.files == ["m.py"]
        assert not (staged.path / "__pycache__").exists() and not (staged.path / "n.pyc").exists()
    finally:
        staged.cleanup()
