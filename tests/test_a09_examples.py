"""End to end: the loss-curve figures of A09's example batch.

The score rules of every example are the ``[expect.*]`` tables of examples/submissions/a09/examples.toml,
checked by tests/test_examples_expectations.py on the same single grading run (the session fixture
``graded_examples``); this module checks what is not a score rule: the figures attached to the results.
"""
from __future__ import annotations

import pytest
from examples_support import cases_by_name

pytestmark = pytest.mark.slow       # 7 torch submissions: about a minute on 2 busy cores


@pytest.fixture(scope="module")
def results(graded_examples):
    return graded_examples("a09").results


def _by_name(sub) -> dict[str, list[dict]]:
    return cases_by_name(sub, with_cases=False)


def test_loss_curves_are_plotted(results):
    """The char-LM and adding tests attach the student's loss curve beside the reference's, pass or fail."""
    for case in ("correct", "rnn_grads_not_summed"):
        by = _by_name(results[case])
        for name, n in (("test_train_char_lm_end_to_end", 200), ("test_train_adding_end_to_end", 400)):
            figs = by[name][0].get("figures") or []
            assert len(figs) == 1, f"{case}: {name} attached {len(figs)} figures"
            series = {s["label"]: s["values"] for s in figs[0]["series"]}
            ref = [v for k, v in series.items() if k.startswith("reference")]
            assert "your losses" in series and len(ref) == 1, f"{case}: {name}: series {sorted(series)}"
            for label, values in (("your losses", series["your losses"]), ("reference", ref[0])):
                assert len(values) == n and all(isinstance(v, float) for v in values), (
                    f"{case}: {name}: {label} has {len(values)} points, expected {n} numbers")
