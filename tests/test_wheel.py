"""The built wheel works outside the checkout: what Gradescope, otter and pip users install.

An editable install reads the engine's data files (``grader/grading/pytest_grading.ini``) from the
checkout, so it hides a wheel that forgot them. This test builds the wheel, installs it into a
fresh venv in a temporary folder and grades sample A04 submissions with that venv's ``dlgrade``,
checking that the engine it ran is the installed one, not the checkout's.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds a wheel and installs it with its dependencies: 1-2 minutes

ROOT = Path(__file__).resolve().parent.parent
CASES = {"correct": 100.0, "bug_missing_1_over_m": None, "hostile_read_reference": 0.0}


def _run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kw)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    # Build from a copy of the sources so that build/ and *.egg-info never land in the checkout.
    src = work / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info",
                                                             "__pycache__", ".pytest_cache", "out"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(work / "dist"),
          str(src)])
    wheels = list((work / "dist").glob("dlgrade-*.whl"))
    assert len(wheels) == 1, wheels
    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "-q", str(wheels[0])])
    return env_dir, wheels[0]


def test_wheel_ships_the_engine_data_files(wheel_venv):
    import zipfile

    _, wheel = wheel_venv
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "grader/grading/pytest_grading.ini" in names
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert not any(n.startswith(("solutions/", "assignments/", "tests/")) for n in names)


def test_installed_version_is_the_package_version(wheel_venv):
    env_dir, wheel = wheel_venv
    out = _run([str(env_dir / "bin" / "dlgrade"), "--version"], cwd=env_dir).stdout
    from grader import __version__

    assert __version__ in out and f"dlgrade-{__version__}-" in wheel.name


def test_wheel_install_grades_the_a04_examples(wheel_venv, tmp_path):
    env_dir, _ = wheel_venv
    subs = tmp_path / "subs"
    for case in CASES:
        shutil.copytree(ROOT / "examples/submissions/a04" / case, subs / case)
    out_json = tmp_path / "out" / "results.json"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # The course (assignments/, solutions/) comes from the checkout; the engine from the wheel.
    env["DLGRADE_ROOT"] = str(ROOT)
    proc = _run([str(env_dir / "bin" / "dlgrade"), "grade", "a04", str(subs), "--json", str(out_json),
                 "--gradebook", str(tmp_path / "out" / "gb.sqlite"), "-j", "1", "-q"], cwd=tmp_path, env=env)
    engine = _run([str(env_dir / "bin" / "python"), "-c", "import grader; print(grader.__file__)"],
                  cwd=tmp_path, env=env).stdout.strip()
    assert str(env_dir) in engine and str(ROOT) not in engine, engine
    doc = json.loads(out_json.read_text())
    scores = {s["id"]: s["score"] for s in doc["submissions"]}
    assert set(scores) == set(CASES), proc.stdout[-2000:]
    for case, expected in CASES.items():
        if expected is not None:
            assert scores[case] == expected, (case, scores[case])
    assert 0 < scores["bug_missing_1_over_m"] < 100
