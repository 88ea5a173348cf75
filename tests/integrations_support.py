"""Shared by the integration tests (nbgrader, otter-grader, Gradescope, notebooks).

``ISOLATION`` is the one place the sandbox level of these tests is set. ``tool_env(name)`` returns
the cached venv of nbgrader or otter-grader that ``benchmarks/setup_envs.sh`` builds (pinned
versions, torch constrained out so pip can never fetch a CUDA build), creating it on first use;
the cache folder (``$DLGRADE_INTEG_ENVS``, default ``~/.cache/dlgrade-integ-envs``) is reused
across runs. ``three_notebooks`` writes the reference, the stub and a buggy notebook of A04.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from grader.course import assignment as assignment_mod
from grader.course.sync import apply_replacements
from grader.course.validate import load_mutants
from grader.integrations.notebook import build_notebook, write_notebook

ROOT = Path(__file__).resolve().parent.parent
ISOLATION = "auto"  # namespaces (the packaged bwrap); flip here only
ENVS = Path(os.environ.get("DLGRADE_INTEG_ENVS", Path.home() / ".cache" / "dlgrade-integ-envs"))
BUGGY_MUTANT = "naive_sigmoid"  # np.exp overflows for large negative z: loses the sigmoid stability points


def a04():
    return assignment_mod.load("a04", ROOT)


# The versions benchmarks/setup_envs.sh pins (same stamp file, so either may build the cache).
TOOLS = {"nbgrader": "nbgrader==0.9.6", "otter": "otter-grader==7.0.0"}


def tool_env(name: str) -> Path:
    """The venv of ``name`` (nbgrader | otter), built on first use and reused while its stamp matches.

    Its own venv because nbgrader pins an older Jupyter stack and otter pulls pandas; torch is
    constrained out (an unsatisfiable pin), so a dependency on it fails loudly instead of
    downloading a multi-GB CUDA build."""
    env, stamp = ENVS / name, TOOLS[name]
    if (env / ".dlgrade-bench-stamp").is_file() and (env / ".dlgrade-bench-stamp").read_text().strip() == stamp:
        return env
    ENVS.mkdir(parents=True, exist_ok=True)
    constraints = ENVS / "no-torch-constraints.txt"
    constraints.write_text("torch<0\ntorchvision<0\ntensorflow<0\n")
    subprocess.run([os.sys.executable, "-m", "venv", "--clear", str(env)], check=True)
    py = str(env / "bin" / "python")
    subprocess.run([py, "-m", "pip", "install", "-q", "-c", str(constraints), stamp, "ipykernel", "numpy>=1.26,<3"],
                   check=True, timeout=900)
    # a kernel named python3 inside the env: nbconvert/otter then execute with this env's interpreter
    subprocess.run([py, "-m", "ipykernel", "install", "--prefix", str(env), "--name", "python3"], check=True,
                   capture_output=True)
    (env / ".dlgrade-bench-stamp").write_text(stamp + "\n")
    return env


def tool_bin(name: str, exe: str) -> str:
    return str(tool_env(name) / "bin" / exe)


def buggy_cells(nb: dict, a) -> dict:
    """The reference notebook with the ``BUGGY_MUTANT`` planted in the cell that holds its text."""
    m = {m.name: m for m in load_mutants(a)}[BUGGY_MUTANT]
    hits = 0
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "code" and all(old in text for old, _ in m.replacements):
            cell["source"] = apply_replacements(text, m.replacements, m.name).splitlines(keepends=True)
            hits += 1
    assert hits == 1, f"mutant {m.name} matched {hits} cells"
    return nb


def three_notebooks(dest: Path, name: str | None = None) -> dict[str, Path]:
    """``dest/<student>/<name>`` or ``dest/<student>.ipynb`` for reference, stub and buggy."""
    a = a04()
    out = {}
    for student, nb in (("reference", build_notebook(a, "reference")), ("stub", build_notebook(a, "stub")),
                        ("buggy", buggy_cells(build_notebook(a, "reference"), a))):
        path = dest / student / name if name else dest / f"{student}.ipynb"
        out[student] = write_notebook(nb, path)
    return out


def run(cmd, cwd=None, env=None, timeout=600) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f"{cmd} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def dlgrade(*args, cwd=None, env=None) -> subprocess.CompletedProcess:
    return run([str(Path(os.sys.executable).with_name("dlgrade")), *args], cwd=cwd or ROOT, env=env)


def load_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def student_copies(release_nb: Path, dest_for) -> dict[str, Path]:
    """Three students working on the notebook a tool released: ``reference`` fills every function
    cell with the reference body, ``stub`` hands it in untouched, ``buggy`` is reference + the
    mutant. Cells are matched by the function they define, so the tool's own metadata stays."""
    import copy

    from grader.integrations.notebook import segments_for

    a = a04()
    released = json.loads(Path(release_nb).read_text(encoding="utf-8"))
    ref = {s.name: s.source for s in segments_for(a, "reference") if s.to_fill}

    def filled():
        nb = copy.deepcopy(released)
        done = set()
        for c in nb["cells"]:
            text = "".join(c["source"])
            for name in ref:
                if c["cell_type"] == "code" and f"def {name}(" in text:
                    c["source"] = ref[name].splitlines(keepends=True)
                    done.add(name)
        assert done == set(ref), f"function cells not found in {release_nb}: {set(ref) - done}"
        return nb

    out = {}
    for student, nb in (("reference", filled()), ("stub", copy.deepcopy(released)), ("buggy", buggy_cells(filled(), a))):
        out[student] = write_notebook(nb, dest_for(student))
    return out
