"""``dlgrade export gradescope``: autograder.zip run as Gradescope runs it, against a temporary
root laid out like /autograder (source/ = the unzipped archive, submission/, results/), with the
results validated against Gradescope's documented results.json schema."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import jsonschema
import pytest

from integrations_support import ISOLATION, a04, dlgrade, load_json, run, three_notebooks

pytestmark = pytest.mark.slow

VISIBILITY = ["hidden", "after_due_date", "after_published", "visible"]
# https://gradescope-autograders.readthedocs.io/en/latest/specs/ (results.json)
RESULTS_SCHEMA = {
    "type": "object",
    "required": ["tests", "execution_time", "stdout_visibility"],
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "visibility": {"enum": VISIBILITY},
        "stdout_visibility": {"enum": VISIBILITY},
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "required": ["name", "score", "max_score", "output", "visibility"],
            "properties": {
                "score": {"type": "number"}, "max_score": {"type": "number"}, "status": {"enum": ["passed", "failed"]},
                "name": {"type": "string"}, "number": {"type": "string"}, "output": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}}, "visibility": {"enum": VISIBILITY},
            }}},
    },
}


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("gs")
    dlgrade("export", "gradescope", "a04", out, "--visibility", "after_due_date", "--isolation", ISOLATION,
            "--secret", "gs-test")
    return out / "autograder.zip"


def _autograde(zip_path, tmp_path, submission_files: dict) -> dict:
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")  # what Gradescope does
    (root / "submission").mkdir()
    for name, src in submission_files.items():
        shutil.copy(src, root / "submission" / name)
    (root / "submission_metadata.json").write_text('{"id": 1, "users": [{"email": "s@example.edu"}]}')
    run(["bash", root / "run_autograder"], env={"DLGRADE_AUTOGRADER_ROOT": str(root),
                                                 "DLGRADE_AUTOGRADER_PYTHON": sys.executable})
    doc = load_json(root / "results" / "results.json")
    jsonschema.validate(doc, RESULTS_SCHEMA)
    return doc


def test_zip_layout(autograder_zip):
    names = zipfile.ZipFile(autograder_zip).namelist()
    assert {"setup.sh", "run_autograder", "dlgrade-autograder.json"} <= set(names)
    assert [n for n in names if n.startswith("dlgrade-") and n.endswith(".whl")]
    assert "course/solutions/a04_nn_basics/tests/test_logistic.py" in names
    with zipfile.ZipFile(autograder_zip) as zf:
        for script in ("setup.sh", "run_autograder"):
            assert zf.getinfo(script).external_attr >> 16 & 0o111  # executable
            assert subprocess.run(["bash", "-n"], input=zf.read(script), capture_output=True).returncode == 0


def test_reference_stub_buggy(autograder_zip, tmp_path):
    nbs = three_notebooks(tmp_path / "nbs")
    a = a04()
    docs = {
        "reference": _autograde(autograder_zip, tmp_path / "r", {a.submit[0]: a.solution_dir / a.submit[0]}),
        "stub": _autograde(autograder_zip, tmp_path / "s", {"a04_nn_basics.ipynb": nbs["stub"]}),
        "buggy": _autograde(autograder_zip, tmp_path / "b", {"a04_nn_basics.ipynb": nbs["buggy"]}),
    }
    for name, doc in docs.items():
        print(name, doc["score"], [t["name"] for t in doc["tests"] if t["score"] < t["max_score"]][:3])
        assert sum(t["max_score"] for t in doc["tests"]) == pytest.approx(100)
        assert sum(t["score"] for t in doc["tests"]) == pytest.approx(doc["score"])
        assert {t["visibility"] for t in doc["tests"]} == {"after_due_date"}  # the hidden tests' setting
        assert doc["extra_data"]["student_id"] == "s@example.edu"
        # the run's wall time in whole seconds, rounded up: a sub-second child must not read as 0 s
        assert isinstance(doc["execution_time"], int) and doc["execution_time"] >= 1
    assert docs["reference"]["score"] == 100 and docs["stub"]["score"] == 0
    assert 0 < docs["buggy"]["score"] < 100
    failed = [t for t in docs["buggy"]["tests"] if t["status"] == "failed"]
    assert failed and all(t["output"] for t in failed) and any("sigmoid" in t["name"] for t in failed)


def test_setup_sh_installs_the_engine_that_run_autograder_uses(autograder_zip, tmp_path):
    """Gradescope's whole life of the zip: setup.sh once (the wheel inside the zip, its dependencies
    from the package index), then run_autograder with the `python3` setup.sh installed into — no
    DLGRADE_AUTOGRADER_PYTHON, no checkout. A fresh venv first on PATH stands in for the image's
    system Python (setup.sh's `python3 -m pip` then installs into it); apt-get is a recording shim,
    since the image's apt is not this machine's to change."""
    import os
    import venv

    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(autograder_zip) as zf:
        zf.extractall(root / "source")
    image_python = tmp_path / "image-python"
    venv.EnvBuilder(with_pip=True).create(image_python)
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "apt.log"}\n')
    (shims / "apt-get").chmod(0o755)
    env = {"PATH": f"{shims}{os.pathsep}{image_python / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "VIRTUAL_ENV": str(image_python), "PYTHONPATH": "", "DLGRADE_AUTOGRADER_ROOT": str(root),
           "PIP_RETRIES": "0"}  # the PyTorch CPU index is unreachable here: fail over to the registry at once
    run(["bash", root / "source" / "setup.sh"], cwd=tmp_path, env=env, timeout=900)
    assert "python3-pip" in (tmp_path / "apt.log").read_text()
    engine = run([image_python / "bin" / "python", "-c", "import grader; print(grader.__file__)"],
                 cwd=tmp_path, env=env).stdout.strip()
    assert engine.startswith(str(image_python)), engine  # the wheel's engine, not the checkout's

    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    a = a04()
    shutil.copy(a.solution_dir / a.submit[0], root / "submission" / a.submit[0])
    run(["bash", root / "run_autograder"], cwd=tmp_path, env=env)
    doc = load_json(root / "results" / "results.json")
    jsonschema.validate(doc, RESULTS_SCHEMA)
    assert doc["score"] == 100 and len(doc["tests"]) > 10, doc.get("output")
