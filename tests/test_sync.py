"""Stub generation from the solutions' markers."""
from __future__ import annotations

import shutil

import pytest

from grader.course.sync import MarkerError, make_stub, strip_markers, sync

SOURCE = '''def f(x):
    """Doubles x. x: (n, m) float64."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION


class A:
    def g(self):
        ### BEGIN SOLUTION
        y = 1
        return y
        ### END SOLUTION
'''


def test_solution_blocks_become_stubs_at_their_indentation():
    stub = make_stub(SOURCE)
    assert "return 2 * x" not in stub and "y = 1" not in stub
    assert ('    # YOUR CODE HERE\n    raise NotImplementedError("f: not implemented yet (the reference needs '
            '≈ 1 line)")\n') in stub
    assert ('        # YOUR CODE HERE\n        raise NotImplementedError("g: not implemented yet (the reference '
            'needs ≈ 2 lines)")\n') in stub
    assert '"""Doubles x. x: (n, m) float64."""' in stub
    compile(stub, "stub", "exec")


def test_strip_markers_keeps_the_solution():
    out = strip_markers(SOURCE)
    assert "return 2 * x" in out and "BEGIN SOLUTION" not in out


@pytest.mark.parametrize("bad", [
    "### BEGIN SOLUTION\nx = 1\n",
    "x = 1\n### END SOLUTION\n",
    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n",
])
def test_broken_markers_are_errors(bad):
    with pytest.raises(MarkerError):
        make_stub(bad)


def test_sync_check_detects_a_hand_edited_stub(tmp_path):
    root = tmp_path / "course"
    (root / "solutions" / "a99_demo").mkdir(parents=True)
    (root / "assignments" / "a99_demo").mkdir(parents=True)
    (root / "solutions" / "a99_demo" / "demo.py").write_text(SOURCE)
    (root / "assignments" / "a99_demo" / "assignment.toml").write_text(
        '[assignment]\nid = "a99"\ntitle = "demo"\n[files]\nsubmit = ["demo.py"]\n')
    assert sync(root, check=True) == ["assignments/a99_demo/demo.py (stub of solutions/a99_demo/demo.py)"]
    sync(root)
    assert sync(root, check=True) == []
    stub = root / "assignments" / "a99_demo" / "demo.py"
    stub.write_text(stub.read_text() + "\n# edited by hand\n")
    assert len(sync(root, check=True)) == 1
    shutil.rmtree(root)


def test_examples_are_generated_from_the_base_and_their_replacements(tmp_path):
    root = tmp_path / "course"
    (root / "solutions" / "a99_demo").mkdir(parents=True)
    (root / "assignments" / "a99_demo").mkdir(parents=True)
    (root / "solutions" / "a99_demo" / "demo.py").write_text(SOURCE)
    (root / "assignments" / "a99_demo" / "assignment.toml").write_text(
        '[assignment]\nid = "a99"\ntitle = "demo"\n[files]\nsubmit = ["demo.py"]\n')
    examples = root / "examples" / "submissions" / "a99"
    examples.mkdir(parents=True)
    (examples / "examples.toml").write_text(
        'base = "reference"\n[cases.correct]\n[cases.triples]\n[[cases.triples.replace]]\nfile = "demo.py"\n'
        "old = '''\n    return 2 * x\n'''\nnew = '''\n    return 3 * x\n'''\n"
        '[expect.correct]\nfull_marks = true\n[expect.triples]\nlose = ["test_f"]\n')  # expectations: not generated
    sync(root)
    assert (examples / "correct" / "demo.py").read_text() == strip_markers(SOURCE)
    assert (examples / "triples" / "demo.py").read_text() == strip_markers(SOURCE).replace("2 * x", "3 * x")
    assert sync(root, check=True) == []
    (examples / "triples" / "demo.py").write_text("def f(x):\n    return 4 * x\n")  # edited by hand
    assert sync(root, check=True) == ["examples/submissions/a99/triples/demo.py (example: reference + "
                                      "examples.toml [triples])"]
    (examples / "examples.toml").write_text(  # a replacement that no longer matches is an error, not a skip
        'base = "reference"\n[cases.broken]\n[[cases.broken.replace]]\nold = "return 5 * x"\nnew = "x"\n')
    with pytest.raises(ValueError, match=r"\[broken\].*occurs 0 times"):
        sync(root, check=True)
    (examples / "examples.toml").write_text('base = "reference"\n[expect.correct]\nscor = 100\n')  # a typo
    with pytest.raises(ValueError, match=r"\[expect.correct\]: unknown rule 'scor'"):
        sync(root, check=True)


def test_points_and_stub_lines_read_like_a_person_wrote_them():
    from grader.cli import fmt_points, not_implemented, todo_summary

    assert fmt_points(4 / 3) == "1.33" and fmt_points(2.0) == "2" and fmt_points(0.125) == "0.12"
    stub_msg = 'nn_basics.step raised NotImplementedError: step: not implemented yet (the reference needs ≈ 2 lines)'
    assert not_implemented(stub_msg) == "step"
    assert not_implemented("expected ValueError but got NotImplementedError: gate: not implemented yet") == "gate"
    assert not_implemented("nn_basics.sigmoid raised NotImplementedError") == "sigmoid"
    assert not_implemented("sigmoid(z)[0, 1] = 0.5, expected 0.7") is None
    result = {"tests": [{"status": "fail", "message": stub_msg, "max_points": 4 / 3},
                        {"status": "fail", "message": stub_msg, "max_points": 2},
                        {"status": "pass", "message": "", "max_points": 1}]}
    assert todo_summary(result) == ["step is not implemented yet (3.33 points of public tests)"]


def test_setup_lines_and_checks_outside_a_block_survive_in_the_stub():
    source = '''def backward(dZ, cache):
    """dZ: (n, m); cache: (A_prev (k, m), W (n, k)). Returns dW (n, k)."""
    A_prev, W = cache
    m = A_prev.shape[1]
    ### BEGIN SOLUTION
    dW = dZ @ A_prev.T / m
    ### END SOLUTION
    # define dW
    assert dW.shape == W.shape, f"dW must have W's shape {W.shape}, got {dW.shape}"
    return dW
'''
    stub = make_stub(source)
    assert "dZ @ A_prev.T" not in stub
    assert "    A_prev, W = cache\n    m = A_prev.shape[1]\n    # YOUR CODE HERE\n" in stub
    assert 'backward: not implemented yet (the reference needs ≈ 1 line)' in stub  # the block only, not the setup
    assert stub.endswith('''    # define dW
    assert dW.shape == W.shape, f"dW must have W's shape {W.shape}, got {dW.shape}"
    return dW
''')
    namespace: dict = {}
    exec(compile(stub, "stub", "exec"), namespace)
    import numpy as np
    with pytest.raises(NotImplementedError, match="^backward: not implemented yet"):
        namespace["backward"](np.ones((2, 3)), (np.ones((4, 3)), np.ones((2, 4))))
    exec(compile(strip_markers(source), "ref", "exec"), namespace)
    assert namespace["backward"](np.ones((2, 3)), (np.ones((4, 3)), np.ones((2, 4)))).shape == (2, 4)
