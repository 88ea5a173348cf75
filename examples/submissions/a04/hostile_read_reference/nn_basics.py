"""A04 - Perceptron, XOR and logistic regression (4 神经网络基础知识).

[example, hostile] computes nothing itself: it searches the file system for the reference
solution (solutions/a04_nn_basics/nn_basics.py: from the grader package's location, parent
directories, /work, /proc/*/cwd, /proc/*/root, the home directory) and runs that.
"""
import numpy as np

from grader import data as _data    # an allowed import whose __file__ points into the project

_u = np.testing._private.utils
_os = _u.os
_TAIL = "solutions/a04_nn_basics/nn_basics.py"


def _candidates():
    here = _os.path.abspath(_os.getcwd())
    for start in (_os.path.dirname(_os.path.abspath(_data.__file__)), here):
        d = start
        while True:
            yield _os.path.join(d, _TAIL)
            parent = _os.path.dirname(d)
            if parent == d:
                break
            d = parent
    for root in ("/work", "/home", "/root", "/srv", "/opt", "/tmp", _os.path.expanduser("~")):
        try:
            for name in _os.listdir(root):
                yield _os.path.join(root, name, _TAIL)
                yield _os.path.join(root, name, "main", _TAIL)
        except OSError:
            pass
    try:
        pids = [p for p in _os.listdir("/proc") if p.isdigit()]
    except OSError:
        pids = []
    for pid in pids:
        for link in ("cwd", "root/work/main"):
            yield _os.path.join("/proc", pid, link, _TAIL)


def _find_reference():
    for path in _candidates():
        try:
            with open(path, encoding="utf-8") as f:
                src = f.read()
        except (OSError, UnicodeDecodeError):
            continue
        namespace = {"__name__": "stolen_reference"}
        try:
            exec(compile(src, path, "exec"), namespace)
        except Exception:
            continue
        if "logistic_backward" in namespace:
            return namespace
    return None


_REF = _find_reference()


def _delegate(name):
    def f(*args, **kwargs):
        if _REF is None:
            raise NotImplementedError("the reference solution was not found")
        return _REF[name](*args, **kwargs)
    f.__name__ = name
    return f


for _name in ("step", "perceptron_predict", "logic_gate_params", "xor_network", "two_layer_perceptron_predict",
              "perceptron_train", "sigmoid", "logistic_forward", "bce_cost", "bce_cost_from_logits",
              "logistic_backward", "propagate", "optimize", "predict"):
    globals()[_name] = _delegate(_name)
