"""The code the otter public-check helper hands to `dlgrade check` (grader/integrations/otter_public.py):
otter's own statements out, the student's code in, in the order it ran. The real-otter round trip is
tests/test_otter_integration.py::test_otter_check_runs_public_tests."""
from __future__ import annotations

import pytest

from grader.integrations.otter_public import check, student_cells

OTTER_INIT = ('from otter import Notebook as notebook_ab12\nnotebook_ab12.init_grading_mode("tests")\n'
              "import logging\nfrom otter import logging\nlogging.set_level(logging.DEBUG)\n")


def test_otter_statements_are_left_out_and_student_code_kept():
    history = ["", OTTER_INIT, "import numpy as np\n\ndef step(z):\n    return (z > 0).astype(z.dtype)",
               'notebook_ab12().check("step")',
               "import otter\ngrader = otter.Notebook('a04.ipynb')\nEPS = 1e-8\nprint(grader.check('step'))",
               "def step(z):\n    return z"]
    cells = student_cells(history)
    assert cells == ["import logging\n",  # the stdlib import otter's cell made first stays: harmless
                     "import numpy as np\n\ndef step(z):\n    return (z > 0).astype(z.dtype)",
                     "EPS = 1e-8", "def step(z):\n    return z"]
    assert not any("otter" in c or "grader" in c or "notebook_ab12" in c for c in cells)


def test_magics_stay_for_dlgrade_and_unparsable_or_cell_magic_cells_go():
    history = ["!dlgrade check a04 a04.ipynb\ndef f(x):\n    %time y = x\n    return x",
               "def broken(:\n    pass", "%%bash\necho hi", "x = 1"]
    # magic lines are dlgrade's to drop (as in a saved notebook); a cell that did not parse never ran
    assert student_cells(history) == [history[0], "x = 1"]


def test_outside_jupyter_the_check_says_how_to_run_it():
    with pytest.raises(RuntimeError, match="otter check"):
        check({"step": lambda z: z}, ["test_public.py::test_step_known_values"])
