"""otter-grader round trip with the real otter (its own venv, tests/integrations_support.tool_env):
dlgrade export otter, otter assign, three students, otter run; otter's scores are dlgrade's
(the hidden otter tests only ask dlgrade, whose engine grades in its sandbox)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from integrations_support import ISOLATION, ROOT, dlgrade, load_json, run, student_copies, tool_env

pytestmark = pytest.mark.slow


OTTER_CHECK_QUESTIONS = ["step", "perceptron_predict", "logic_gate_params", "two_layer_perceptron_predict",
                         "perceptron_train", "sigmoid", "logistic_forward", "bce_cost_from_logits",
                         "logistic_backward", "optimize", "predict"]  # the questions with public tests


@pytest.fixture(scope="module")
def assigned(tmp_path_factory):
    """dlgrade export otter + the real otter assign, once for this module: (out dir, autograder zip)."""
    env = tool_env("otter")
    out = tmp_path_factory.mktemp("otter")
    dlgrade("export", "otter", "a04", out, "--isolation", ISOLATION, "--secret", "otter-test")
    run([env / "bin" / "otter", "assign", "a04.ipynb", "dist"], cwd=out)
    zips = list((out / "dist" / "autograder").glob("a04-autograder_*.zip"))
    assert len(zips) == 1
    return out, zips[0]


DL_ENV = {"DLGRADE_OTTER_DLGRADE": str(Path(__import__("sys").executable).with_name("dlgrade"))}


def test_otter_assign_and_run(tmp_path, assigned):
    env = tool_env("otter")
    out, zip_path = assigned
    student_dir = out / "dist" / "student"
    student_nb = student_dir / "a04.ipynb"
    # the student gets the notebook, the public tests (otter's tests/ and dlgrade's public folder) and
    # the check helper; never the hidden tests, the reference or the grading helper
    assert sorted(p.name for p in student_dir.iterdir()) == ["a04.ipynb", "dlgrade_otter_public.py",
                                                               "dlgrade_public", "tests"]
    files = [p for p in student_dir.rglob("*") if p.is_file()]
    assert not [p for p in files if "solutions" in p.parts or p.name in ("test_perceptron.py", "test_logistic.py",
                                                                          "dlgrade_otter.py")], files
    assert sorted(p.stem for p in (student_dir / "tests").iterdir()) == sorted(OTTER_CHECK_QUESTIONS)
    for p in files:
        text = p.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "ez = np.exp(z[~pos])" not in text and "hidden=True" not in text, p
    assert "dlgrade_otter.check" not in student_nb.read_text()
    nbs = student_copies(student_nb, lambda s: tmp_path / "subs" / s / "a04.ipynb")
    otter = {}
    for s, nb in nbs.items():
        res_dir = tmp_path / "res" / s
        res_dir.mkdir(parents=True)
        proc = run([env / "bin" / "otter", "run", "-a", zip_path, "-o", res_dir, nb], env=DL_ENV)
        print(proc.stdout[proc.stdout.find("Total Score"):])
        otter[s] = {t["name"]: t for t in load_json(res_dir / "results.json")["tests"] if "max_score" in t}

    # the same notebooks graded by dlgrade directly
    dlgrade("grade", "a04", tmp_path / "subs", "--isolation", ISOLATION, "--json", tmp_path / "dl.json",
            "--gradebook", tmp_path / "dl.sqlite", "-j", "1", "--secret", "otter-test", cwd=ROOT)
    dl = {r["id"]: r for r in load_json(tmp_path / "dl.json")["submissions"]}
    for s in nbs:
        total = sum(t["score"] for t in otter[s].values())
        assert total == pytest.approx(dl[s]["score"]), (s, total, dl[s]["score"])
        assert sum(t["max_score"] for t in otter[s].values()) == pytest.approx(100)
    assert dl["reference"]["score"] == 100 and dl["stub"]["score"] == 0 and 0 < dl["buggy"]["score"] < 100
    lost = {n: t for n, t in otter["buggy"].items() if t["score"] < t["max_score"]}
    assert list(lost) == ["sigmoid"], json.dumps(lost)[:500]
    failed_msg = next(t["message"] for t in dl["buggy"]["tests"] if t["status"] != "pass")
    assert failed_msg.splitlines()[0][:40] in lost["sigmoid"]["output"]  # dlgrade's message, through otter


def _otter_check(student_dir: Path, nb: Path, *question: str) -> str:
    """``otter check`` as the student runs it (in the student folder, whose tests/ it reads)."""
    proc = run([tool_env("otter") / "bin" / "otter", "check", nb.name, *[a for q in question for a in ("-q", q)]],
               cwd=student_dir, env=DL_ENV)
    print(proc.stdout)
    return proc.stdout


def test_otter_check_runs_public_tests(tmp_path, assigned):
    """The student's `otter check` (and grader.check in the notebook) run dlgrade's public tests on
    the notebook's code: the reference passes all, the untouched stub fails each question with the
    public test's own message, the buggy notebook fails only sigmoid (its overflow)."""
    out, _ = assigned
    student_dir = tmp_path / "student"  # a copy: the released folder stays as otter assign wrote it
    shutil.copytree(out / "dist" / "student", student_dir)
    nbs = student_copies(student_dir / "a04.ipynb", lambda s: student_dir / f"{s}.ipynb")
    assert _otter_check(student_dir, nbs["reference"]).strip().endswith("All tests passed!")

    stub = _otter_check(student_dir, nbs["stub"])
    failed = re.findall(r"^(\w+) results:\n(?:(?!^\w+ results:).*\n)*?.*❌ Test case failed", stub, re.M)
    assert sorted(set(failed)) == sorted(OTTER_CHECK_QUESTIONS), stub
    # dlgrade's public-test messages, through otter (test_public.py's assert_close / raises_student names)
    assert "AssertionError: test_step_known_values: step([[-2, 0, 3]]): expected ndarray" in stub
    assert "test_gate_unknown: expected the call to raise ValueError" in stub

    # -q: otter 7 still runs the checks it places after every question cell and prints each result
    one = _otter_check(student_dir, nbs["buggy"], "sigmoid")
    assert re.findall(r"^(\w+) results:\n(?:(?!^\w+ results:).*\n)*?.*❌ Test case failed", one, re.M) == ["sigmoid"]
    assert ("test_sigmoid: sigmoid([[-1000, 0, 1000]]) with overflow errors on raised FloatingPointError: "
            "overflow encountered in exp") in one

    # grader.check in the student's own kernel: otter's lines are left out of the code dlgrade checks,
    # and a function redefined in a later cell is the one checked
    nb = json.loads(nbs["reference"].read_text(encoding="utf-8"))
    for i, src in enumerate(["import otter\ngrader = otter.Notebook('inb.ipynb')\nprint(grader.check('sigmoid'))",
                             "def step(z):\n    return z\n\nprint(grader.check('step'))"]):
        nb["cells"].append({"cell_type": "code", "id": f"check-{i}", "metadata": {}, "execution_count": None,
                            "outputs": [], "source": src})
    (student_dir / "inb.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    run([tool_env("otter") / "bin" / "jupyter", "nbconvert", "--to", "notebook", "--execute", "inb.ipynb",
         "--output", "inb_out.ipynb"], cwd=student_dir, env=DL_ENV)
    cells = json.loads((student_dir / "inb_out.ipynb").read_text(encoding="utf-8"))["cells"][-2:]
    shown = ["".join("".join(o.get("text", "")) for o in c["outputs"] if o.get("name") == "stdout") for c in cells]
    assert shown[0].strip() == "sigmoid results: All test cases passed!", shown
    assert "❌ Test case failed" in shown[1] and "test_step_known_values: step([[-2, 0, 3]])" in shown[1], shown
