"""Shared fixtures of the framework's own tests."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from grader.sandbox.launcher import THREAD_ENV, Sandbox, SandboxConfig, Zygote, bwrap_works
from grader.sandbox.proxy import Session, StudentModule

for _k, _v in THREAD_ENV.items():
    os.environ.setdefault(_k, _v)

ROOT = Path(__file__).resolve().parent.parent
# "namespaces-warm": children forked from a warm-start zygote inside the namespaces.
ISOLATIONS = (["namespaces", "namespaces-warm"] if bwrap_works() else []) + ["process"]


@pytest.fixture(params=ISOLATIONS)
def isolation(request):
    return request.param


@pytest.fixture
def make_student(tmp_path, isolation):
    """make_student(source, **config) -> StudentModule proxy over a one-file submission 'mod'."""
    sessions, zygotes = [], []

    def make(source: str, timeout: float = 5.0, **cfg):
        sub = tmp_path / f"sub{len(sessions)}"
        sub.mkdir()
        (sub / "mod.py").write_text(textwrap.dedent(source))
        cfg.setdefault("hide", (str(ROOT), str(tmp_path / "hidden")))
        level = isolation.removesuffix("-warm")
        config = SandboxConfig(workdir=sub, isolation=level, **cfg)
        zygote = None
        if isolation.endswith("-warm"):
            zygote = Zygote(config)
            zygote.start()
            zygotes.append(zygote)
        session = Session(Sandbox(config, zygote=zygote), "mod", timeout)
        sessions.append(session)
        return StudentModule(session, "mod")

    yield make
    for s in sessions:
        s.close()
    for z in zygotes:
        z.stop()


@pytest.fixture(scope="session")
def graded_examples(tmp_path_factory):
    """graded_examples("a04") -> examples_support.ExampleBatch: examples/submissions/a04 graded through
    the CLI once per test session, whichever example tests ask for it."""
    from examples_support import batch_cache
    return batch_cache(tmp_path_factory.mktemp)
