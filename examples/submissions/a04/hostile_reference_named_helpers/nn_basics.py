"""[example, hostile] computes nothing: every function comes from helper modules named like a
reference solution (nn_basics_reference.py, reference.py, solution.py), shipped with the
submission in the hope that the grader imports them as its reference. Expected: 0 — the grader
loads its reference by path from solutions/, never from a folder the submission controls, and
no negative-property test can be passed by constants."""
from nn_basics_reference import *  # noqa: F401,F403
from reference import *  # noqa: F401,F403
from solution import *  # noqa: F401,F403
